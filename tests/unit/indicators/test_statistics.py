from __future__ import annotations

import statistics
from typing import Any

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.indicators import (
    STDDEV,
    VAR,
    Highest,
    IndicatorParameterError,
    LinRegSlope,
    Lowest,
    ZScore,
)
from tests.unit.indicators.helpers import check_against_talib, run_stream

CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (VAR, {"period": 1}, lambda d: talib.VAR(d["close"], 1, 1.0)),
    (VAR, {"period": 5}, lambda d: talib.VAR(d["close"], 5, 1.0)),
    (STDDEV, {"period": 20}, lambda d: talib.STDDEV(d["close"], 20, 1.0)),
    (STDDEV, {"period": 10, "nbdev": 2.5}, lambda d: talib.STDDEV(d["close"], 10, 2.5)),
    (LinRegSlope, {"period": 2}, lambda d: talib.LINEARREG_SLOPE(d["close"], 2)),
    (LinRegSlope, {"period": 14}, lambda d: talib.LINEARREG_SLOPE(d["close"], 14)),
    (LinRegSlope, {"period": 60}, lambda d: talib.LINEARREG_SLOPE(d["close"], 60)),
    (Highest, {"period": 2}, lambda d: talib.MAX(d["close"], 2)),
    (Highest, {"period": 20}, lambda d: talib.MAX(d["close"], 20)),
    (Lowest, {"period": 20}, lambda d: talib.MIN(d["close"], 20)),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_zscore_by_hand() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 10.0]
    expected = [np.nan, np.nan] + [
        (x[t] - statistics.fmean(x[t - 2 : t + 1])) / statistics.pstdev(x[t - 2 : t + 1])
        for t in range(2, 5)
    ]
    np.testing.assert_allclose(ZScore.compute(x, period=3), expected, rtol=1e-12)
    np.testing.assert_allclose(run_stream(ZScore, [x], period=3)[0], expected, rtol=1e-12)
    assert expected[2] == pytest.approx(1.224744871391589)


def test_zscore_of_a_flat_window_is_zero() -> None:
    assert (ZScore.compute(np.full(6, 3.0), period=3)[2:] == 0.0).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e4, max_value=1e4), min_size=2, max_size=40),
    st.integers(min_value=2, max_value=8),
)
def test_slope_is_the_least_squares_slope(values: list[float], period: int) -> None:
    x = np.asarray(values)
    out = LinRegSlope.compute(x, period=period)
    for t in range(period - 1, len(x)):
        window = x[t - period + 1 : t + 1]
        ref = np.polyfit(np.arange(period), window, 1)[0]
        assert out[t] == pytest.approx(ref, rel=1e-6, abs=1e-6 * (np.abs(window).max() + 1))


def test_slope_of_a_line() -> None:
    np.testing.assert_allclose(LinRegSlope.compute(3.0 * np.arange(10) + 7, period=4)[3:], 3.0)


def test_variance_stays_accurate_far_from_the_first_value() -> None:
    # The shift is the first value; later values a million away still give exact variances.
    x = np.concatenate([[0.0], 1e6 + np.array([1.0, 2.0, 3.0, 4.0] * 10)])
    out = VAR.compute(x, period=4)
    np.testing.assert_allclose(out[5:], 1.25, rtol=1e-9)


def test_a_window_of_identical_values_has_exactly_zero_spread_and_slope() -> None:
    # A volatile stretch far from the first value, then a flat one at an inexact level (0.3):
    # running sums keep a residue there; the run-length rule makes the answer exact.
    x = np.concatenate([[5.0], 1e6 + np.sin(np.arange(50)) * 1e3, np.full(10, 0.1 * 3)])
    for cls in (VAR, STDDEV, ZScore, LinRegSlope):
        vec = cls.compute(x, period=5)
        assert (vec[-6:] == 0.0).all(), cls.name
        assert (run_stream(cls, [x], period=5)[0][-6:] == 0.0).all(), cls.name
    assert VAR.compute(x, period=5)[-7] > 0.0  # the window still holding the last move


def test_highest_and_lowest_by_hand() -> None:
    x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0]
    np.testing.assert_array_equal(Highest.compute(x, period=3), [np.nan, np.nan, 4, 4, 5, 9, 9])
    np.testing.assert_array_equal(Lowest.compute(x, period=3), [np.nan, np.nan, 1, 1, 1, 1, 2])


@pytest.mark.parametrize(
    ("cls", "kwargs", "param"),
    [
        (VAR, {"period": 0}, "period"),
        (STDDEV, {"nbdev": 0.0}, "nbdev"),
        (STDDEV, {"nbdev": "1"}, "nbdev"),
        (ZScore, {"period": 1}, "period"),
        (LinRegSlope, {"period": 1}, "period"),
        (Highest, {"period": -1}, "period"),
        (Lowest, {"period": 1.0}, "period"),
    ],
)
def test_bad_parameters(cls: Any, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: parameter '{param}'"):
        cls(**kwargs)
