"""Percent of volume: children track a given stream of trade ticks or bars."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from jts.core.clock import SimulatedClock
from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.domain.enums import OrderSide, OrderType
from jts.domain.market_data import Bar
from jts.domain.values import Price, Quantity
from jts.kernel.execution.algorithms import POV, AlgorithmStatus
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from tests.unit.kernel.conftest import BAR_TYPE, SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, build_kernel, sent, start_owner, trade

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_children_follow_the_tape(kernel: Kernel, owner: Owner, venue: ScriptedVenue) -> None:
    algo = owner.execute(POV(SAMSUNG, BUY, 50, "0.1", start_ns=T0 + MINUTE, min_child_qty=5))
    stream = [
        (T0 + 30 * 10**9, 500, 0),  # before the start: not counted
        (T0 + MINUTE, 100, 1),  # 10 % of 100 -> a child of 10
        (T0 + 2 * MINUTE, 55, 1),  # 155 -> 15: a child of 5
        (T0 + 3 * MINUTE, 4, 0),  # 159 -> still 15
        (T0 + 4 * MINUTE, 30, 0),  # 189 -> 18: 3 owed, below the minimum child of 5
        (T0 + 5 * MINUTE, 20, 1),  # 209 -> 20: 5 owed
        (T0 + 6 * MINUTE, 1000, 1),  # 1,209 -> capped at the parent: the last 30, whatever size
        (T0 + 7 * MINUTE, 1000, 0),  # nothing left
    ]
    for ts, size, new_children in stream:
        before = len(venue.submitted)
        kernel.advance_time(ts)
        kernel.process_trade_tick(trade(ts, 70000, size))
        assert len(venue.submitted) - before == new_children, ts
    assert [(q, p) for q, p, _ in sent(venue)] == [
        ("10", None),
        ("5", None),
        ("5", None),
        ("30", None),
    ]
    assert algo.volume == Fraction(2209)
    for command in venue.submitted:
        venue.fill(command.order.client_order_id, str(command.order.quantity), "70000")
    assert algo.status is AlgorithmStatus.FILLED


def test_fills_do_not_change_the_target(kernel: Kernel, owner: Owner, venue: ScriptedVenue) -> None:
    algo = owner.execute(POV(SAMSUNG, BUY, 100, Decimal("0.25")))
    kernel.process_trade_tick(trade(T0, 70000, 40))
    venue.fill(venue.submitted[0].order.client_order_id, "6", "70000")
    kernel.process_trade_tick(trade(T0, 70000, 8))  # 48 -> 12: 6 filled + 4 working = 10
    assert [q for q, _, _ in sent(venue)] == ["10", "2"]
    progress = algo.progress()
    assert (progress.filled_qty, progress.working_qty) == (Quantity(6), Quantity(6))


def test_bars_can_be_the_volume_source(kernel: Kernel, owner: Owner, venue: ScriptedVenue) -> None:
    algo = owner.execute(POV(SAMSUNG, BUY, 100, "0.05", bar_type=str(BAR_TYPE)))
    for minute, volume in enumerate((1000, 300, 0)):
        ts = T0 + (minute + 1) * MINUTE
        kernel.advance_time(ts)
        kernel.process_bar(
            Bar(
                bar_type=BAR_TYPE,
                open=Price(70000),
                high=Price(70000),
                low=Price(70000),
                close=Price(70000),
                volume=Quantity(volume),
                ts_event=ts,
                ts_init=ts,
            )
        )
        kernel.process_trade_tick(trade(ts, 70000, 10_000))  # ticks are not the source here
    assert [q for q, _, _ in sent(venue)] == ["50", "15"]
    assert algo.volume == 1300


def test_limit_children_are_repriced_as_the_market_moves(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    owner.execute(POV(SAMSUNG, BUY, 100, "0.1", limit_offset_ticks=1))
    kernel.process_trade_tick(trade(T0, 70000, 50))
    first = venue.submitted[0].order
    assert (first.order_type, first.price, first.quantity) == (
        OrderType.LIMIT,
        Price(69900),
        Quantity(5),
    )
    venue.fill(first.client_order_id, "2", "69900")
    kernel.advance_time(T0 + MINUTE)
    kernel.process_trade_tick(trade(T0 + MINUTE, 70500, 30))  # 80 -> 8; the price moved
    assert [c.client_order_id for c in venue.canceled] == [first.client_order_id]
    assert sent(venue)[1:] == [
        ("3", "70400", T0 + MINUTE),  # the new volume's share
        ("3", "70400", T0 + MINUTE),  # the canceled child's rest, at the new price
    ]


def test_a_denied_child_is_retried_at_the_next_update(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    kernel = build_kernel(clock, venue, limits=RiskLimits(max_open_orders=1))
    owner = start_owner(kernel)
    algo = owner.execute(POV(SAMSUNG, BUY, 100, "0.1", limit_offset_ticks=1))
    kernel.process_trade_tick(trade(T0, 70000, 50))
    kernel.process_trade_tick(trade(T0, 70000, 50))  # the second child is denied
    assert algo.progress().children_denied == 1
    venue.fill(venue.submitted[0].order.client_order_id, "5", "69900")
    kernel.process_trade_tick(trade(T0, 70000, 10))
    assert [q for q, _, _ in sent(venue)] == ["5", "6"]


def test_the_window_ends_the_algorithm_and_its_feed(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(POV(SAMSUNG, BUY, 100, "0.1", end_ns=T0 + 10 * MINUTE))
    kernel.process_trade_tick(trade(T0, 70000, 100))
    venue.fill(venue.submitted[0].order.client_order_id, "10", "70000")
    kernel.advance_time(T0 + 10 * MINUTE)
    assert algo.status is AlgorithmStatus.ENDED
    kernel.process_trade_tick(trade(T0 + 11 * MINUTE, 70000, 1000))
    assert len(venue.submitted) == 1
    assert algo.volume == 100


@pytest.mark.parametrize("rate", ["0", "1.5", "-0.1", "abc", 0.1, True, "NaN"])
def test_the_rate_is_a_fraction_of_volume(rate: object) -> None:
    with pytest.raises(InvalidInputError, match="POV rate"):
        POV(SAMSUNG, BUY, 100, rate)  # type: ignore[arg-type]


def test_bad_pov_terms_are_refused(kernel: Kernel, owner: Owner) -> None:
    with pytest.raises(InvalidInputError, match="not of the instrument"):
        POV(SAMSUNG, BUY, 100, "0.1", bar_type="000660.KRX-1-MINUTE-LAST-EXTERNAL")
    with pytest.raises(InvalidQuantityError, match=r"min_child_qty: .* must be positive"):
        owner.execute(POV(SAMSUNG, BUY, 100, "0.1", min_child_qty=0))
    with pytest.raises(InvalidInputError, match="limit_offset_ticks"):
        POV(SAMSUNG, BUY, 100, "0.1", limit_offset_ticks="1")  # type: ignore[arg-type]
    assert POV(SAMSUNG, BUY, 100, 1).rate == 1
