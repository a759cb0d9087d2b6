from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.indicators import SMA, CrossOver, CrossUnder, IndicatorInputError
from tests.unit.indicators.helpers import run_stream


def test_crossing_a_constant_level() -> None:
    a = [1.0, 2.0, 3.0, 2.0, 2.0, 1.0, 3.0]
    np.testing.assert_array_equal(
        CrossOver.compute(a, 2.0), [False, False, True, False, False, False, True]
    )
    np.testing.assert_array_equal(
        CrossUnder.compute(a, 2.0), [False, False, False, False, False, True, False]
    )


def test_touching_and_turning_back_is_not_a_cross() -> None:
    assert not CrossUnder.compute([1.0, 2.0, 1.0], 2.0).any()
    assert not CrossOver.compute([3.0, 2.0, 2.0, 3.0], 2.0).any()


def test_the_first_bar_and_leading_ties_are_never_a_cross() -> None:
    assert not CrossOver.compute([3.0], [1.0]).any()
    np.testing.assert_array_equal(CrossOver.compute([2.0, 2.0, 3.0], 2.0), [False, False, False])


def test_fast_sma_crossing_slow_sma() -> None:
    close = np.array([5.0, 5, 5, 5, 4, 3, 3, 4, 6, 8, 8, 7, 5, 3])
    fast, slow = SMA.compute(close, period=2), SMA.compute(close, period=4)
    over = CrossOver.compute(fast, slow)
    under = CrossUnder.compute(fast, slow)
    # Both averages start at bar 3 (the NaN before is warm-up padding, skipped) in a tie, so
    # bar 4 (fast below) sets a side but crosses nothing. They tie again at bar 7 (3.5) and the
    # fast one leaves the tie upwards at bar 8; it falls under the slow one at bar 12.
    assert np.flatnonzero(over).tolist() == [8]
    assert np.flatnonzero(under).tolist() == [12]
    np.testing.assert_array_equal(run_stream(CrossOver, [fast, slow])[0], over)


def _sign_changes(a: list[float], b: list[float], upward: bool) -> list[bool]:
    """Reference: a cross is where the side (ties carrying the last one) flips."""
    out, side = [], 0
    for x, y in zip(a, b, strict=True):
        now = (x > y) - (x < y)
        out.append(side not in (0, now) and now != 0 and (now > 0) == upward)
        side = now or side
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-3, 3), st.integers(-3, 3)).map(lambda p: (float(p[0]), float(p[1]))),
        max_size=40,
    )
)
def test_crosses_are_where_the_side_flips(pairs: list[tuple[float, float]]) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    over, under = CrossOver.compute(a, b), CrossUnder.compute(a, b)
    assert over.tolist() == _sign_changes(a, b, True)
    assert under.tolist() == _sign_changes(a, b, False)
    assert not (over & under).any()


def test_cross_output_is_boolean_and_the_streaming_value_a_bool() -> None:
    ind = CrossOver()
    assert ind.value is False
    ind.update(1.0, 2.0)
    assert ind.update(3.0, 2.0) is True
    assert CrossOver.compute([1.0, 3.0], 2.0).dtype == np.bool_
    assert CrossOver.spec().output_kind == "bool"


def test_a_missing_bar_after_the_start_is_refused() -> None:
    with pytest.raises(IndicatorInputError, match="cross_over: input 'a' has a NaN at index 2"):
        CrossOver.compute([1.0, 2.0, np.nan, 3.0], 2.0)
