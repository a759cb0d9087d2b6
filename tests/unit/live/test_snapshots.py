"""`SnapshotRecorder`: a real kernel (journal in SQLite) on a simulated clock, the in-process
bus, and the scripted venue of the kernel tests; every write goes through the real repositories."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jts.bus.inprocess import InProcessMessageBus
from jts.core.clock import SimulatedClock
from jts.core.time import NANOS_PER_DAY, NANOS_PER_MINUTE, kst_to_ns
from jts.domain.accounts import Account
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import ClientOrderId
from jts.domain.instruments import Market, krx_equity
from jts.domain.values import KRW, Money, Price
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy
from jts.live.reconciliation import rebuild_orders
from jts.live.snapshots import PositionValues, SnapshotRecorder
from jts.ports.repositories import SnapshotReason
from jts.storage import Storage
from jts.storage.mappers.positions import position_to_row
from tests.unit.kernel.conftest import ACCOUNT, DAY, SAMSUNG, T0, ScriptedVenue
from tests.unit.kernel.execution.algorithms.algo_support import trade

CASH = 10_000_000


class Log:
    """Keeps what the recorder logs (event name and fields)."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def _keep(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))

    info = warning = error = _keep


class Trader(Strategy):
    def __init__(self) -> None:
        super().__init__(strategy_id="Trader-001")


class Node:
    """What `LiveNode` wires, minus the network: storage, kernel, bus, venue, recorder."""

    def __init__(
        self, db: Path, start_ns: int = T0, *, fresh: bool = True, background: bool = False
    ) -> None:
        self.storage = Storage.open(f"sqlite:///{db}")
        if fresh:
            self.storage.instruments.add(krx_equity("005930", "Samsung", Market.KOSPI))
        self.clock = SimulatedClock(start_ns=start_ns)
        self.venue = ScriptedVenue(self.clock)
        self.bus = InProcessMessageBus()
        self.kernel = Kernel(
            self.clock,
            ids=SequentialIdFactory("R" if fresh else "S"),
            journal=self.storage.journal,
            publish=self.bus.publish,
        )
        self.kernel.add_instruments(self.storage.instruments.list_all())
        self.log = Log()
        self.recorder = SnapshotRecorder(
            self.storage,
            self.kernel,
            log=self.log,
            clock_ns=self.clock.timestamp_ns,
            background=background,
        )
        self.recorder.attach(self.bus)
        self.kernel.add_execution_client(self.venue)
        self.trader = Trader()
        self.kernel.add_strategy(self.trader)

    def fund(self, cash: int = CASH) -> None:
        account = Account(ACCOUNT)
        account.deposit(Money(cash, KRW))
        self.kernel.add_account(account, default=True)

    def start(self, price: int = 70000) -> None:
        self.kernel.start()
        self.kernel.risk.set_base_price(SAMSUNG, Price(price))
        self.price(price)

    def price(self, price: int) -> None:
        self.kernel.process_trade_tick(trade(self.clock.timestamp_ns(), price, 1))

    def buy(self, qty: int, px: int, *, commission: str = "100", tax: str = "0") -> ClientOrderId:
        order_id = self.trader.buy(SAMSUNG, qty)
        assert order_id is not None
        self.venue.fill(order_id, str(qty), str(px), commission=commission, tax=tax)
        return order_id

    def sell(self, qty: int, px: int, *, commission: str = "100", tax: str = "0") -> ClientOrderId:
        order_id = self.trader.sell(SAMSUNG, qty)
        assert order_id is not None
        self.venue.fill(order_id, str(qty), str(px), commission=commission, tax=tax)
        return order_id

    def close(self) -> None:
        self.storage.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "jts.db"


@pytest.fixture
def node(db: Path) -> Iterator[Node]:
    built = Node(db)
    built.fund()
    built.start()
    yield built
    built.close()


