"""`SnapshotRecorder`: the node's orders, fills, positions and balances in the database, and one
snapshot of the books per account and KST day.

The journal is the node's memory, but nobody can query it: a UI, `jts performance` or an
operator with psql needs the orders, fills, positions and balances as tables, and the worth of
the account at each close, which the journal cannot give (it holds no prices). The recorder
listens to the bus like every other observer and writes what it heard through the repositories.

Why batched: a bus handler runs inside the kernel's dispatch, on the order path. The handler only
notes what changed (an order id, a fill, a position slot); `flush`, called by the node's loop
every ``flush_s``, writes all of it in one unit of work (fills, then order snapshots, then the
positions those fills moved, then the balances). A failed unit of work writes nothing and keeps
everything for the next flush.

Why in a thread on PostgreSQL (``background=True``): a flush is a few statements per order,
each a round trip, and on the event loop those round trips stopped everything else, ticks
and orders included, for 50-100 ms a second on a loaded machine (issue 6). In the background
the loop only copies what the flush will write (`Order.rebuild` of each changed order, a
`PositionValues` per changed position, the balances), which takes microseconds, and a thread
of the recorder's own runs the unit of work on those copies while the loop goes on; psycopg
lets go of the GIL while it waits for the server. One flush is written at a time, in order,
so fills still reach the table in journal order. On SQLite the flush stays on the loop: its
statements are local calls, and a second writer would make the journal's commits wait for the
file's lock, on the order path. But it goes in slices (`flush_in_slices`, a few rows of one
kind per unit of work, the loop running in between): in one unit, a second's worth stopped the
loop for 15-40 ms, and a tick arriving meanwhile waited in its socket. Either way a flush
starts only after the callbacks already due when its timer fires (an order on its way to the
venue goes first).

Why a restart never doubles anything: after a crash the node rebuilds its orders from the
journal (`catch_up` hears of them in journal order) and the recorder writes them again. The
repositories refuse what is already there: a fill whose trade id the order has
(`DuplicateFillError`), an order snapshot older than the stored one (`StaleSnapshotError`),
a daily snapshot taken before the stored one. Each refusal is undone alone inside the unit of
work and counted, so a replay is idempotent by construction, not by bookkeeping of our own.

Why fills are written in journal order: a position is stored as "its first N fills of the
slot" and read back by replaying them in the order they were stored; the kernel applies fills
in journal order, so the stored order must be that one for the replay to give the same average
price and realised PnL.

Daily snapshots (`take_daily_snapshot`) are taken at the market close (the first `tick` after
``close_time`` KST, once a day), when the node stops, and on demand. Each is one row per
account and day; a later one of the same day replaces it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, cast

from jts.core.errors import DuplicateFillError, StateError
from jts.core.time import NANOS_PER_DAY, kst_date, kst_to_ns
from jts.domain.accounts import Account
from jts.domain.enums import OrderSide, PositionSide
from jts.domain.events_account import AccountState
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
)
from jts.domain.messages import Message
from jts.domain.orders import Order
from jts.domain.positions import Position
from jts.domain.values import Currency, Money, Quantity, Rounding
from jts.kernel.kernel import Kernel
from jts.live.reconciliation import RecoveredJournal
from jts.ports.bus import MessageBus
from jts.ports.repositories import (
    DailySnapshot,
    OrderConflictError,
    SnapshotReason,
    StaleSnapshotError,
    UnitOfWork,
)

__all__ = ["KRX_CLOSE", "PositionValues", "RecorderStats", "SnapshotRecorder", "daily_snapshot"]

#: The end of the KRX regular session (closing auction included), KST.
KRX_CLOSE: Final = dt.time(15, 30)
ORDER_EVENTS: Final = "events.order.**"
#: rows of one kind per unit of work in `SnapshotRecorder.flush_in_slices` (~1 ms on SQLite)
SLICE: Final = 4

_Slot = tuple[InstrumentId, StrategyId, AccountId | None]
Log = Any  # a structlog-style logger: .info(event, **kv), .warning(...), .error(...)


@dataclass(slots=True)
class RecorderStats:
    """What the recorder wrote and what the repositories refused as already there."""

    flushes: int = 0
    failed_flushes: int = 0
    orders: int = 0
    fills: int = 0
    positions: int = 0
    accounts: int = 0
    snapshots: int = 0
    duplicate_fills: int = 0
    stale_orders: int = 0
    stale_snapshots: int = 0
    refused: int = 0  # anything else a repository refused (logged with the reason)


@dataclass(frozen=True, slots=True)
class PositionValues:
    """A position's values at one instant: what the position repository reads, copied on the
    event loop so that a unit of work in another thread never reads a position the kernel is
    changing. (`Position` has no copy of its own; its fills' trade ids are one set that every
    fill grows.)"""

    position_id: PositionId
    instrument_id: InstrumentId
    strategy_id: StrategyId
    currency: Currency
    trade_ids: frozenset[TradeId]
    side: PositionSide
    signed_qty: Decimal
    peak_qty: Quantity
    avg_px_open: Decimal | None
    avg_px_close: Decimal | None
    realized_pnl: Money
    entry: OrderSide | None
    opening_order_id: ClientOrderId | None
    ts_opened: int | None
    ts_closed: int | None

    @classmethod
    def of(cls, position: Position) -> PositionValues:
        return cls(
            position_id=position.position_id,
            instrument_id=position.instrument_id,
            strategy_id=position.strategy_id,
            currency=position.currency,
            trade_ids=position.trade_ids,
            side=position.side,
            signed_qty=position.signed_qty,
            peak_qty=position.peak_qty,
            avg_px_open=position.avg_px_open,
            avg_px_close=position.avg_px_close,
            realized_pnl=position.realized_pnl,
            entry=position.entry,
            opening_order_id=position.opening_order_id,
            ts_opened=position.ts_opened,
            ts_closed=position.ts_closed,
        )


@dataclass(slots=True)
class _Batch:
    """One flush: what was noted when it began (so that what is noted meanwhile stays noted)
    and the objects to write, the kernel's own or copies of them."""

    fills: list[OrderFilled]
    orders: dict[ClientOrderId, int]  # order id -> when it was last noted
    slots: dict[_Slot, int]
    accounts: int  # when the balances were last noted; 0: nothing to write
    order_snapshots: list[Order] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    balances: list[AccountState] = field(default_factory=list)


