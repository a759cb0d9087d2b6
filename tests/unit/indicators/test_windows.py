from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.indicators.windows import (
    RollingMax,
    RollingMin,
    rolling_extreme_index,
    rolling_max,
    rolling_min,
)

values = st.lists(st.integers(-5, 5).map(float), max_size=60)  # small ints: many ties


@settings(max_examples=80, deadline=None)
@given(values, st.integers(min_value=1, max_value=8))
def test_rolling_extremes_equal_brute_force(xs: list[float], window: int) -> None:
    x = np.asarray(xs, dtype=np.float64)
    hi, lo = RollingMax(window), RollingMin(window)
    hi_idx = rolling_extreme_index(x, window, True)
    lo_idx = rolling_extreme_index(x, window, False)
    for t, v in enumerate(xs):
        chunk = xs[max(0, t - window + 1) : t + 1]
        assert hi.push(v) == max(chunk)
        assert lo.push(v) == min(chunk)
        # ages point at the most recent occurrence of the extreme
        assert hi.age == chunk[::-1].index(max(chunk))
        assert lo.age == chunk[::-1].index(min(chunk))
        if t >= window - 1:
            assert hi_idx[t] == t - hi.age
            assert lo_idx[t] == t - lo.age
        else:
            assert hi_idx[t] == -1
    if len(xs) >= window:
        ref_hi = [max(xs[t - window + 1 : t + 1]) for t in range(window - 1, len(xs))]
        np.testing.assert_array_equal(rolling_max(x, window)[window - 1 :], ref_hi)
        ref_lo = [min(xs[t - window + 1 : t + 1]) for t in range(window - 1, len(xs))]
        np.testing.assert_array_equal(rolling_min(x, window)[window - 1 :], ref_lo)
        assert np.isnan(rolling_max(x, window)[: window - 1]).all()


def test_reset_empties_the_window() -> None:
    hi = RollingMax(3)
    hi.push(9.0)
    hi.reset()
    assert np.isnan(hi.value)
    assert hi.push(1.0) == 1.0
