"""The engine's shortcut for data that cannot reach any working order must change nothing:
random bars and orders give the same results with the shortcut and without it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.domain.enums import TimeInForce
from jts.domain.values import Price
from jts.matching import engine as engine_module
from jts.matching.models import FillMode, MatchingConfig, ParticipationCap
from jts.matching.results import MatchResult

from .matching_support import BUY, SELL, FakeCalendar, at, bar, engine, request

FRIDAY = dt.date(2024, 3, 1)
TICKS = st.integers(min_value=-3, max_value=3)  # 100-won ticks: near the market, where
STEPS = st.integers(min_value=0, max_value=2)  # bars brush past orders one tick either way

orders = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=11),  # the bar after which it is sent
        st.sampled_from(["market", "limit", "stop", "stop-limit"]),
        st.booleans(),  # buy?
        TICKS,
        TICKS,
    ),
    min_size=2,
    max_size=8,
)
bars = st.lists(st.tuples(TICKS, TICKS, STEPS, STEPS), min_size=12, max_size=12)


def _run(
    bar_moves: Sequence[tuple[int, ...]],
    specs: list[tuple[object, ...]],
    close: bool,
    touch: bool,
    capped: bool = False,
) -> list[MatchResult]:
    """Bars from a random walk; orders sent after the bars their specs name. ``capped``: a
    volume cap of one share per bar, so market orders keep working across bars."""
    fill = FillMode.CLOSE if close else FillMode.NEXT_OPEN
    cap = ParticipationCap(Decimal("0.25")) if capped else None
    config = MatchingConfig(fill=fill, fill_on_touch=touch, participation=cap)
    e = engine(config, FakeCalendar())
    out: list[MatchResult] = list(
        e.process_bar(bar("1530", 70000, 70000, 70000, 70000, day=FRIDAY))
    )
    last = 70000
    for index, (gap, move, up, down) in enumerate(bar_moves):
        o = last + 100 * gap  # a random walk: the open gaps, the close moves from the open
        c = o + 100 * move
        high, low = max(o, c) + 100 * up, min(o, c) - 100 * down
        last = c
        minute = f"09{index + 1:02d}"
        out += e.process_bar(bar(minute, o, high, low, c, 4))
        for n, (when, kind, buy, a, b) in enumerate(specs):
            if when != index:
                continue
            side = BUY if buy else SELL
            price = last + 100 * int(a)  # type: ignore[call-overload]
            trigger = last + 100 * int(b)  # type: ignore[call-overload]
            oid = f"{index}-{n}"
            if kind == "market":
                req = request(oid, side, 3)
            elif kind == "limit":
                req = request(oid, side, 3, price=price, tif=TimeInForce.GTC)
            elif kind == "stop":
                req = request(oid, side, 3, trigger=trigger)
            else:
                req = request(oid, side, 3, trigger=trigger, price=price)
            out += e.submit(req, at(minute))
    return out


FLAT = (0, 0, 0, 0)
#: Each side of the shortcut's band, brushed exactly: a resting order sent after the first bar
#: is reached, three bars later, by a bar that only touches its price (fill on touch) or
#: trigger (stops trigger at the price).
EDGES = [
    ([(0, "limit", True, -2, 0)], (0, -2, 0, 0)),
    ([(0, "limit", False, 2, 0)], (0, 2, 0, 0)),
    ([(0, "stop", True, 0, 2)], (0, 2, 0, 0)),
    ([(0, "stop", False, 0, -2)], (0, -2, 0, 0)),
    ([(0, "stop-limit", False, 0, -2)], (0, -2, 0, 0)),
]


def test_an_order_skipped_on_its_first_bar_is_no_longer_fresh() -> None:
    """A limit whose first bar did not reach it rests in the book: when a later bar gaps
    through it, it fills at its own price, not at the open."""
    moves = [FLAT, FLAT, (-3, 0, 0, 0)] + [FLAT] * 9
    specs: list[tuple[object, ...]] = [(0, "limit", True, -2, 0)]
    results = _run(moves, specs, False, False)
    assert [(type(r).__name__, getattr(r, "price", None)) for r in results][-1] == (
        "Filled",
        Price(69800),
    )


def test_a_market_order_working_across_bars_is_never_skipped() -> None:
    specs: list[tuple[object, ...]] = [(0, "market", True, 0, 0), (0, "limit", True, -3, 0)]
    results = _run([FLAT] * 12, specs, False, False, capped=True)
    assert sum(type(r).__name__ == "Filled" and r.order_id == "0-0" for r in results) == 3


@settings(max_examples=150, deadline=None)
@given(
    bar_moves=bars,
    specs=orders,
    close=st.booleans(),
    touch=st.booleans(),
    capped=st.booleans(),
)
def test_the_shortcut_changes_no_result_on_random_data(
    bar_moves: Sequence[tuple[int, ...]],
    specs: list[tuple[object, ...]],
    close: bool,
    touch: bool,
    capped: bool,
) -> None:
    fast = _run(bar_moves, specs, close, touch, capped)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_module, "quiet_band", lambda orders: None)
        slow = _run(bar_moves, specs, close, touch, capped)
    assert fast == slow


@pytest.mark.parametrize(("specs", "reaching"), EDGES)
def test_the_shortcut_changes_no_result_at_its_edges(
    specs: list[tuple[object, ...]], reaching: tuple[int, ...]
) -> None:
    moves = [FLAT, FLAT, FLAT, reaching] + [FLAT] * 8
    fast = _run(moves, specs, False, True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_module, "quiet_band", lambda orders: None)
        slow = _run(moves, specs, False, True)
    assert fast == slow
    assert any(type(r).__name__ in ("Filled", "Triggered") for r in fast)
