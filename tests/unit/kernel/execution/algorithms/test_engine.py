"""Wiring: `Strategy.execute`, `Kernel.execute_algorithm`, ids, routing, the bus and the
kernel guard around algorithm timers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.core.clock import SimulatedClock
from jts.core.errors import StateError, UnknownInstrumentError
from jts.domain.codec import Codec
from jts.domain.commands import SubmitOrder
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.identifiers import StrategyId
from jts.domain.orders import Order
from jts.domain.signals import SignalDirection
from jts.domain.values import Quantity
from jts.kernel.execution.algorithms import (
    POV,
    TWAP,
    AlgorithmStatus,
    ExecAlgorithmProgress,
    Iceberg,
    parent_of,
    progress_topic,
)
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy
from tests.unit.kernel.conftest import ACCOUNT, SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, Published, build_kernel, progress_log, start_owner, trade

BUY = OrderSide.BUY


def test_strategy_execute_sends_children_as_the_strategys_orders(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 4, T0, T0 + 20 * MINUTE, slices=2))
    assert algo.id == "TWAP-00000001"  # minted from the kernel's id factory
    kernel.advance_time(T0 + 10 * MINUTE)
    for command in venue.submitted:
        child = command.order
        assert (child.strategy_id, command.account_id) == (owner.id, None)
        assert child.tags == ("exec_algorithm=TWAP-00000001",)
        venue.fill(child.client_order_id, "2", "70000")
    assert owner.seen == [
        "02 OrderInitialized",
        "02 OrderSubmitted",
        "02 OrderAccepted",
        "03 OrderInitialized",
        "03 OrderSubmitted",
        "03 OrderAccepted",
        "02 OrderFilled",
        "03 OrderFilled",
    ]
    assert kernel.portfolio.position_qty(SAMSUNG, owner.id) == 4
    assert [o.client_order_id for o in algo.child_orders()] == ["O-T-00000002", "O-T-00000003"]
    assert kernel.algorithms.active() == []  # finished algorithms leave the engine
    assert kernel.algorithms.get(algo.id) is None


def test_the_kernel_runs_an_algorithm_without_a_strategy(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = kernel.execute_algorithm(
        Iceberg(SAMSUNG, BUY, 6, 69000, 3, algorithm_id="Desk-7", account_id=str(ACCOUNT))
    )
    assert kernel.algorithms.get("Desk-7") is algo
    child = venue.submitted[0]
    assert (child.order.strategy_id, child.account_id) == (StrategyId("Desk-7"), ACCOUNT)
    assert parent_of(child.order.tags) == "Desk-7"
    venue.fill(child.order.client_order_id, "3", "69000")
    assert kernel.portfolio.position_qty(SAMSUNG, StrategyId("Desk-7")) == 3
    assert owner.seen == []  # not the owner's orders
    algo.cancel()  # the algorithm may cancel children of its own strategy id
    assert algo.status is AlgorithmStatus.CANCELED
    assert len(venue.canceled) == 1


def test_ids_are_unique_and_an_algorithm_starts_once(kernel: Kernel, owner: Owner) -> None:
    algo = owner.execute(Iceberg(SAMSUNG, BUY, 6, 69000, 3, algorithm_id="Desk-7"))
    with pytest.raises(StateError, match="already started"):
        owner.execute(algo)
    with pytest.raises(StateError, match="already started"):
        owner.execute(Iceberg(SAMSUNG, BUY, 6, 69000, 3, algorithm_id="Desk-7"))
    algo.cancel()
    with pytest.raises(StateError, match="Desk-7 was already started"):
        owner.execute(Iceberg(SAMSUNG, BUY, 6, 69000, 3, algorithm_id="Desk-7"))


def test_a_failed_start_leaves_nothing_behind(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = TWAP("000660.KRX", BUY, 5, T0, T0 + 10 * MINUTE, slices=1)
    with pytest.raises(UnknownInstrumentError, match=r"unknown instrument 000660\.KRX"):
        owner.execute(algo)
    assert algo.status is AlgorithmStatus.PENDING
    assert kernel.algorithms.active() == []
    assert kernel.cache.orders() == []
    assert [n for n in kernel.clock.timer_names() if n.startswith("algo:")] == []
    algo = owner.execute(TWAP(SAMSUNG, BUY, 5, T0, T0 + 10 * MINUTE, slices=1))
    assert len(venue.submitted) == 1


def test_progress_is_published_on_the_bus(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue, published: Published
) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 2, T0, T0 + 10 * MINUTE, slices=1))
    venue.fill(venue.submitted[0].order.client_order_id, "2", "70100")
    messages = [m for t, m in published.messages if t == progress_topic(owner.id)]
    assert progress_topic(owner.id) == "events.exec_algorithm.Owner-001"
    assert [m.status for m in messages] == [  # type: ignore[attr-defined]
        AlgorithmStatus.RUNNING,
        AlgorithmStatus.FILLED,
    ]
    last = messages[-1]
    assert isinstance(last, ExecAlgorithmProgress)
    assert (last.algorithm_id, last.algorithm, last.strategy_id) == (algo.id, "TWAP", owner.id)
    assert (last.filled_qty, last.avg_px, last.children_filled) == (Quantity(2), Decimal(70100), 1)
    codec = Codec([ExecAlgorithmProgress])
    assert codec.decode(codec.encode(last)) == last
    assert codec.decode_json(codec.encode_json(last)) == last


def test_a_signal_only_strategy_signals_instead_of_trading(kernel: Kernel) -> None:
    strategy = Owner("Signals-001")
    strategy.signal_only = True
    kernel.add_strategy(strategy)
    kernel.start()
    algo = strategy.execute(TWAP(SAMSUNG, BUY, 5, T0, T0 + 10 * MINUTE, slices=1))
    assert algo.status is AlgorithmStatus.PENDING
    assert kernel.cache.orders() == []
    (signal,) = strategy.signals
    assert (signal.direction, signal.reason) == (SignalDirection.LONG, "BUY 5 MARKET")


def test_cancel_all_cancels_every_active_algorithm(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    one = owner.execute(Iceberg(SAMSUNG, BUY, 6, 69000, 3))
    two = owner.execute(POV(SAMSUNG, BUY, 6, "0.5"))
    assert kernel.algorithms.active() == [one, two]
    assert kernel.algorithms.cancel_all("end of day") == 2
    assert (one.status, two.status) == (AlgorithmStatus.CANCELED, AlgorithmStatus.CANCELED)
    assert one.reason == "end of day"
    assert kernel.algorithms.active() == []


class FillingVenue(ScriptedVenue):
    """Fills every order completely the moment it arrives, inside ``submit_order``."""

    def submit_order(self, command: SubmitOrder) -> None:
        super().submit_order(command)
        self.fill(command.order.client_order_id, str(command.order.quantity), "70000")


@pytest.mark.parametrize("driver", ["kernel", "bare clock"])
def test_timer_callbacks_run_inside_the_kernel_guard(driver: str) -> None:
    """A live clock fires timers outside any kernel call; the algorithm's alerts take the
    kernel's guard themselves, so venue events caused by a slice are applied after the slice,
    exactly as when a backtest advances time through the kernel."""
    clock = SimulatedClock(T0)
    venue = FillingVenue(clock)
    kernel = build_kernel(clock, venue)
    owner = start_owner(kernel)
    algo = TWAP(SAMSUNG, BUY, 4, T0 + MINUTE, T0 + 21 * MINUTE, slices=2)
    log = progress_log(algo)
    owner.execute(algo)
    for slice_time in (T0 + MINUTE, T0 + 11 * MINUTE):
        if driver == "kernel":
            kernel.advance_time(slice_time)
        else:
            clock.advance_to(slice_time)
    assert [(str(p.filled_qty), str(p.working_qty)) for p in log] == [
        ("0", "0"),  # started, the first slice is a minute away
        ("0", "2"),  # slice 1 sent; its fill is applied after the slice returns
        ("2", "0"),
        ("2", "2"),
        ("4", "0"),
    ]
    assert algo.status is AlgorithmStatus.FILLED


def test_the_owner_hears_of_a_fill_before_the_algorithm(
    kernel: Kernel, venue: ScriptedVenue
) -> None:
    class Watcher(Strategy):
        def __init__(self) -> None:
            super().__init__(strategy_id="Watcher-001")
            self.algo: TWAP | None = None
            self.seen_filled: list[str] = []

        def on_order_event(self, order: Order, event: OrderEvent) -> None:
            if isinstance(event, OrderFilled) and self.algo is not None:
                self.seen_filled.append(str(self.algo.progress().filled_qty))

    watcher = Watcher()
    kernel.add_strategy(watcher)
    kernel.start()
    kernel.process_trade_tick(trade(T0))
    watcher.algo = watcher.execute(TWAP(SAMSUNG, BUY, 2, T0, T0 + MINUTE, slices=1))
    venue.fill(venue.submitted[0].order.client_order_id, "2", "70000")
    assert watcher.seen_filled == ["0"]  # the kernel routes to the strategy first
    assert watcher.algo.progress().filled_qty == Quantity(2)