def test_nothing_is_written_on_the_order_path_only_at_flush(node: Node) -> None:
    order_id = node.buy(10, 70000)
    assert node.storage.fills.count() == 0
    assert node.storage.orders.count() == 0
    assert node.recorder.pending > 0
    node.recorder.flush()
    assert node.recorder.pending == 0
    stored = node.storage.orders.get(order_id)
    assert stored.status.value == "FILLED"
    assert stored.events == node.kernel.cache.order(order_id).events  # type: ignore[union-attr]
    (fill,) = node.storage.fills.for_order(order_id)
    assert (fill.last_qty.as_decimal(), fill.last_px.as_decimal()) == (10, 70000)
    position = node.storage.positions.get(node.kernel.portfolio.positions()[0].position_id)
    assert position.signed_qty == 10
    assert position.avg_px_open == 70000
    state = node.storage.accounts.get(ACCOUNT)
    balance = state.balance(KRW)
    assert balance is not None
    assert balance.total == Money(CASH - 700_000 - 100, KRW)
    assert node.recorder.stats.fills == 1


def test_positions_read_back_equal_the_kernels_through_partial_closes(node: Node) -> None:
    node.buy(10, 70000)
    node.recorder.flush()
    node.sell(4, 71000, tax="511")
    node.buy(2, 69000)
    node.sell(8, 72000, tax="1036")  # flat: realised over the whole round trip
    node.recorder.flush()
    (live,) = node.kernel.portfolio.positions(open_only=False)
    stored = node.storage.positions.get(live.position_id)
    assert (stored.signed_qty, stored.realized_pnl) == (live.signed_qty, live.realized_pnl)
    # 4 x (71000 - 70000), then 8 x (72000 - 69750): the average after buying 2 at 69000
    assert stored.realized_pnl == Money(4_000 + 18_000, KRW)
    assert node.storage.fills.count() == 4


def test_a_restart_replays_the_journal_and_doubles_nothing(db: Path) -> None:
    first = Node(db)
    first.fund()
    first.start()
    first.buy(10, 70000)
    first.sell(3, 70500, tax="385")
    first.recorder.flush()  # two fills stored ...
    first.buy(5, 69900)
    unflushed = first.sell(2, 70100, tax="252")  # ... two more only journaled: then a crash
    journal_fills = [
        e for o in first.kernel.cache.orders() for e in o.events if isinstance(e, OrderFilled)
    ]
    first.close()

    second = Node(db, start_ns=T0 + 10 * NANOS_PER_MINUTE, fresh=False)
    recovered = rebuild_orders(second.storage.journal)
    for order in recovered.orders:  # what LiveNode._recover does
        second.kernel.cache.add_order(order)
    for fill in recovered.fills:
        second.kernel.portfolio.apply_fill(fill)
    second.fund(CASH - 5)  # the venue's cash, whatever it is
    second.recorder.catch_up(recovered)
    second.recorder.flush()
    try:
        stats = second.recorder.stats
        assert (stats.fills, stats.duplicate_fills) == (2, 2)
        assert second.storage.fills.count() == len(journal_fills) == 4
        stored_ids = {
            (str(f.client_order_id), str(f.trade_id)) for f in second.storage.fills.query()
        }
        assert stored_ids == {(str(f.client_order_id), str(f.trade_id)) for f in journal_fills}
        assert second.storage.orders.get(unflushed).status.value == "FILLED"
        assert second.storage.orders.count() == 4
        (live,) = second.kernel.portfolio.positions()
        stored = second.storage.positions.get(live.position_id)
        assert (stored.signed_qty, stored.realized_pnl) == (10, live.realized_pnl)
        # and again: a second replay finds everything stored
        second.recorder.catch_up(recovered)
        second.recorder.flush()
        assert second.recorder.stats.duplicate_fills == 2 + 4
        assert second.storage.fills.count() == 4
    finally:
        second.close()


