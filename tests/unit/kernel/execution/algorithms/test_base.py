"""The rules every algorithm keeps (shown on TWAP): denials, children taken away, the kill
switch, cancellation, progress reporting and validation of the parent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.core.clock import SimulatedClock
from jts.core.errors import InvalidInputError, ParseError, StateError
from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.values import Quantity
from jts.kernel.execution.algorithms import (
    TWAP,
    AlgorithmStatus,
    DenialPolicy,
    EndAction,
    parent_of,
)
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from tests.unit.kernel.conftest import SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, build_kernel, progress_log, sent, start_owner

BUY = OrderSide.BUY


def limit_twap(policy: DenialPolicy, **kwargs: object) -> TWAP:
    """9 shares in 3 slices of 3, as bids one tick under the last price (69,900)."""
    return TWAP(
        SAMSUNG,
        BUY,
        9,
        T0,
        T0 + 30 * MINUTE,
        slices=3,
        limit_offset_ticks=1,
        on_denied=policy,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def one_open_order(clock: SimulatedClock, venue: ScriptedVenue) -> tuple[Kernel, Owner]:
    """A kernel whose risk engine allows one open order at a time."""
    kernel = build_kernel(clock, venue, limits=RiskLimits(max_open_orders=1))
    return kernel, start_owner(kernel)


def test_retry_sends_a_denied_slice_with_the_next_one(
    one_open_order: tuple[Kernel, Owner], venue: ScriptedVenue
) -> None:
    kernel, owner = one_open_order
    algo = owner.execute(limit_twap(DenialPolicy.RETRY))
    kernel.advance_time(T0 + 10 * MINUTE)  # slice 2 denied: slice 1's child is still open
    progress = algo.progress()
    assert (progress.children_sent, progress.children_denied) == (1, 1)
    assert algo.status is AlgorithmStatus.RUNNING
    venue.fill(venue.submitted[0].order.client_order_id, "3", "69900")
    kernel.advance_time(T0 + 20 * MINUTE)  # slice 3 takes slice 2's share too
    assert sent(venue)[-1] == ("6", "69900", T0 + 20 * MINUTE)
    assert algo.progress().skipped_qty == Quantity(0)
    denied = [o for o in algo.child_orders() if o.status is OrderStatus.DENIED]
    assert len(denied) == 1
    assert "max_open_orders" in denied[0].last_event.reason  # type: ignore[attr-defined]
    assert parent_of(denied[0].tags) == algo.id


def test_skip_gives_up_a_denied_slice(
    one_open_order: tuple[Kernel, Owner], venue: ScriptedVenue
) -> None:
    kernel, owner = one_open_order
    algo = owner.execute(limit_twap(DenialPolicy.SKIP))
    kernel.advance_time(T0 + 10 * MINUTE)
    venue.fill(venue.submitted[0].order.client_order_id, "3", "69900")
    kernel.advance_time(T0 + 20 * MINUTE)
    assert sent(venue)[-1] == ("3", "69900", T0 + 20 * MINUTE)
    venue.fill(venue.submitted[-1].order.client_order_id, "3", "69900")
    progress = algo.progress()
    assert progress.skipped_qty == Quantity(3)
    assert progress.remaining_qty == Quantity(3)
    # nothing is left to send: the algorithm ends at once instead of idling to the end
    assert algo.status is AlgorithmStatus.ENDED
    assert algo.reason == "nothing left to send: 3 skipped"


def test_stop_cancels_the_open_children(
    one_open_order: tuple[Kernel, Owner], venue: ScriptedVenue
) -> None:
    kernel, owner = one_open_order
    algo = owner.execute(limit_twap(DenialPolicy.STOP))
    kernel.advance_time(T0 + 10 * MINUTE)
    assert algo.status is AlgorithmStatus.STOPPED
    assert algo.reason.startswith("child O-T-00000003 denied: max_open_orders")
    assert [c.client_order_id for c in venue.canceled] == [venue.submitted[0].order.client_order_id]
    kernel.advance_time(T0 + 60 * MINUTE)
    assert len(venue.submitted) == 1


def test_a_denial_under_the_kill_switch_always_stops(kernel: Kernel, owner: Owner) -> None:
    kernel.risk.trip_kill_switch("drill")  # the risk engine only: no cancels sent
    algo = owner.execute(limit_twap(DenialPolicy.RETRY))
    assert algo.status is AlgorithmStatus.STOPPED
    assert algo.reason.endswith("(kill switch)")
    assert algo.progress().children_denied == 1


def test_tripping_the_kill_switch_stops_a_running_algorithm(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(limit_twap(DenialPolicy.RETRY))
    assert kernel.trip_kill_switch("daily loss limit") == 1
    assert algo.status is AlgorithmStatus.STOPPED
    assert "without the algorithm asking" in algo.reason
    kernel.advance_time(T0 + 60 * MINUTE)
    assert len(venue.submitted) == 1


def test_a_child_canceled_by_its_strategy_stops_the_algorithm(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(limit_twap(DenialPolicy.RETRY))
    owner.cancel_all_orders()
    assert algo.status is AlgorithmStatus.STOPPED
    assert algo.reason == "child O-T-00000002 was canceled without the algorithm asking"
    kernel.advance_time(T0 + 60 * MINUTE)
    assert len(venue.submitted) == 1


def test_a_venue_rejection_follows_the_denial_policy(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    from jts.domain.events_order import OrderRejected

    venue.auto_accept = False
    algo = owner.execute(limit_twap(DenialPolicy.SKIP))
    child = venue.submitted[0].order
    venue.emit(
        OrderRejected(
            trader_id=child.trader_id,
            strategy_id=child.strategy_id,
            instrument_id=child.instrument_id,
            client_order_id=child.client_order_id,
            reason="insufficient balance",
            ts_event=T0,
            ts_init=T0,
        )
    )
    progress = algo.progress()
    assert (progress.children_rejected, progress.skipped_qty) == (1, Quantity(3))
    assert algo.status is AlgorithmStatus.RUNNING


def test_cancel_mid_way_cancels_children_and_sends_nothing_more(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(limit_twap(DenialPolicy.RETRY))
    kernel.advance_time(T0 + 10 * MINUTE)
    first, second = (c.order.client_order_id for c in venue.submitted)
    venue.fill(first, "2", "69900")
    venue.auto_accept = True
    log = progress_log(algo)
    algo.cancel()
    assert sorted(c.client_order_id for c in venue.canceled) == sorted([first, second])
    assert algo.status is AlgorithmStatus.CANCELED
    assert algo.reason == "canceled by its owner"
    assert [p.status for p in log][-1] is AlgorithmStatus.CANCELED
    kernel.advance_time(T0 + 60 * MINUTE)
    assert len(venue.submitted) == 2
    assert [n for n in kernel.clock.timer_names() if n.startswith("algo:")] == []
    progress = algo.progress()
    assert (progress.filled_qty, progress.working_qty, progress.remaining_qty) == (
        Quantity(2),
        Quantity(0),
        Quantity(7),
    )
    assert progress.children_canceled == 2
    algo.cancel()  # idempotent
    assert algo.status is AlgorithmStatus.CANCELED


def test_cancel_waits_for_the_venue(kernel: Kernel, owner: Owner, venue: ScriptedVenue) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 3, T0, T0 + MINUTE, slices=1, limit_offset_ticks=1))
    child = venue.submitted[0].order
    venue.cancel_order = venue.canceled.append  # type: ignore[assignment,method-assign]
    algo.cancel("enough")
    assert algo.status is AlgorithmStatus.FINISHING
    venue.fill(child.client_order_id, "1", "69900")
    assert algo.status is AlgorithmStatus.FINISHING
    venue.fill(child.client_order_id, "2", "69900")  # the fills beat the cancel
    assert algo.status is AlgorithmStatus.FILLED
    assert algo.reason == ""


def test_a_pending_algorithm_can_be_canceled(kernel: Kernel, owner: Owner) -> None:
    algo = limit_twap(DenialPolicy.RETRY)
    algo.cancel()
    assert algo.status is AlgorithmStatus.CANCELED
    with pytest.raises(StateError, match="already started"):
        owner.execute(algo)


def test_progress_listeners_hear_each_change_once(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = TWAP(SAMSUNG, BUY, 4, T0, T0 + 20 * MINUTE, slices=2)
    log = progress_log(algo)
    owner.execute(algo)
    venue.fill(venue.submitted[0].order.client_order_id, "2", "70000")
    kernel.advance_time(T0 + 10 * MINUTE)
    venue.fill(venue.submitted[1].order.client_order_id, "2", "70100")
    assert [(str(p.filled_qty), str(p.working_qty), p.status.value) for p in log] == [
        ("0", "2", "RUNNING"),  # first child sent
        ("2", "0", "RUNNING"),  # filled
        ("2", "2", "RUNNING"),  # second child
        ("4", "0", "FILLED"),
    ]
    assert log[-1].avg_px == Decimal(70050)
    assert log[-1].ts == T0 + 10 * MINUTE


def test_bad_parent_terms_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="parent quantity must be positive"):
        TWAP(SAMSUNG, BUY, 0, T0, T0 + MINUTE)
    with pytest.raises(InvalidInputError, match="quantity must be a Quantity"):
        TWAP(SAMSUNG, BUY, 1.5, T0, T0 + MINUTE)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="side must be an OrderSide"):
        TWAP(SAMSUNG, "BUY", 1, T0, T0 + MINUTE)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="start_ns must be None or non-negative"):
        TWAP(SAMSUNG, BUY, 1, -5, T0)
    with pytest.raises(InvalidInputError, match="on_denied must be a DenialPolicy"):
        TWAP(SAMSUNG, BUY, 1, T0, T0 + MINUTE, on_denied="SKIP")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="at_end must be an EndAction"):
        TWAP(SAMSUNG, BUY, 1, T0, T0 + MINUTE, at_end="SWEEP")  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="malformed strategy id"):
        TWAP(SAMSUNG, BUY, 1, T0, T0 + MINUTE, algorithm_id="no spaces allowed")
    with pytest.raises(ParseError, match="malformed account id"):
        TWAP(SAMSUNG, BUY, 1, T0, T0 + MINUTE, account_id="bad id")
    with pytest.raises(InvalidInputError, match="tags must be a sequence of strings"):
        TWAP(SAMSUNG, BUY, 1, T0, T0 + MINUTE, tags="abc")  # type: ignore[arg-type]
    assert EndAction.LEAVE.value == "LEAVE"
