from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import talib
from talib._ta_lib import MA_Type

from jts.indicators import CCI, IndicatorParameterError, Stochastic, StochRSI, WilliamsR
from tests.unit.indicators.helpers import check_against_talib, run_stream

HLC = ("high", "low", "close")


def _hlc(d: dict[str, Any]) -> tuple[Any, Any, Any]:
    return d["high"], d["low"], d["close"]


SMA_ = MA_Type.SMA

CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (Stochastic, {}, lambda d: talib.STOCH(*_hlc(d), 14, 3, SMA_, 3, SMA_)),
    (
        Stochastic,
        {"fastk": 5, "slowk": 1, "slowd": 1},
        lambda d: talib.STOCH(*_hlc(d), 5, 1, SMA_, 1, SMA_),
    ),
    (
        Stochastic,
        {"fastk": 1, "slowk": 2, "slowd": 4},
        lambda d: talib.STOCH(*_hlc(d), 1, 2, SMA_, 4, SMA_),
    ),
    (StochRSI, {}, lambda d: talib.STOCHRSI(d["close"], 14, 14, 3, SMA_)),
    (
        StochRSI,
        {"period": 5, "stoch_period": 3, "d_period": 2},
        lambda d: talib.STOCHRSI(d["close"], 5, 3, 2, SMA_),
    ),
    (WilliamsR, {"period": 2}, lambda d: talib.WILLR(*_hlc(d), 2)),
    (WilliamsR, {"period": 14}, lambda d: talib.WILLR(*_hlc(d), 14)),
    (CCI, {"period": 2}, lambda d: talib.CCI(*_hlc(d), 2)),
    (CCI, {"period": 20}, lambda d: talib.CCI(*_hlc(d), 20)),
    (CCI, {"period": 40}, lambda d: talib.CCI(*_hlc(d), 40)),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_stochastic_by_hand() -> None:
    high = np.array([10.0, 12.0, 11.0, 13.0])
    low = np.array([8.0, 9.0, 9.0, 10.0])
    close = np.array([9.0, 11.0, 10.0, 12.0])
    # raw %K over 2 bars: (11-8)/(12-8)=75, (10-9)/(12-9)=33.3, (12-9)/(13-9)=75
    k, d = Stochastic.compute(high, low, close, fastk=2, slowk=1, slowd=2)
    np.testing.assert_allclose(k, [np.nan, np.nan, 100 / 3, 75.0])
    np.testing.assert_allclose(d, [np.nan, np.nan, (75 + 100 / 3) / 2, (100 / 3 + 75) / 2])


def test_stochastic_on_a_zero_range_is_zero() -> None:
    flat = np.full(6, 5.0)
    k, _ = Stochastic.compute(flat, flat, flat, fastk=3, slowk=1, slowd=1)
    np.testing.assert_array_equal(k[2:], 0.0)


def test_a_range_of_one_ulp_is_flat_not_a_full_swing() -> None:
    # RSI on a flat stretch is constant only up to the last bit; that must read as flat.
    level = 58.32149001
    series = np.array([level, np.nextafter(level, 100), level, np.nextafter(level, 100)])
    k, _ = Stochastic.compute(series, series, series, fastk=3, slowk=1, slowd=1)
    np.testing.assert_array_equal(k[2:], 0.0)
    np.testing.assert_array_equal(WilliamsR.compute(series, series, series, period=3)[2:], 0.0)
    assert run_stream(WilliamsR, [series, series, series], period=3)[0][-1] == 0.0


def test_stochrsi_with_k_smoothing_is_stoch_of_rsi() -> None:
    close = 100 + np.cumsum(np.random.default_rng(4).normal(size=120))
    rsi = talib.RSI(close, 14)
    ref_k, ref_d = talib.STOCH(rsi, rsi, rsi, 14, 3, SMA_, 3, SMA_)
    k, d = StochRSI.compute(close, smooth_k=3)
    np.testing.assert_allclose(k, ref_k, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d, ref_d, rtol=1e-9, atol=1e-9)


def test_williams_r_by_hand() -> None:
    out = WilliamsR.compute([10.0, 12.0], [8.0, 9.0], [9.0, 11.0], period=2)
    np.testing.assert_allclose(out, [np.nan, (12 - 11) / (4 / -100)])


def test_cci_by_hand() -> None:
    # typical prices 1, 2, 6 (high = low = close); mean 3, mean deviation 2
    tp = np.array([1.0, 2.0, 6.0])
    out = CCI.compute(tp, tp, tp, period=3)
    np.testing.assert_allclose(out, [np.nan, np.nan, (6 - 3) / (0.015 * 2)])


def test_cci_of_a_flat_window_is_zero_even_when_its_mean_is_inexact() -> None:
    # Thirds: the mean of three equal typical prices can miss them by an ulp.
    high, low, close = np.full(8, 100.1), np.full(8, 99.7), np.full(8, 100.3)
    assert (CCI.compute(high, low, close, period=3)[2:] == 0.0).all()
    assert (run_stream(CCI, [high, low, close], period=3)[0][2:] == 0.0).all()


@pytest.mark.parametrize(
    ("cls", "kwargs", "param"),
    [
        (Stochastic, {"fastk": 0}, "fastk"),
        (Stochastic, {"slowd": -1}, "slowd"),
        (StochRSI, {"period": 1}, "period"),
        (StochRSI, {"d_period": 1.5}, "d_period"),
        (WilliamsR, {"period": "14"}, "period"),
        (WilliamsR, {"period": 1}, "period"),
        (CCI, {"period": 1}, "period"),
    ],
)
def test_bad_parameters(cls: Any, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: parameter '{param}'") as info:
        cls(**kwargs)
    assert info.value.parameter == param