def test_a_catch_up_that_finds_no_clean_prefix_offers_every_fill(db: Path) -> None:
    """Stored fills that are not a prefix of the journal's (written by someone else, out of
    order): the fast path must not skip the one missing in the middle."""
    first = Node(db)
    first.fund()
    first.start()
    first.buy(10, 70000)
    first.recorder.flush()
    first.buy(5, 69900)
    first.sell(2, 70100, tax="252")
    journal = rebuild_orders(first.storage.journal).fills
    first.storage.fills.add(journal[2])  # the last one, not the one before it
    first.close()

    second = Node(db, start_ns=T0 + NANOS_PER_MINUTE, fresh=False)
    try:
        recovered = rebuild_orders(second.storage.journal)
        for order in recovered.orders:
            second.kernel.cache.add_order(order)
        for fill in recovered.fills:
            second.kernel.portfolio.apply_fill(fill)
        second.recorder.catch_up(recovered)
        stored = {str(f.trade_id) for f in second.storage.fills.query()}
        assert stored == {str(f.trade_id) for f in journal}
        assert (second.recorder.stats.fills, second.recorder.stats.duplicate_fills) == (1, 2)
    finally:
        second.close()


def test_the_daily_snapshot_marks_positions_and_counts_the_days_costs(node: Node) -> None:
    node.buy(10, 70000, commission="105")
    node.sell(4, 71000, commission="43", tax="511")
    node.clock.set_time(T0 + NANOS_PER_MINUTE)
    node.price(72000)
    (snapshot,) = node.recorder.take_daily_snapshot(SnapshotReason.DEMAND)
    assert snapshot.day == DAY
    cash = CASH - 700_000 - 105 + 284_000 - 43 - 511
    assert snapshot.cash == Money(cash, KRW)
    assert snapshot.cash_settled == Money(cash, KRW)  # the kernel's default: settled at once
    assert snapshot.positions_value == Money(6 * 72000, KRW)
    assert snapshot.equity == Money(cash + 6 * 72000, KRW)
    assert snapshot.realized_pnl == Money(4 * 1000, KRW)
    assert snapshot.unrealized_pnl == Money(6 * 2000, KRW)
    assert (snapshot.commissions, snapshot.taxes) == (Money(148, KRW), Money(511, KRW))
    assert snapshot.fills == 2
    assert node.storage.daily_snapshots.get(ACCOUNT, DAY) == snapshot
    assert node.storage.fills.count() == 2  # it flushed first


def test_one_row_per_day_the_latest_wins_and_a_late_replay_is_refused(node: Node) -> None:
    node.buy(1, 70000)
    node.recorder.take_daily_snapshot(SnapshotReason.DEMAND)
    node.clock.set_time(T0 + 60 * NANOS_PER_MINUTE)
    node.price(71000)
    (later,) = node.recorder.take_daily_snapshot(SnapshotReason.STOP)
    assert node.storage.daily_snapshots.query() == [later]
    assert node.recorder.take_daily_snapshot(SnapshotReason.DEMAND, now=T0) == []
    assert node.recorder.stats.stale_snapshots == 1
    assert node.storage.daily_snapshots.query() == [later]
    node.clock.set_time(T0 + NANOS_PER_DAY)
    node.recorder.take_daily_snapshot(SnapshotReason.DEMAND)
    days = [s.day for s in node.storage.daily_snapshots.query()]
    assert days == [DAY, DAY + dt.timedelta(days=1)]


def test_a_position_without_a_price_since_the_restart_is_valued_at_cost(db: Path) -> None:
    first = Node(db)
    first.fund()
    first.start()
    first.buy(3, 70000)
    first.close()
    second = Node(db, fresh=False)
    try:
        for fill in rebuild_orders(second.storage.journal).fills:
            second.kernel.portfolio.apply_fill(fill)
        second.fund()
        (snapshot,) = second.recorder.take_daily_snapshot()
        assert snapshot.positions_value == Money(210_000, KRW)
        assert snapshot.unrealized_pnl == Money(0, KRW)
    finally:
        second.close()