class SnapshotRecorder:
    """Writes the kernel's orders, fills, positions and balances through ``storage``;
    ``background`` runs the periodic flushes in a thread of its own (see the module doc)."""

    def __init__(
        self,
        storage: UnitOfWork,
        kernel: Kernel,
        *,
        log: Log,
        clock_ns: Callable[[], int] = time.time_ns,
        close_time: dt.time = KRX_CLOSE,
        background: bool = False,
    ) -> None:
        self._storage = storage
        self._kernel = kernel
        self._log = log
        self._now = clock_ns
        self._close_time = close_time
        self._background = background
        self._noted = 0  # a counter: what was noted after a flush began stays noted
        self._orders: dict[ClientOrderId, int] = {}  # insertion-ordered, value: when noted
        self._fills: list[OrderFilled] = []
        self._slots: dict[_Slot, int] = {}
        self._accounts_dirty = self._note_seq()
        self._closed_day: dt.date | None = None
        self._writer: concurrent.futures.ThreadPoolExecutor | None = None
        self._writing: tuple[concurrent.futures.Future[RecorderStats], _Batch] | None = None
        self.stats = RecorderStats()

    def _note_seq(self) -> int:
        self._noted += 1
        return self._noted

    # ---- hearing ------------------------------------------------------------------------------
    def attach(self, bus: MessageBus) -> None:
        bus.subscribe(ORDER_EVENTS, self.on_message)

    def on_message(self, message: Message) -> None:
        """Bus handler: note what changed; nothing is written here (see the module docstring)."""
        if isinstance(message, OrderEvent):
            self._note(message)

    def _note(self, event: OrderEvent) -> None:
        seq = self._note_seq()
        self._orders[event.client_order_id] = seq
        if isinstance(event, OrderFilled):
            self._fills.append(event)
            self._slots[(event.instrument_id, event.strategy_id, event.account_id)] = seq
            self._accounts_dirty = seq

    def catch_up(self, recovered: RecoveredJournal) -> None:
        """Write every order rebuilt from the journal and every fill, in journal order, ahead
        of what the bus brings next: the repositories keep what the database lacks and refuse
        the rest. Done at start-up, before trading, so the first flush while trading stays
        small; if the database fails now, the next flush retries."""
        for fill in recovered.fills:
            self._slots[(fill.instrument_id, fill.strategy_id, fill.account_id)] = self._note_seq()
        try:
            stored = self._storage.orders.event_counts()
            behind = [o for o in recovered.orders if stored.get(o.client_order_id) != o.event_count]
            missing = self._not_stored(recovered.fills)
        except Exception as exc:  # cannot tell what is stored: offer everything
            self._log.warning("recorder_catch_up_lookup_failed", error=str(exc))
            behind, missing = list(recovered.orders), list(recovered.fills)
        for order in behind:  # only snapshots behind the journal are written
            self._orders[order.client_order_id] = self._note_seq()
        self._fills.extend(missing)
        try:
            self.flush()
        except Exception as exc:
            self._log.warning("recorder_catch_up_failed", error=str(exc), pending=self.pending)
        self._accounts_dirty = self._note_seq()  # the account is loaded after the replay

    def _not_stored(self, fills: list[OrderFilled]) -> list[OrderFilled]:
        """The journal's fills the database lacks, without a refused insert per stored fill.

        The recorder stores fills in journal order, whole flushes at a time, so what a crash
        leaves stored is a prefix of the journal's fills: its length is the stored count, and
        its boundary is checked (the last counted fill stored, the next one not). Anything
        else (another writer, a fill refused earlier) falls back to offering every fill and
        letting the repository refuse the duplicates.
        """
        stored = self._storage.fills.count()
        if stored == 0 or stored > len(fills):
            return fills
        if self._is_stored(fills[stored - 1]) and (
            stored == len(fills) or not self._is_stored(fills[stored])
        ):
            self.stats.duplicate_fills += stored
            return fills[stored:]
        return fills

    def _is_stored(self, fill: OrderFilled) -> bool:
        stored = self._storage.fills.for_order(fill.client_order_id)
        return any(f.trade_id == fill.trade_id for f in stored)

    @property
    def pending(self) -> int:
        """Changes heard and not yet written."""
        return len(self._orders) + len(self._fills) + len(self._slots)

    # ---- writing ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything noted since the last flush in one unit of work, on this thread.

        A refusal of one write (already stored, stale) is undone alone and counted; an error
        of the database itself rolls the whole unit back, keeps everything noted, and raises.
        A background flush still running is waited for first: it holds earlier fills.
        """
        try:
            self._settle()
        except Exception as exc:  # its changes are still noted: this flush writes them
            self._log.warning("recorder_flush_failed", error=str(exc), pending=self.pending)
        if not self.pending and not self._accounts_dirty:
            return
        batch = self._capture(copy=False)
        try:
            counts = self._write(batch)
        except Exception:
            self.stats.failed_flushes += 1
            raise
        self._forget(batch, counts)

    async def flush_in_background(self) -> None:
        """`flush`, with the unit of work in the recorder's thread on copies taken now; the
        event loop goes on meanwhile. Cancelled, the write still finishes (the next `flush`
        or `close` waits for it)."""
        self._settle()
        if not self.pending and not self._accounts_dirty:
            return
        batch = self._capture(copy=True)
        if self._writer is None:
            self._writer = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="jts-recorder"
            )
        future = self._writer.submit(self._write, batch)
        self._writing = (future, batch)
        # shielded: cancelling the wait must not cancel a write that has not started yet,
        # or the next flush could not tell what it wrote; `_settle` reads its outcome
        waited = asyncio.wrap_future(future)
        waited.add_done_callback(_read_outcome)
        await asyncio.shield(waited)
        self._settle()

    async def flush_in_slices(self, size: int = SLICE) -> None:
        """`flush` on this thread as several small units of work, the event loop running
        between them: a second's writes in one unit stopped the loop for 15-40 ms on SQLite
        (a tick arriving meanwhile waited in its socket, unseen by any latency figure).

        Each slice writes up to ``size`` of one kind, and positions only when no fill is left
        unwritten: a position is checked against its stored fills, and fills noted between
        slices must be stored before it. An error stops the flush; what it did not write stays
        noted (earlier slices are committed, as the journal already is)."""
        self._settle()
        if not self.pending and not self._accounts_dirty:
            return
        total = RecorderStats()
        try:
            while True:
                batch = self._slice(size)
                if batch is None:
                    break
                counts = self._write(batch)
                self._forget(batch, counts, count_flush=False)
                _accumulate(total, counts)
                await asyncio.sleep(0)
        except Exception:
            self.stats.failed_flushes += 1
            raise
        self.stats.flushes += 1

    def _slice(self, size: int) -> _Batch | None:
        """The next unit of `flush_in_slices`, of one kind: fills, then orders, then positions
        (once every fill is stored), then balances; None when nothing is left."""
        if self._fills:
            return self._batch(self._fills[:size], {}, {}, 0, copy=False)
        if self._orders:
            orders = dict(itertools.islice(self._orders.items(), size))
            return self._batch([], orders, {}, 0, copy=False)
        if self._slots:
            slots = dict(itertools.islice(self._slots.items(), size))
            return self._batch([], {}, slots, 0, copy=False)
        if self._accounts_dirty:
            return self._batch([], {}, {}, self._accounts_dirty, copy=False)
        return None

    def close(self) -> None:
        """Wait for a background flush still running and stop the recorder's thread."""
        try:
            self._settle()
        finally:
            writer, self._writer = self._writer, None
            if writer is not None:
                writer.shutdown(wait=True)

    def _settle(self) -> None:
        """Account for the background flush, waiting for it if it still runs; raises its
        error (everything it was to write stays noted)."""
        writing, self._writing = self._writing, None
        if writing is None:
            return
        future, batch = writing
        try:
            counts = future.result()
        except Exception:
            self.stats.failed_flushes += 1
            raise
        self._forget(batch, counts)

    def _capture(self, *, copy: bool) -> _Batch:
        """What a flush writes. ``copy``: copies for another thread, else the live objects."""
        fills, orders, slots = list(self._fills), dict(self._orders), dict(self._slots)
        return self._batch(fills, orders, slots, self._accounts_dirty, copy=copy)

    def _batch(
        self,
        fills: list[OrderFilled],
        orders: dict[ClientOrderId, int],
        slots: dict[_Slot, int],
        accounts: int,
        *,
        copy: bool,
    ) -> _Batch:
        """A unit of work for what is named: the orders, positions and balances to write."""
        batch = _Batch(fills=fills, orders=orders, slots=slots, accounts=accounts)
        cache = self._kernel.cache
        for client_order_id in batch.orders:
            order = cache.order(client_order_id)
            if order is None:
                continue  # an event for an order the node does not know (kept by the OMS)
            batch.order_snapshots.append(Order.rebuild(order.events) if copy else order)
        portfolio = self._kernel.portfolio
        for instrument_id, strategy_id, account_id in batch.slots:
            position = portfolio.position_held(instrument_id, strategy_id, account_id)
            if position is None or not position.trade_ids:
                continue
            if copy:  # the repository reads only what `PositionValues` holds
                position = cast(Position, PositionValues.of(position))
            batch.positions.append(position)
        if batch.accounts:
            now = self._now()
            batch.balances = [a.to_state(now, now) for a in portfolio.accounts()]
        return batch

    def _write(self, batch: _Batch) -> RecorderStats:
        """The unit of work of one flush (on any thread: it reads only ``batch``)."""
        counts = RecorderStats()
        with self._storage.transaction():
            self._write_fills(batch.fills, counts)
            self._write_orders(batch.order_snapshots, counts)
            self._write_positions(batch.positions, counts)
            for state in batch.balances:
                self._storage.accounts.save(state)
                counts.accounts += 1
        return counts

    def _forget(self, batch: _Batch, counts: RecorderStats, *, count_flush: bool = True) -> None:
        """Drop what ``batch`` wrote from the notes, unless it was noted again since."""
        del self._fills[: len(batch.fills)]
        for key, seq in batch.orders.items():
            if self._orders.get(key) == seq:
                del self._orders[key]
        for slot, seq in batch.slots.items():
            if self._slots.get(slot) == seq:
                del self._slots[slot]
        if batch.accounts and self._accounts_dirty == batch.accounts:
            self._accounts_dirty = 0
        if count_flush:
            self.stats.flushes += 1
        _accumulate(self.stats, counts)

    def _write_fills(self, fills: Iterable[OrderFilled], counts: RecorderStats) -> None:
        repository = self._storage.fills
        for fill in fills:
            try:
                repository.add(fill)
                counts.fills += 1
            except DuplicateFillError:
                counts.duplicate_fills += 1

    def _write_orders(self, orders: Iterable[Order], counts: RecorderStats) -> None:
        repository = self._storage.orders
        for order in orders:
            try:
                repository.save(order)
                counts.orders += 1
            except StaleSnapshotError:
                counts.stale_orders += 1
            except OrderConflictError as exc:
                counts.refused += 1
                self._log.error(
                    "order_snapshot_refused", order=str(order.client_order_id), error=str(exc)
                )

    def _write_positions(self, positions: Iterable[Position], counts: RecorderStats) -> None:
        repository = self._storage.positions
        for position in positions:
            try:
                repository.save(position)
                counts.positions += 1
            except StateError as exc:
                # the stored fills of the slot are not the ones the position applied: a fact
                # to look into, never a reason to stop recording the rest
                counts.refused += 1
                self._log.error(
                    "position_snapshot_refused", position=str(position.position_id), error=str(exc)
                )

    # ---- daily snapshots ----------------------------------------------------------------------
    def take_daily_snapshot(
        self, reason: SnapshotReason = SnapshotReason.DEMAND, *, now: int | None = None
    ) -> list[DailySnapshot]:
        """Flush, then store one snapshot per account for the KST day of ``now``; returns the
        snapshots stored (one refused as older than the stored one is left out)."""
        self.flush()
        stamp = self._now() if now is None else now
        day = kst_date(stamp)
        start = kst_to_ns(day)
        fills = self._storage.fills.query(start_ns=start, end_ns=start + NANOS_PER_DAY)
        stored: list[DailySnapshot] = []
        for account in self._kernel.portfolio.accounts():
            snapshot = daily_snapshot(
                account,
                self._kernel,
                fills,
                day=day,
                ts_taken=stamp,
                reason=reason,
            )
            try:
                self._storage.daily_snapshots.save(snapshot)
            except StaleSnapshotError:
                self.stats.stale_snapshots += 1
                continue
            self.stats.snapshots += 1
            stored.append(snapshot)
            self._log.info(
                "daily_snapshot",
                account=str(account.account_id),
                day=day.isoformat(),
                reason=reason.value,
                equity=str(snapshot.equity),
                fills=snapshot.fills,
            )
        if reason is SnapshotReason.CLOSE:
            self._closed_day = day
        return stored

    def close_due(self, now: int) -> bool:
        """Whether ``now`` is past today's close and today's close snapshot is not stored."""
        day = kst_date(now)
        if self._closed_day == day:
            return False
        if now < kst_to_ns(day, self._close_time.strftime("%H%M%S")):
            return False
        accounts = self._kernel.portfolio.accounts()
        if accounts and all(self._closed(account, day) for account in accounts):
            self._closed_day = day  # a previous run of the node took it
            return False
        return True

    def _closed(self, account: Account, day: dt.date) -> bool:
        found = self._storage.daily_snapshots.find(account.account_id, day)
        return found is not None and found.reason is SnapshotReason.CLOSE

    def tick(self) -> None:
        """What the node's loop calls: flush, and the close snapshot once it is due."""
        self.flush()
        self._close_if_due()

    def _close_if_due(self) -> None:
        now = self._now()
        if self.close_due(now):
            self.take_daily_snapshot(SnapshotReason.CLOSE, now=now)

    async def run(self, interval_s: float) -> None:
        """`tick` every ``interval_s`` until cancelled (its flush in the recorder's thread when
        ``background``); a failing tick is logged and retried."""
        while True:
            await asyncio.sleep(interval_s)
            await asyncio.sleep(0)  # what was already due when the timer fired goes first
            try:
                if self._background:
                    await self.flush_in_background()
                else:
                    await self.flush_in_slices()
                self._close_if_due()
            except Exception as exc:
                self._log.warning("recorder_flush_failed", error=str(exc), pending=self.pending)


