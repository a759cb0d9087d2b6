"""Algorithms resumed after a restart: the parent saved in the audit log, the children in the
journal (SQLite), a fresh kernel on a simulated clock rebuilt from both."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from jts.core.clock import SimulatedClock
from jts.domain.accounts import Account
from jts.domain.commands import SubmitOrder
from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.identifiers import ClientOrderId
from jts.domain.instruments import Market, krx_equity
from jts.domain.values import KRW, Money, Price
from jts.kernel.execution.algorithms import POV, TWAP, VWAP, AlgorithmStatus, Iceberg, VolumeCurve
from jts.kernel.execution.algorithms.persistence import (
    AuditParentStore,
    ParentRecord,
    algorithm_from_record,
)
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.live.reconciliation import rebuild_orders
from jts.storage import Storage
from tests.unit.kernel.conftest import ACCOUNT, SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, trade

BUY = OrderSide.BUY
END = T0 + 10 * MINUTE  # 5 slices of 20: at T0, +2, +4, +6, +8 minutes


class Node:
    """A kernel journaling into ``storage`` with the parents saved in its audit log."""

    def __init__(self, storage: Storage, start_ns: int, prefix: str) -> None:
        self.clock = SimulatedClock(start_ns=start_ns)
        self.prefix = prefix
        self.trades = 0
        self.venue = ScriptedVenue(self.clock)
        self.kernel = Kernel(self.clock, ids=SequentialIdFactory(prefix), journal=storage.journal)
        self.kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
        account = Account(ACCOUNT)
        account.deposit(Money(100_000_000, KRW))
        self.kernel.add_account(account)
        self.kernel.add_execution_client(self.venue)
        self.store = AuditParentStore(storage.audit, clock_ns=self.clock.timestamp_ns)
        self.kernel.algorithms.store = self.store
        self.owner = Owner()
        self.kernel.add_strategy(self.owner)

    def start(self) -> None:
        self.kernel.start()
        self.kernel.risk.set_base_price(SAMSUNG, Price(70000))
        self.kernel.process_trade_tick(trade(self.clock.timestamp_ns(), 70000, 1))

    def at(self, ts: int) -> None:
        self.kernel.advance_time(ts)

    def fill(self, client_order_id: ClientOrderId, qty: int) -> None:
        self.trades += 1  # trade ids unique across both runs, as a venue's are
        trade_id = f"{self.prefix}-T{self.trades}"
        self.venue.fill(client_order_id, str(qty), "70000", trade_id=trade_id)

    def sent(self) -> list[tuple[str, int]]:
        return [
            (str(c.order.client_order_id), int(c.order.quantity.as_decimal()))
            for c in self.venue.submitted
        ]


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with Storage.open(f"sqlite:///{tmp_path / 'jts.db'}") as opened:
        opened.instruments.add(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
        yield opened


def _restart(storage: Storage, now: int, first: Node) -> Node:
    """A fresh kernel at ``now``: the journal's orders in its cache, and the venue still knows
    the orders the first run sent (as the broker would)."""
    second = Node(storage, now, "B")
    recovered = rebuild_orders(storage.journal)
    for order in recovered.orders:
        second.kernel.cache.add_order(order)
    for fill in recovered.fills:
        second.kernel.portfolio.apply_fill(fill)
    for command in first.venue.submitted:
        second.venue.submitted.append(
            SubmitOrder(
                trader_id=command.trader_id,
                strategy_id=command.strategy_id,
                instrument_id=command.instrument_id,
                command_id=command.command_id,
                ts_init=command.ts_init,
                order=command.order,
                account_id=command.account_id,
            )
        )
    second.start()
    return second


def test_a_twap_resumes_in_a_fresh_kernel_and_completes_the_rest_once(
    storage: Storage,
) -> None:
    first = Node(storage, T0, "A")
    first.start()
    twap = first.owner.execute(TWAP(SAMSUNG, BUY, 100, T0, END, slices=5))
    ((c1, q1),) = first.sent()
    first.fill(ClientOrderId(c1), q1)
    first.at(T0 + 2 * MINUTE)
    c2, _ = first.sent()[1]
    first.fill(ClientOrderId(c2), 5)  # partly filled when the process dies
    first.at(T0 + 3 * MINUTE)
    assert twap.progress().filled_qty == 25
    assert [r.algorithm_id for r in first.store.active()] == [twap.id]

    # the node was down from +3 to +5 minutes: the slice of +4 was missed
    second = _restart(storage, T0 + 5 * MINUTE, first)
    (resumed,) = second.kernel.algorithms.resume_saved()
    assert (resumed.id, resumed.status) == (twap.id, AlgorithmStatus.RUNNING)
    # the missed slice's target (60) less filled (25) and working (15): 20, sent at once
    ((c3, q3),) = second.sent()[2:]
    assert q3 == 20
    progress = resumed.progress()
    assert (progress.filled_qty, progress.working_qty) == (25, 15 + 20)
    assert (progress.children_sent, progress.children_filled) == (3, 1)
    second.fill(ClientOrderId(c2), 15)  # the child adopted from the first run fills
    second.fill(ClientOrderId(c3), q3)
    for minute in (6, 8):
        second.at(T0 + minute * MINUTE)
        child, qty = second.sent()[-1]
        second.fill(ClientOrderId(child), qty)
    assert resumed.status is AlgorithmStatus.FILLED
    assert resumed.progress().filled_qty == 100
    # nothing was sent twice: every child id once, and the children add up to the parent
    children = first.sent() + second.sent()[len(first.sent()) :]
    assert len({c for c, _ in children}) == len(children) == 5
    assert sum(q for _, q in children) == 100
    assert second.kernel.portfolio.position_qty(SAMSUNG, second.owner.id) == 100
    assert second.store.active() == []  # its end is saved: not resumed again


def test_a_window_that_ended_while_down_finishes_with_a_reason(storage: Storage) -> None:
    first = Node(storage, T0, "A")
    first.start()
    twap = first.owner.execute(TWAP(SAMSUNG, BUY, 100, T0, END, slices=5, limit_offset_ticks=0))
    ((c1, _),) = first.sent()
    first.fill(ClientOrderId(c1), 8)  # a resting limit child, partly filled

    second = _restart(storage, END + MINUTE, first)
    (resumed,) = second.kernel.algorithms.resume_saved()
    assert resumed.id == twap.id
    assert resumed.status is AlgorithmStatus.ENDED
    assert resumed.reason == "the window ended while the node was down"
    assert [c.client_order_id for c in second.venue.canceled] == [c1]  # the rest taken down
    assert second.sent() == first.sent()  # nothing new went out
    assert resumed.progress().filled_qty == 8
    assert second.kernel.cache.order(ClientOrderId(c1)).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    assert second.store.active() == []


def test_finished_algorithms_are_not_resumed(storage: Storage) -> None:
    first = Node(storage, T0, "A")
    first.start()
    twap = first.owner.execute(TWAP(SAMSUNG, BUY, 10, T0, END, slices=1))
    ((c1, q1),) = first.sent()
    first.fill(ClientOrderId(c1), q1)
    assert twap.status is AlgorithmStatus.FILLED
    second = _restart(storage, T0 + MINUTE, first)
    assert second.kernel.algorithms.resume_saved() == []


def test_a_record_that_cannot_be_rebuilt_is_ended_not_retried(storage: Storage) -> None:
    node = Node(storage, T0, "A")
    node.store.started(
        ParentRecord(
            algorithm_id="TWAP-X",
            kind="SNIPER",
            strategy_id="Owner-001",
            account_id=None,
            owned=True,
            window_start_ns=T0,
            terms={},
        )
    )
    assert node.kernel.algorithms.resume_saved() == []
    assert node.store.active() == []
    (end,) = [e for e in storage.audit.entries() if e.action == "exec_algorithm.end"]
    assert end.details["status"] == "ABANDONED"
    assert "unknown kind 'SNIPER'" in str(end.details["reason"])


@pytest.mark.parametrize(
    "algorithm",
    [
        TWAP(SAMSUNG, BUY, 100, T0, END, slices=7, limit_offset_ticks=-1, tags=("x",)),
        VWAP(SAMSUNG, BUY, 100, None, END, curve=VolumeCurve.flat()),
        Iceberg(SAMSUNG, OrderSide.SELL, 100, "70100", 10, end_ns=END),
        POV(SAMSUNG, BUY, 100, Decimal("0.15"), min_child_qty=5, bar_type=None),
    ],
    ids=["TWAP", "VWAP", "Iceberg", "POV"],
)
def test_every_kind_is_rebuilt_from_its_record(algorithm: object) -> None:
    from jts.kernel.execution.algorithms import ExecAlgorithm

    assert isinstance(algorithm, ExecAlgorithm)
    algorithm._assign_id(f"{algorithm.name}-1")
    record = ParentRecord.from_json(
        ParentRecord(
            algorithm_id=algorithm.id,
            kind=algorithm.name,
            strategy_id="Owner-001",
            account_id=str(ACCOUNT),
            owned=True,
            window_start_ns=T0,
            terms=algorithm.terms(),
        ).to_json()
    )
    rebuilt = algorithm_from_record(record)
    assert type(rebuilt) is type(algorithm)
    assert rebuilt.id == algorithm.id
    assert rebuilt.terms() == algorithm.terms()


def test_a_pov_resumes_at_its_rate_from_where_its_children_are(storage: Storage) -> None:
    first = Node(storage, T0, "A")
    first.start()
    pov = first.owner.execute(POV(SAMSUNG, BUY, 100, "0.1"))
    first.kernel.process_trade_tick(trade(T0 + 1, 70000, 300))  # target 30
    ((c1, q1),) = first.sent()
    assert q1 == 30
    first.fill(ClientOrderId(c1), q1)
    second = _restart(storage, T0 + MINUTE, first)
    (resumed,) = second.kernel.algorithms.resume_saved()
    assert resumed.id == pov.id
    assert second.sent() == first.sent()  # no catch-up burst: it was on target
    second.kernel.process_trade_tick(trade(T0 + MINUTE + 1, 70000, 100))
    assert second.sent()[-1][1] == 10  # 10 % of the new volume