def test_the_close_snapshot_is_taken_once_after_the_close(db: Path, node: Node) -> None:
    node.buy(1, 70000)
    node.recorder.tick()
    assert node.storage.daily_snapshots.query() == []  # 09:00: the market is open
    node.clock.set_time(kst_to_ns(DAY, "153000"))
    node.recorder.tick()
    (close,) = node.storage.daily_snapshots.query()
    assert close.reason is SnapshotReason.CLOSE
    node.clock.set_time(kst_to_ns(DAY, "160000"))
    node.recorder.tick()
    assert node.storage.daily_snapshots.query() == [close]
    # a node restarted after the close finds the day's close stored and takes none
    again = Node(db, start_ns=kst_to_ns(DAY, "170000"), fresh=False)
    try:
        again.fund()
        again.recorder.tick()
        assert again.storage.daily_snapshots.query() == [close]
    finally:
        again.close()


def _failing_recorder(node: Node, *, background: bool = False) -> SnapshotRecorder:
    """A recorder of ``node`` whose first unit of work fails (`_Failing`)."""
    recorder = SnapshotRecorder(
        _Failing(node.storage),  # type: ignore[arg-type]
        node.kernel,
        log=node.log,
        clock_ns=node.clock.timestamp_ns,
        background=background,
    )
    recorder.attach(node.bus)
    return recorder


class _Failing:
    """The real storage, whose next unit of work fails like a database that went away."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.fail = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def transaction(self) -> AbstractContextManager[None]:
        @contextmanager
        def failing() -> Iterator[None]:
            with self._storage.transaction():
                yield
                if self.fail:
                    self.fail = False
                    raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

        return failing()


def test_a_failed_flush_writes_nothing_and_keeps_everything_for_the_next(node: Node) -> None:
    recorder = _failing_recorder(node)
    node.buy(2, 70000)
    with pytest.raises(sa.exc.OperationalError):
        recorder.flush()
    assert node.storage.fills.count() == 0
    assert recorder.stats.failed_flushes == 1
    recorder.flush()
    assert node.storage.fills.count() == 1
    assert node.storage.orders.count() == 1


def test_the_run_loop_logs_a_failing_tick_and_keeps_going(node: Node) -> None:
    import asyncio

    recorder = _failing_recorder(node)
    node.buy(1, 70000)

    async def two_ticks() -> None:
        task = asyncio.create_task(recorder.run(0.01))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(two_ticks())
    assert [e for e, _ in node.log.lines if e == "recorder_flush_failed"]
    assert node.storage.fills.count() == 1


# ---- flushes in the recorder's thread (PostgreSQL nodes) ---------------------------------------
@pytest.fixture
def background(db: Path) -> Iterator[Node]:
    built = Node(db, background=True)
    built.fund()
    built.start()
    yield built
    built.recorder.close()
    built.close()


def test_a_background_flush_writes_what_a_flush_on_the_loop_writes(
    background: Node, tmp_path: Path
) -> None:
    on_loop = Node(tmp_path / "loop.db")
    try:
        on_loop.fund()
        on_loop.start()
        for node in (background, on_loop):
            node.buy(10, 70000)
            node.sell(4, 71000, tax="511")
        asyncio.run(background.recorder.flush_in_background())
        on_loop.recorder.flush()
        assert background.recorder.pending == 0
        assert background.storage.fills.count() == on_loop.storage.fills.count() == 2
        for node in (background, on_loop):
            _assert_books_stored(node)
        assert background.storage.orders.count() == 2
        stats = background.recorder.stats
        assert (stats.flushes, stats.fills, stats.orders, stats.positions) == (1, 2, 2, 1)
        assert background.recorder.stats.accounts == on_loop.recorder.stats.accounts
    finally:
        on_loop.close()


def _assert_books_stored(node: Node) -> None:
    """The stored position and orders are the kernel's."""
    (live,) = node.kernel.portfolio.positions(open_only=False)
    stored = node.storage.positions.get(live.position_id)
    assert (stored.signed_qty, stored.realized_pnl, stored.avg_px_open) == (
        live.signed_qty,
        live.realized_pnl,
        live.avg_px_open,
    )
    for order in node.kernel.cache.orders():
        assert node.storage.orders.get(order.client_order_id).events == order.events