def _accumulate(stats: RecorderStats, counts: RecorderStats) -> None:
    for name in (
        "orders",
        "fills",
        "positions",
        "accounts",
        "duplicate_fills",
        "stale_orders",
        "refused",
    ):
        setattr(stats, name, getattr(stats, name) + getattr(counts, name))


def _read_outcome(future: asyncio.Future[RecorderStats]) -> None:
    """Mark a background flush's outcome as seen here (`_settle` reports it), so asyncio does
    not log it as never retrieved when the wait for it was cancelled."""
    if not future.cancelled():
        future.exception()


def _at_cost(position: Position) -> int:
    """The open quantity at its average price (raw money): the mark of a position whose
    instrument has not traded since the node started, so it is never worth nothing."""
    average = position.avg_px_open
    if average is None:
        return 0
    cost = Money.from_decimal(
        average * abs(position.signed_qty), position.currency, Rounding.NEAREST
    )
    return cost.raw


def daily_snapshot(
    account: Account,
    kernel: Kernel,
    fills: Iterable[OrderFilled],
    *,
    day: dt.date,
    ts_taken: int,
    reason: SnapshotReason,
) -> DailySnapshot:
    """One account's books for ``day`` from the kernel's portfolio and that day's ``fills``.

    Only positions and fills in the account's base currency count (a KRW account's KRX
    positions), and what names no account counts in the default one (`Portfolio.holder`).
    """
    portfolio = kernel.portfolio
    mine = account.account_id
    base: Currency = portfolio.cash(mine).currency
    balance = account.balance(base)
    value = realized = unrealized = 0
    for position in portfolio.positions(open_only=False):
        if position.currency != base or portfolio.holder(position.account_id) != mine:
            continue
        realized += position.realized_pnl.raw
        if not position.is_open:
            continue
        last = kernel.cache.last_price(position.instrument_id)
        if last is None:
            notional = _at_cost(position)
        else:
            notional = position.notional_value(last).raw
            unrealized += position.unrealized_pnl(last).raw
        value += -notional if position.signed_qty < 0 else notional
    commissions = taxes = count = 0
    for fill in fills:
        if portfolio.holder(fill.account_id) != mine:
            continue
        count += 1
        if fill.commission.currency == base:
            commissions += fill.commission.raw
        if fill.tax.currency == base:
            taxes += fill.tax.raw
    return DailySnapshot(
        account_id=account.account_id,
        day=day,
        cash_settled=balance.settled,
        cash_unsettled=balance.unsettled,
        positions_value=Money.from_raw(value, base),
        realized_pnl=Money.from_raw(realized, base),
        unrealized_pnl=Money.from_raw(unrealized, base),
        commissions=Money.from_raw(commissions, base),
        taxes=Money.from_raw(taxes, base),
        fills=count,
        ts_taken=ts_taken,
        reason=reason,
    )
