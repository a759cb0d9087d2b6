"""TWAP: slice sizes and times, children at market and as limits, repricing, the end."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.clock import SimulatedClock
from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.domain.commands import CancelOrder
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderCancelRejected
from jts.domain.instruments import Market, krx_equity
from jts.domain.values import Quantity
from jts.kernel.execution.algorithms import TWAP, AlgorithmStatus, EndAction, parent_of
from jts.kernel.kernel import Kernel
from tests.unit.kernel.conftest import SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, build_kernel, cancel_at_venue, sent, start_owner, trade

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def ten_share_lots(kernel: Kernel) -> None:
    """Make Samsung trade in lots of 10 (a test instrument; KRX lots are 1 share)."""
    instrument = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
    kernel.add_instrument(
        msgspec.structs.replace(instrument, lot_size=Quantity(10), min_quantity=Quantity(10))
    )


@pytest.mark.parametrize(
    ("quantity", "slices", "expected"),
    [
        (10, 3, [3, 3, 4]),  # the last slice takes the remainder
        (9, 3, [3, 3, 3]),
        (2, 5, [1, 1]),  # slices below a lot send nothing; the rest spread out
        (1, 4, [1]),
        (7, 1, [7]),
    ],
)
def test_slice_sizes_sum_to_the_parent(
    kernel: Kernel, owner: Owner, quantity: int, slices: int, expected: list[int]
) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, quantity, T0, T0 + 60 * MINUTE, slices=slices))
    assert algo.slice_quantities() == expected
    assert sum(algo.slice_quantities()) == quantity


def test_slice_times_are_equal_steps_from_the_start(kernel: Kernel, owner: Owner) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 2, T0, T0 + 50 * MINUTE, slices=5))
    # 2 lots over 5 slices: cumulative floor(2 x (i + 1) / 5) = 0, 0, 1, 1, 2
    assert algo.slice_times == [T0 + 20 * MINUTE, T0 + 40 * MINUTE]
    algo = owner.execute(TWAP(SAMSUNG, BUY, 5, T0, T0 + 50 * MINUTE, slices=5))
    assert algo.slice_times == [T0 + i * 10 * MINUTE for i in range(5)]


def test_slices_are_whole_lots(kernel: Kernel, owner: Owner) -> None:
    ten_share_lots(kernel)
    algo = owner.execute(TWAP(SAMSUNG, BUY, 100, T0, T0 + 30 * MINUTE, slices=3))
    assert algo.slice_quantities() == [30, 30, 40]
    with pytest.raises(InvalidQuantityError, match="not a multiple of the lot 10"):
        owner.execute(TWAP(SAMSUNG, BUY, 105, T0, T0 + 30 * MINUTE, slices=3))


@settings(max_examples=60, deadline=None)
@given(
    lots=st.integers(min_value=1, max_value=400),
    slices=st.integers(min_value=1, max_value=40),
    lot=st.sampled_from([1, 10]),
)
def test_any_schedule_is_exact_and_even(lots: int, slices: int, lot: int) -> None:
    clock = SimulatedClock(T0)
    kernel = build_kernel(clock, ScriptedVenue(clock))
    if lot == 10:
        ten_share_lots(kernel)
    owner = start_owner(kernel)
    algo = owner.execute(TWAP(SAMSUNG, BUY, lots * lot, T0, T0 + 60 * MINUTE, slices=slices))
    quantities = algo.slice_quantities()
    assert sum(quantities) == lots * lot
    assert all(q > 0 and q % lot == 0 for q in quantities)
    assert max(quantities) - min(quantities) <= lot
    assert len(quantities) == min(lots, slices)
    assert algo.slice_times == sorted(set(algo.slice_times))
    assert all(T0 <= t < T0 + 60 * MINUTE for t in algo.slice_times)


def test_market_children_go_out_at_each_slice(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 10, T0, T0 + 30 * MINUTE, slices=3))
    assert sent(venue) == [("3", None, T0)]  # the first slice runs at once
    kernel.advance_time(T0 + 10 * MINUTE - 1)
    assert len(venue.submitted) == 1
    kernel.advance_time(T0 + 20 * MINUTE)
    assert sent(venue) == [
        ("3", None, T0),
        ("3", None, T0 + 10 * MINUTE),
        ("4", None, T0 + 20 * MINUTE),
    ]
    for command in venue.submitted:
        child = command.order
        assert child.order_type is OrderType.MARKET
        assert child.strategy_id == owner.id
        assert parent_of(child.tags) == algo.id
    progress = algo.progress()
    assert (progress.children_sent, progress.working_qty, progress.filled_qty) == (
        3,
        Quantity(10),
        Quantity(0),
    )
    assert algo.status is AlgorithmStatus.RUNNING


def test_filled_children_complete_the_parent_with_an_exact_average(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 10, T0, T0 + 30 * MINUTE, slices=3))
    first = venue.submitted[0].order.client_order_id
    venue.fill(first, "1", "69900")
    venue.fill(first, "2", "70000")
    kernel.advance_time(T0 + 20 * MINUTE)
    second, third = (c.order.client_order_id for c in venue.submitted[1:])
    venue.fill(second, "3", "70100")
    venue.fill(third, "4", "70200")
    progress = algo.progress()
    assert algo.status is AlgorithmStatus.FILLED
    assert progress.filled_qty == Quantity(10)
    assert progress.remaining_qty == Quantity(0)
    assert progress.working_qty == Quantity(0)
    # 69,900 + 2 x 70,000 + 3 x 70,100 + 4 x 70,200 = 701,000
    assert progress.filled_notional == 701_000
    assert str(progress.avg_px) == "70100"
    assert progress.children_filled == 3
    assert kernel.portfolio.position_qty(SAMSUNG, owner.id) == 10
    assert [n for n in kernel.clock.timer_names() if n.startswith("algo:")] == []


def test_a_parent_filled_early_stops_the_schedule(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(TWAP(SAMSUNG, BUY, 3, T0, T0 + 30 * MINUTE, slices=1))
    venue.fill(venue.submitted[0].order.client_order_id, "3", "70000")
    assert algo.status is AlgorithmStatus.FILLED
    kernel.advance_time(T0 + 60 * MINUTE)
    assert len(venue.submitted) == 1


@pytest.mark.parametrize(
    ("side", "offset", "price"),
    [
        (BUY, 2, "69800"),  # passive: below the last price for a buy
        (SELL, 2, "70200"),  # above it for a sell
        (BUY, 0, "70000"),
        (BUY, -1, "70100"),  # negative crosses
        (SELL, -1, "69900"),
    ],
)
def test_limit_children_are_ticks_from_the_last_price(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue, side: OrderSide, offset: int, price: str
) -> None:
    if side is SELL:  # shorting is off: hold the shares first
        bought = owner.buy(SAMSUNG, 5)
        assert bought is not None
        venue.fill(bought, "5", "70000")
    owner.execute(TWAP(SAMSUNG, side, 5, T0, T0 + 10 * MINUTE, slices=1, limit_offset_ticks=offset))
    child = venue.submitted[-1].order
    assert (child.order_type, str(child.price), child.quantity) == (
        OrderType.LIMIT,
        price,
        Quantity(5),
    )


def test_limit_children_wait_for_a_price(clock: SimulatedClock, venue: ScriptedVenue) -> None:
    kernel = build_kernel(clock, venue)
    owner = Owner()
    kernel.add_strategy(owner)
    kernel.start()
    algo = owner.execute(
        TWAP(SAMSUNG, BUY, 4, T0, T0 + 20 * MINUTE, slices=2, limit_offset_ticks=1)
    )
    assert venue.submitted == []  # no last price yet
    kernel.process_trade_tick(trade(T0 + MINUTE, 71000))
    kernel.advance_time(T0 + 10 * MINUTE)
    assert sent(venue) == [("4", "70900", T0 + 10 * MINUTE)]  # both slices' worth, caught up
    assert algo.progress().working_qty == Quantity(4)


def test_resting_children_are_repriced_when_the_market_moves(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(
        TWAP(SAMSUNG, BUY, 9, T0, T0 + 30 * MINUTE, slices=3, limit_offset_ticks=1)
    )
    first = venue.submitted[0].order.client_order_id
    venue.fill(first, "1", "69900")
    kernel.process_trade_tick(trade(T0 + 5 * MINUTE, 71000))
    kernel.advance_time(T0 + 10 * MINUTE)
    # the stale child is canceled; the slice sends 3 at the new price, and the 2 the cancel
    # freed go out again at that price once the venue confirms it
    assert sent(venue) == [
        ("3", "69900", T0),
        ("3", "70900", T0 + 10 * MINUTE),
        ("2", "70900", T0 + 10 * MINUTE),
    ]
    assert [c.client_order_id for c in venue.canceled] == [first]
    assert kernel.cache.order(first).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    assert algo.status is AlgorithmStatus.RUNNING
    assert algo.progress().children_canceled == 1
    # a child already at the right price keeps its place
    kernel.advance_time(T0 + 20 * MINUTE)
    assert len(venue.canceled) == 1
    assert sent(venue)[-1] == ("3", "70900", T0 + 20 * MINUTE)
    progress = algo.progress()
    assert (progress.filled_qty, progress.working_qty) == (Quantity(1), Quantity(8))


def _three_slices_chasing_the_market(kernel: Kernel, owner: Owner) -> TWAP:
    """12 shares in 4 slices, a tick below the last price; the market rises 1,000 won before
    the second and the third slice, so both re-price every resting child."""
    algo = owner.execute(
        TWAP(SAMSUNG, BUY, 12, T0, T0 + 40 * MINUTE, slices=4, limit_offset_ticks=1)
    )
    kernel.process_trade_tick(trade(T0 + 5 * MINUTE, 71000))
    kernel.advance_time(T0 + 10 * MINUTE)
    kernel.process_trade_tick(trade(T0 + 15 * MINUTE, 72000))
    return algo


def test_repriced_children_go_out_again_as_one_child(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    """Each re-pricing used to send one child per canceled child, so the children resting grew
    by one a slice and every slice re-sent all of them (seen against the KIS simulator: 128
    orders for 20 slices)."""
    algo = _three_slices_chasing_the_market(kernel, owner)
    kernel.advance_time(T0 + 20 * MINUTE)
    assert sent(venue) == [
        ("3", "69900", T0),
        ("3", "70900", T0 + 10 * MINUTE),  # the slice's own share
        ("3", "70900", T0 + 10 * MINUTE),  # the first child's, re-priced
        ("3", "71900", T0 + 20 * MINUTE),
        ("6", "71900", T0 + 20 * MINUTE),  # both children re-priced, as one
    ]
    assert len(kernel.cache.open_orders(SAMSUNG)) == 2
    assert algo.progress().working_qty == Quantity(9)


def test_a_refused_reprice_cancel_still_lets_the_others_go_out_again(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = _three_slices_chasing_the_market(kernel, owner)
    stuck = venue.submitted[-1].order.client_order_id  # the cancel of this one is refused
    confirm = venue.cancel_order

    def cancel_order(command: CancelOrder) -> None:
        if command.client_order_id != stuck:
            confirm(command)
            return
        venue.canceled.append(command)
        venue.emit(OrderCancelRejected(reason="too late", **venue._ids(stuck)))  # type: ignore[arg-type]

    venue.cancel_order = cancel_order  # type: ignore[method-assign]
    kernel.advance_time(T0 + 20 * MINUTE)
    # the refused child works on at its old price; the other one's 3 go out at the new price
    assert sent(venue)[3:] == [("3", "71900", T0 + 20 * MINUTE), ("3", "71900", T0 + 20 * MINUTE)]
    assert kernel.cache.order(stuck).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]
    assert algo.progress().working_qty == Quantity(9)


def test_the_window_end_cancels_resting_children_and_leaves_the_rest(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(
        TWAP(SAMSUNG, BUY, 6, T0, T0 + 20 * MINUTE, slices=2, limit_offset_ticks=1)
    )
    venue.fill(venue.submitted[0].order.client_order_id, "3", "69900")
    kernel.advance_time(T0 + 10 * MINUTE)
    venue.fill(venue.submitted[1].order.client_order_id, "1", "69900")
    kernel.advance_time(T0 + 20 * MINUTE)
    assert [c.client_order_id for c in venue.canceled] == [venue.submitted[1].order.client_order_id]
    progress = algo.progress()
    assert algo.status is AlgorithmStatus.ENDED
    assert algo.reason == "the window ended"
    assert (progress.filled_qty, progress.remaining_qty, progress.working_qty) == (
        Quantity(4),
        Quantity(2),
        Quantity(0),
    )
    assert len(venue.submitted) == 2  # nothing swept


def test_the_window_end_can_sweep_the_remainder_at_market(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(
        TWAP(
            SAMSUNG,
            BUY,
            6,
            T0,
            T0 + 20 * MINUTE,
            slices=2,
            limit_offset_ticks=1,
            at_end=EndAction.SWEEP,
        )
    )
    venue.fill(venue.submitted[0].order.client_order_id, "2", "69900")
    kernel.advance_time(T0 + 20 * MINUTE)
    # end: both resting children canceled first, then one market child for the 4 left
    assert len(venue.canceled) == 2
    sweep = venue.submitted[-1].order
    assert (sweep.order_type, sweep.quantity) == (OrderType.MARKET, Quantity(4))
    assert algo.status is AlgorithmStatus.FINISHING
    venue.fill(sweep.client_order_id, "4", "70000")
    assert algo.status is AlgorithmStatus.FILLED
    assert algo.progress().filled_qty == Quantity(6)


def test_an_unfilled_sweep_ends_with_the_remainder_reported(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(
        TWAP(SAMSUNG, BUY, 6, T0, T0 + 20 * MINUTE, slices=2, at_end=EndAction.SWEEP)
    )
    venue.fill(venue.submitted[0].order.client_order_id, "3", "70000")
    kernel.advance_time(T0 + 10 * MINUTE)
    second = venue.submitted[1].order.client_order_id
    kernel.advance_time(T0 + 20 * MINUTE)
    # a market child in flight is not canceled at the end: the sweep waits for it
    assert venue.canceled == []
    assert algo.status is AlgorithmStatus.FINISHING
    venue.fill(second, "1", "70000")
    cancel_at_venue(kernel, venue, second)  # the venue drops the rest of the market child
    sweep = venue.submitted[-1].order
    assert (sweep.order_type, sweep.quantity) == (OrderType.MARKET, Quantity(2))
    venue.fill(sweep.client_order_id, "1", "70000")
    cancel_at_venue(kernel, venue, sweep.client_order_id)
    assert algo.status is AlgorithmStatus.ENDED
    assert algo.progress().remaining_qty == Quantity(1)
    assert len(venue.submitted) == 3  # one sweep only


def test_the_window_must_be_ahead(kernel: Kernel, owner: Owner) -> None:
    kernel.advance_time(T0 + 30 * MINUTE)
    with pytest.raises(InvalidInputError, match="the window ends at"):
        owner.execute(TWAP(SAMSUNG, BUY, 5, T0, T0 + 30 * MINUTE, slices=2))
    with pytest.raises(InvalidInputError, match="end after it starts"):
        TWAP(SAMSUNG, BUY, 5, T0 + MINUTE, T0, slices=2)
    with pytest.raises(InvalidInputError, match="slices must be an int >= 1"):
        TWAP(SAMSUNG, BUY, 5, T0, T0 + MINUTE, slices=0)
    with pytest.raises(InvalidInputError, match="limit_offset_ticks"):
        TWAP(SAMSUNG, BUY, 5, T0, T0 + MINUTE, limit_offset_ticks=1.5)  # type: ignore[arg-type]


def test_a_start_in_the_past_spreads_over_what_is_left(kernel: Kernel, owner: Owner) -> None:
    kernel.advance_time(T0 + 10 * MINUTE)
    algo = owner.execute(TWAP(SAMSUNG, BUY, 4, T0, T0 + 30 * MINUTE, slices=2))
    assert algo.slice_times == [T0 + 10 * MINUTE, T0 + 20 * MINUTE]


def test_cancel_while_sweeping_takes_the_sweep_down(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    twap = TWAP(
        SAMSUNG, BUY, 4, T0, T0 + MINUTE, slices=1, limit_offset_ticks=1, at_end=EndAction.SWEEP
    )
    algo = owner.execute(twap)
    kernel.advance_time(T0 + MINUTE)
    sweep = venue.submitted[-1].order
    assert (sweep.order_type, algo.status) == (OrderType.MARKET, AlgorithmStatus.FINISHING)
    algo.cancel("operator")
    assert [c.client_order_id for c in venue.canceled][-1] == sweep.client_order_id
    assert (algo.status, algo.reason) == (AlgorithmStatus.CANCELED, "operator")
    assert len(venue.submitted) == 2