class _Gated:
    """The real storage, whose unit of work waits in its thread until the test lets it go
    (before it begins: SQLite's write lock would make the journal wait for it meanwhile)."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.inside = threading.Event()
        self.go = threading.Event()
        self.threads: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def transaction(self) -> AbstractContextManager[None]:
        @contextmanager
        def gated() -> Iterator[None]:
            self.threads.append(threading.current_thread().name)
            self.inside.set()
            assert self.go.wait(5)
            with self._storage.transaction():
                yield

        return gated()


def test_what_is_noted_while_a_background_flush_writes_stays_noted(node: Node) -> None:
    gated = _Gated(node.storage)
    recorder = SnapshotRecorder(
        gated,  # type: ignore[arg-type]
        node.kernel,
        log=node.log,
        clock_ns=node.clock.timestamp_ns,
        background=True,
    )
    recorder.attach(node.bus)
    order_id = node.trader.buy(SAMSUNG, 2)
    assert order_id is not None
    node.venue.fill(order_id, "1", "70000")

    async def flush_while_trading() -> None:
        flushing = asyncio.create_task(recorder.flush_in_background())
        await asyncio.to_thread(gated.inside.wait, 5)
        # the loop goes on while the thread writes: the order fills further, another one
        node.venue.fill(order_id, "1", "70100")
        node.buy(3, 70200)
        gated.go.set()
        await flushing

    asyncio.run(flush_while_trading())
    assert gated.threads == ["jts-recorder_0"]  # the unit of work ran in the recorder's thread
    assert node.storage.fills.count() == 1  # what the flush had copied, and only that
    assert node.storage.orders.get(order_id).filled_qty.as_decimal() == 1
    assert recorder.pending > 0  # both orders' later changes are still to be written
    recorder.flush()
    assert recorder.pending == 0
    assert node.storage.fills.count() == 3
    assert node.storage.orders.get(order_id).filled_qty.as_decimal() == 2
    assert node.storage.orders.count() == 2
    (live,) = node.kernel.portfolio.positions()
    assert node.storage.positions.get(live.position_id).signed_qty == 5
    assert recorder.stats.duplicate_fills == 0  # nothing was written twice
    recorder.close()


def test_a_cancelled_background_flush_finishes_and_is_accounted_for(node: Node) -> None:
    gated = _Gated(node.storage)
    recorder = SnapshotRecorder(
        gated,  # type: ignore[arg-type]
        node.kernel,
        log=node.log,
        clock_ns=node.clock.timestamp_ns,
        background=True,
    )
    recorder.attach(node.bus)
    node.buy(2, 70000)

    async def cancel_mid_write() -> None:
        flushing = asyncio.create_task(recorder.flush_in_background())
        await asyncio.to_thread(gated.inside.wait, 5)
        flushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await flushing

    asyncio.run(cancel_mid_write())
    gated.go.set()
    recorder.close()  # waits for the write, then forgets what it wrote
    assert recorder.pending == 0
    assert recorder.stats.flushes == 1
    assert node.storage.fills.count() == 1


def test_a_failed_background_flush_keeps_everything_for_the_next(node: Node) -> None:
    recorder = _failing_recorder(node, background=True)
    node.buy(2, 70000)

    async def two_ticks() -> None:
        task = asyncio.create_task(recorder.run(0.01))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(two_ticks())
    recorder.close()
    assert [e for e, _ in node.log.lines if e == "recorder_flush_failed"]
    assert recorder.stats.failed_flushes == 1
    assert node.storage.fills.count() == 1
    assert node.storage.orders.count() == 1
    assert recorder.pending == 0


def test_position_values_map_to_the_same_row_as_the_position(node: Node) -> None:
    node.buy(10, 70000)
    node.sell(4, 71000, tax="511")
    (live,) = node.kernel.portfolio.positions()
    fills = [e for o in node.kernel.cache.orders() for e in o.events if isinstance(e, OrderFilled)]
    values = PositionValues.of(live)
    assert position_to_row(values, fills[0]) == position_to_row(live, fills[0])  # type: ignore[arg-type]
    node.buy(1, 69000)
    assert values.trade_ids != live.trade_ids  # a copy: the position moved on, it did not


# ---- flushes in slices on the loop (SQLite nodes) ----------------------------------------------
def test_a_sliced_flush_writes_what_one_flush_writes_and_lets_the_loop_run(
    node: Node, tmp_path: Path
) -> None:
    whole = Node(tmp_path / "whole.db")
    try:
        whole.fund()
        whole.start()
        for each in (node, whole):
            each.buy(10, 70000)
            each.sell(4, 71000, tax="511")
            each.buy(3, 70500)
        turns = 0

        async def sliced() -> None:
            nonlocal turns

            def tick() -> None:
                nonlocal turns
                turns += 1
                if node.recorder.pending:
                    loop.call_soon(tick)

            loop = asyncio.get_running_loop()
            loop.call_soon(tick)
            await node.recorder.flush_in_slices(size=1)

        asyncio.run(sliced())
        whole.recorder.flush()
        assert turns >= 6  # 3 fills, 3 orders, a position, the balance: one slice each
        assert node.recorder.pending == 0
        for each in (node, whole):
            _assert_books_stored(each)
        assert node.storage.fills.count() == whole.storage.fills.count() == 3
        stats, one = node.recorder.stats, whole.recorder.stats
        assert (stats.flushes, stats.fills, stats.orders, stats.positions, stats.refused) == (
            1,
            3,
            3,
            1,
            0,
        )
        assert (one.fills, one.orders, one.positions, one.accounts) == (
            stats.fills,
            stats.orders,
            stats.positions,
            stats.accounts,
        )
    finally:
        whole.close()


def test_fills_made_between_slices_are_stored_before_their_position(node: Node) -> None:
    """A position is checked against its stored fills: one written while a fill noted between
    two slices is still unwritten would be refused."""
    node.buy(10, 70000)
    node.buy(5, 70100)

    async def trade_meanwhile() -> None:
        async def more() -> None:
            for _ in range(3):
                await asyncio.sleep(0)
                node.sell(2, 70200, tax="250")

        task = asyncio.create_task(more())
        await node.recorder.flush_in_slices(size=1)
        await task
        await node.recorder.flush_in_slices(size=1)

    asyncio.run(trade_meanwhile())
    assert node.recorder.stats.refused == 0
    assert not [e for e, _ in node.log.lines if e == "position_snapshot_refused"]
    (live,) = node.kernel.portfolio.positions(open_only=False)
    stored = node.storage.positions.get(live.position_id)
    assert stored.signed_qty == live.signed_qty == 9
    assert node.storage.fills.count() == 5


def test_a_failed_slice_keeps_what_it_did_not_write(node: Node) -> None:
    recorder = _failing_recorder(node)
    node.buy(2, 70000)
    with pytest.raises(sa.exc.OperationalError):
        asyncio.run(recorder.flush_in_slices())
    assert recorder.stats.failed_flushes == 1
    assert recorder.pending > 0
    asyncio.run(recorder.flush_in_slices())
    assert recorder.pending == 0
    assert node.storage.fills.count() == 1
    assert node.storage.orders.count() == 1
