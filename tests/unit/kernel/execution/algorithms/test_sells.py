"""Algorithms selling a holding: each child is checked against the owning strategy's position
by the risk engine, so with shorting off a sell beyond what is held is denied child by child
once the children would take the position (less what open sells may still take) below zero."""

from __future__ import annotations

from jts.core.clock import SimulatedClock
from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.events_order import OrderDenied
from jts.domain.values import Quantity
from jts.kernel.execution.algorithms import TWAP, AlgorithmStatus, DenialPolicy, Iceberg
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from tests.unit.kernel.conftest import SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, build_kernel, start_owner

SELL = OrderSide.SELL


def _hold(owner: Owner, venue: ScriptedVenue, qty: int) -> None:
    bought = owner.buy(SAMSUNG, qty)
    assert bought is not None
    venue.fill(bought, str(qty), "70000")


def test_an_iceberg_sells_what_is_held_and_the_rest_is_denied(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    _hold(owner, venue, 5)
    algo = owner.execute(Iceberg(SAMSUNG, SELL, 8, 70000, 3, on_denied=DenialPolicy.SKIP))
    venue.fill(venue.submitted[-1].order.client_order_id, "3", "70000")  # 2 left
    # the next slice of 3 would leave -1: denied, skipped; the one after (2) fits exactly
    kernel.advance_time(T0 + MINUTE)
    _first, second, third = algo.child_orders()
    assert second.status is OrderStatus.DENIED
    (denial,) = [e for e in second.events if isinstance(e, OrderDenied)]
    assert denial.reason.startswith("no_short: selling 3 would leave -1 (position 2")
    assert (third.status, third.quantity) == (OrderStatus.ACCEPTED, Quantity(2))
    venue.fill(third.client_order_id, "2", "70000")
    progress = algo.progress()
    assert progress.status is AlgorithmStatus.ENDED
    assert (progress.filled_qty, progress.skipped_qty) == (Quantity(5), Quantity(3))
    assert kernel.portfolio.position_qty(SAMSUNG, owner.id) == 0


def test_open_sells_count_against_what_is_held(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    """Children resting unfilled still hold their shares: a TWAP of 4 slices of 2 from 5 held
    gets two children out and the third denied, though nothing filled yet."""
    _hold(owner, venue, 5)
    algo = owner.execute(
        TWAP(SAMSUNG, SELL, 8, None, T0 + 4 * MINUTE, slices=4, limit_offset_ticks=5)
    )
    kernel.advance_time(T0 + 2 * MINUTE)
    assert [c.status for c in algo.child_orders()] == [
        OrderStatus.ACCEPTED,
        OrderStatus.ACCEPTED,
        OrderStatus.DENIED,
    ]
    assert algo.progress().working_qty == Quantity(4)


def test_with_shorting_allowed_the_whole_parent_goes_out(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    kernel = build_kernel(clock, venue, limits=RiskLimits(allow_short=True))
    owner = start_owner(kernel)
    _hold(owner, venue, 5)
    algo = owner.execute(TWAP(SAMSUNG, SELL, 8, None, T0 + 4 * MINUTE, slices=4))
    for minute in range(4):  # a market child of 2 each minute, filled at once
        kernel.advance_time(T0 + minute * MINUTE)
        child = venue.submitted[-1].order
        assert child.side is SELL
        venue.fill(child.client_order_id, str(child.quantity), "70000")
    assert algo.status is AlgorithmStatus.FILLED
    assert len(venue.submitted) == 1 + 4
    assert kernel.portfolio.position_qty(SAMSUNG, owner.id) == -3
