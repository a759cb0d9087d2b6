from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import talib

from jts.indicators import ATR, Ichimoku, IndicatorParameterError, ParabolicSAR, SuperTrend
from tests.unit.indicators.helpers import check_against_talib, ohlcv, run_stream

SAR_CASES = [
    {},
    {"acceleration": 0.01, "maximum": 0.1},
    {"acceleration": 0.2, "maximum": 0.2},
    {"acceleration": 0.05, "maximum": 0.5},
]


@pytest.mark.parametrize("params", SAR_CASES, ids=str)
def test_sar_matches_talib(params: dict[str, Any]) -> None:
    accel, maximum = params.get("acceleration", 0.02), params.get("maximum", 0.2)
    check_against_talib(
        ParabolicSAR, params, lambda d: talib.SAR(d["high"], d["low"], accel, maximum), ("sar",)
    )


def test_sar_direction_is_the_side_of_the_stop() -> None:
    d = ohlcv(21, 300)
    sar, direction = ParabolicSAR.compute(d["high"], d["low"])
    assert np.isnan(direction[0])
    long, short = direction == 1.0, direction == -1.0
    assert (long | short)[1:].all()
    # a long stop sits under the bar's low, a short one over its high (on the bar it applies to,
    # a reversal bar's stop is the new side's)
    flips = np.flatnonzero(np.diff(direction[1:]) != 0) + 2
    steady = np.setdiff1d(np.arange(1, 300), flips)
    assert (sar[steady][long[steady]] < d["low"][steady][long[steady]]).all()
    assert (sar[steady][short[steady]] > d["high"][steady][short[steady]]).all()
    assert flips.size > 5


def test_sar_starts_short_when_the_second_bar_falls_more_than_it_rises() -> None:
    sar, direction = ParabolicSAR.compute([10.0, 9.8, 9.5], [9.0, 8.0, 7.5])
    assert direction[1] == -1.0
    assert sar[1] == 10.0  # the first bar's high


def test_supertrend_by_hand() -> None:
    high = [10.0, 11.0, 13.0, 12.0, 10.0]
    low = [8.0, 9.0, 11.0, 10.0, 8.0]
    close = [9.0, 10.5, 12.5, 10.2, 9.0]
    # period 1: ATR = true range = 2, 2.5, 2.5, 2.2 from bar 1; hl2 = 10, 12, 11, 9
    # bar 1 starts down on the upper band 12; bar 2 closes 12.5 above it -> up on the lower band
    # max(8, 9.5); bar 3 holds (10.2 > 9.5); bar 4 closes 9.0 under 9.5 -> down on the upper
    # band, which fell to 9 + 2.2 because the previous close (10.2) was under it.
    line, direction = SuperTrend.compute(high, low, close, period=1, multiplier=1.0)
    np.testing.assert_allclose(line, [np.nan, 12.0, 9.5, 9.5, 11.2])
    np.testing.assert_array_equal(direction, [np.nan, -1.0, 1.0, 1.0, -1.0])
    stream = run_stream(SuperTrend, [high, low, close], period=1, multiplier=1.0)
    np.testing.assert_array_equal(stream[0], line)


def _pine_supertrend(h: Any, lo: Any, c: Any, period: int, factor: float) -> tuple[Any, Any]:
    """TradingView's ``ta.supertrend`` as published in its reference, bar by bar."""
    atr = ATR.compute(h, lo, c, period=period)
    line, direction = np.full(len(c), np.nan), np.full(len(c), np.nan)
    upper = lower = 0.0
    for i in range(period, len(c)):
        src = (h[i] + lo[i]) / 2
        up_band, low_band = src + factor * atr[i], src - factor * atr[i]
        prev_lower, prev_upper = lower, upper
        if i > period:
            low_band = low_band if low_band > prev_lower or c[i - 1] < prev_lower else prev_lower
            up_band = up_band if up_band < prev_upper or c[i - 1] > prev_upper else prev_upper
        if i == period:
            pine_dir = 1
        elif line[i - 1] == prev_upper:
            pine_dir = -1 if c[i] > up_band else 1
        else:
            pine_dir = 1 if c[i] < low_band else -1
        lower, upper = low_band, up_band
        line[i] = low_band if pine_dir == -1 else up_band
        direction[i] = -pine_dir  # Pine: -1 is an uptrend
    return line, direction


def test_supertrend_matches_tradingviews_definition() -> None:
    d = ohlcv(22, 400)
    h, lo, c = d["high"], d["low"], d["close"]
    line, direction = SuperTrend.compute(h, lo, c, period=10, multiplier=3.0)
    ref_line, ref_direction = _pine_supertrend(h, lo, c, 10, 3.0)
    np.testing.assert_allclose(line, ref_line, rtol=1e-12)
    np.testing.assert_array_equal(direction, ref_direction)
    assert set(np.unique(direction[10:])) == {-1.0, 1.0}
    up = direction == 1.0
    assert (c[up] >= line[up]).all()  # an uptrend ends when the close breaks the lower band


def test_ichimoku_by_hand() -> None:
    high = np.array([10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 10.0])
    low = high - 2
    close = high - 1
    out = Ichimoku.compute(high, low, close, tenkan=2, kijun=3, senkou_b=4, displacement=2)
    nan = np.nan
    np.testing.assert_array_equal(out.tenkan, [nan, 9.5, 10.5, 10.5, 9.5, 8.5, 8.5])
    np.testing.assert_array_equal(out.kijun, [nan, nan, 10.0, 10.5, 10.0, 9.0, 8.5])
    # (tenkan + kijun) / 2 = 10.25, 10.5, 9.75 ... drawn 2 bars later
    np.testing.assert_array_equal(out.senkou_a, [nan, nan, nan, nan, 10.25, 10.5, 9.75])
    # the 4-bar midpoints 10, 10, ... drawn 2 bars later
    np.testing.assert_array_equal(out.senkou_b, [nan, nan, nan, nan, nan, 10.0, 10.0])
    np.testing.assert_array_equal(out.chikou, close)
    ind = Ichimoku(tenkan=2, kijun=3, senkou_b=4, displacement=2)
    assert ind.lookback == 5
    for i, bar in enumerate(zip(high, low, close, strict=True)):
        values = ind.update(*bar)
        assert ind.ready == (i >= 5)
    assert values == tuple(float(getattr(out, name)[-1]) for name in Ichimoku.outputs)


def test_ichimoku_uses_no_future_data() -> None:
    d = ohlcv(23, 200)
    full = Ichimoku.compute(d["high"], d["low"], d["close"])
    cut = Ichimoku.compute(d["high"][:120], d["low"][:120], d["close"][:120])
    for a, b in zip(full, cut, strict=True):
        np.testing.assert_array_equal(a[:120], b)


def test_sar_acceleration_must_not_exceed_the_maximum() -> None:
    with pytest.raises(IndicatorParameterError, match=r"sar: acceleration \(0.3\) must not exceed"):
        ParabolicSAR(acceleration=0.3, maximum=0.2)


@pytest.mark.parametrize(
    ("cls", "kwargs", "param"),
    [
        (ParabolicSAR, {"acceleration": 0.0}, "acceleration"),
        (ParabolicSAR, {"maximum": "0.2"}, "maximum"),
        (SuperTrend, {"period": 0}, "period"),
        (SuperTrend, {"multiplier": -3}, "multiplier"),
        (Ichimoku, {"displacement": -1}, "displacement"),
        (Ichimoku, {"tenkan": 0}, "tenkan"),
    ],
)
def test_bad_parameters(cls: Any, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: parameter '{param}'"):
        cls(**kwargs)
