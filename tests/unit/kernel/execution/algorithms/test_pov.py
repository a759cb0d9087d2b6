"""Percent of volume: children track a given stream of trade ticks or bars."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest

from jts.core.clock import SimulatedClock
from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.core.time import NANOS_PER_SECOND
from jts.domain.enums import OrderSide, OrderType
from jts.domain.market_data import Bar
from jts.domain.values import Price, Quantity
from jts.kernel.execution.algorithms import POV, AlgorithmStatus
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from tests.unit.kernel.conftest import BAR_TYPE, SAMSUNG, T0, ScriptedVenue

from .algo_support import MINUTE, Owner, build_kernel, sent, start_owner, trade

BUY, SELL = OrderSide.BUY, OrderSide.SELL
SECOND = NANOS_PER_SECOND


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


def test_a_print_arriving_after_the_start_counts_whatever_its_coarse_stamp(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    """KIS stamps prints in whole seconds: one made 0.2 s after a start at 09:00:00.7 says
    09:00:00. It used to be left out: against the KIS simulator POV lost the tape of the first
    second of its window."""
    start = T0 + 700_000_000
    kernel.advance_time(start)
    algo = owner.execute(POV(SAMSUNG, BUY, 50, "0.1"))
    kernel.advance_time(start + 200_000_000)
    tick = trade(T0, 70000, 100)  # stamped at the whole second, before the start
    kernel.process_trade_tick(tick)
    assert algo.volume == 100
    assert [q for q, _, _ in sent(venue)] == ["10"]


def test_fills_do_not_change_the_target(kernel: Kernel, owner: Owner, venue: ScriptedVenue) -> None:
    algo = owner.execute(POV(SAMSUNG, BUY, 100, Decimal("0.25")))
    kernel.process_trade_tick(trade(T0, 70000, 40))
    venue.fill(venue.submitted[0].order.client_order_id, "6", "70000")
    kernel.advance_time(T0 + SECOND)  # past the throttle's interval: the print acts at once
    kernel.process_trade_tick(trade(T0 + SECOND, 70000, 8))  # 48 -> 12: 6 filled + 4 working
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
    kernel.advance_time(T0 + SECOND)  # each print past the throttle's interval
    kernel.process_trade_tick(trade(T0 + SECOND, 70000, 50))  # the second child is denied
    assert algo.progress().children_denied == 1
    venue.fill(venue.submitted[0].order.client_order_id, "5", "69900")
    kernel.advance_time(T0 + 2 * SECOND)
    kernel.process_trade_tick(trade(T0 + 2 * SECOND, 70000, 10))
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


# ---- the throttle -------------------------------------------------------------------------------
def _burst(
    kernel: Kernel, algo: POV, venue: ScriptedVenue, seconds: int = 10, per_second: int = 100
) -> list[tuple[int, Fraction, int]]:
    """A busy tape: ``per_second`` prints of 10 shares a second, bouncing between bid and ask
    (70,000 / 70,100) and drifting a tick up every two seconds. Returns (time, volume counted,
    filled + working) after every print."""
    seen: list[tuple[int, Fraction, int]] = []
    step = SECOND // per_second
    for i in range(seconds * per_second):
        ts = T0 + SECOND + i * step
        drift = 100 * (i // (2 * per_second))
        kernel.advance_time(ts)
        kernel.process_trade_tick(trade(ts, 70000 + drift + 100 * (i % 2), 10))
        progress = algo.progress()
        seen.append((ts, algo.volume, (progress.filled_qty + progress.working_qty).raw))
    return seen


def test_a_busy_tape_is_throttled_to_one_decision_per_interval(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    """1,000 prints in 10 s. Unthrottled, limit children are re-priced on every bounce and a
    child goes out on every print: some 4,000 requests (next test). Throttled (the defaults),
    requests go out at one decision a second at most: a new child, the cancels of children
    that drifted more than a tick, and one child re-sending what they freed."""
    algo = owner.execute(POV(SAMSUNG, BUY, 10_000, "0.1", limit_offset_ticks=1))
    _burst(kernel, algo, venue)
    assert venue.modified == []
    requests = [*venue.submitted, *venue.canceled]
    decided_at = sorted({command.ts_init for command in requests})
    assert all(b - a >= SECOND for a, b in itertools.pairwise(decided_at))
    assert len(decided_at) <= 10 + 1  # the first print acts at once, then one a second
    assert len(venue.submitted) <= 2 * len(decided_at)
    assert len(requests) <= 30


def test_without_the_throttle_the_same_tape_churns(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    """The same burst with the throttle off: what the defaults save (and proof that the bound
    above is not met by accident)."""
    kernel = build_kernel(clock, venue)
    owner = start_owner(kernel)
    algo = owner.execute(
        POV(
            SAMSUNG,
            BUY,
            10_000,
            "0.1",
            limit_offset_ticks=1,
            min_update_interval_ns=0,
            reprice_tolerance_ticks=0,
        )
    )
    _burst(kernel, algo, venue)
    assert len(venue.submitted) >= 1000
    assert len(venue.canceled) >= 1000


@pytest.mark.parametrize("limit_offset_ticks", [None, 1])
def test_throttled_participation_lags_by_at_most_one_interval_and_catches_up(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue, limit_offset_ticks: int | None
) -> None:
    """The documented tolerance: never ahead of ``rate x volume``, behind by at most the rate
    of the volume printed in the last interval, and exact once the interval after the last
    print has passed."""
    rate = Fraction(1, 10)
    algo = owner.execute(POV(SAMSUNG, BUY, 10_000, "0.1", limit_offset_ticks=limit_offset_ticks))
    seen = _burst(kernel, algo, venue, seconds=5, per_second=37)
    for ts, volume, sent_qty in seen:
        assert sent_qty <= rate * volume  # never ahead
        recent = volume - max((v for t, v, _ in seen if t <= ts - SECOND), default=Fraction(0))
        assert rate * volume - sent_qty < rate * recent + 1, ts
    last_ts, volume, _ = seen[-1]
    kernel.advance_time(last_ts + SECOND)  # the deferred decision
    progress = algo.progress()
    assert (progress.filled_qty + progress.working_qty).raw == int(rate * volume)
    assert volume == 5 * 37 * 10


def test_a_print_inside_the_interval_waits_for_its_end(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    algo = owner.execute(POV(SAMSUNG, BUY, 100, "0.1", min_update_interval_ns=2 * SECOND))
    kernel.process_trade_tick(trade(T0, 70000, 50))  # acts at once: a child of 5
    for offset in (SECOND // 2, SECOND, 3 * SECOND // 2):
        kernel.advance_time(T0 + offset)
        kernel.process_trade_tick(trade(T0 + offset, 70000, 30))  # counted, not acted on
    assert [q for q, _, _ in sent(venue)] == ["5"]
    assert algo.volume == 140
    kernel.advance_time(T0 + 2 * SECOND)  # the interval's end: one child for all of it
    assert sent(venue)[1:] == [("9", None, T0 + 2 * SECOND)]
    kernel.advance_time(T0 + 3 * SECOND)
    kernel.process_trade_tick(trade(T0 + 3 * SECOND, 70000, 1))  # inside the next interval
    assert kernel.clock.timer_names() == ["algo:POV-00000001:update"]
    kernel.advance_time(T0 + 4 * SECOND)  # nothing owed (14 of 141): the decision sends nothing
    kernel.process_trade_tick(trade(T0 + 4 * SECOND, 70000, 1))  # so this one decides at once
    assert len(venue.submitted) == 2
    assert kernel.clock.timer_names() == []


def test_a_child_within_the_tolerance_keeps_its_place(
    kernel: Kernel, owner: Owner, venue: ScriptedVenue
) -> None:
    owner.execute(POV(SAMSUNG, BUY, 100, "0.1", limit_offset_ticks=1, min_update_interval_ns=0))
    kernel.process_trade_tick(trade(T0, 70000, 50))  # a child of 5 at 69,900
    kernel.process_trade_tick(trade(T0, 70100, 1))  # the quote 70,000: one tick, it stays
    kernel.process_trade_tick(trade(T0, 69900, 1))  # 69,800: one tick below, it stays
    assert venue.canceled == []
    kernel.process_trade_tick(trade(T0, 70200, 1))  # 70,100: two ticks, re-priced
    assert [c.client_order_id for c in venue.canceled] == [venue.submitted[0].order.client_order_id]
    assert sent(venue)[1:] == [("5", "70100", T0)]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_update_interval_ns", -1),
        ("min_update_interval_ns", 0.5),
        ("reprice_tolerance_ticks", -1),
        ("reprice_tolerance_ticks", True),
    ],
)
def test_bad_throttle_terms_are_refused(name: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=name):
        POV(SAMSUNG, BUY, 100, "0.1", **{name: value})  # type: ignore[arg-type]
