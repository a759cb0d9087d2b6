from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import talib

from jts.indicators import DEMA, EMA, HMA, KAMA, SMA, TEMA, WMA, IndicatorParameterError
from tests.unit.indicators.helpers import check_against_talib, run_stream

CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (SMA, {"period": 1}, lambda d: talib.SMA(d["close"], 1)),
    (SMA, {"period": 2}, lambda d: talib.SMA(d["close"], 2)),
    (SMA, {"period": 30}, lambda d: talib.SMA(d["close"], 30)),
    (EMA, {"period": 1}, lambda d: talib.EMA(d["close"], 1)),
    (EMA, {"period": 12}, lambda d: talib.EMA(d["close"], 12)),
    (EMA, {"period": 50}, lambda d: talib.EMA(d["close"], 50)),
    (WMA, {"period": 1}, lambda d: talib.WMA(d["close"], 1)),
    (WMA, {"period": 2}, lambda d: talib.WMA(d["close"], 2)),
    (WMA, {"period": 20}, lambda d: talib.WMA(d["close"], 20)),
    (DEMA, {"period": 2}, lambda d: talib.DEMA(d["close"], 2)),
    (DEMA, {"period": 15}, lambda d: talib.DEMA(d["close"], 15)),
    (TEMA, {"period": 3}, lambda d: talib.TEMA(d["close"], 3)),
    (TEMA, {"period": 20}, lambda d: talib.TEMA(d["close"], 20)),
    (KAMA, {"period": 2}, lambda d: talib.KAMA(d["close"], 2)),
    (KAMA, {"period": 10}, lambda d: talib.KAMA(d["close"], 10)),
    (KAMA, {"period": 30}, lambda d: talib.KAMA(d["close"], 30)),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_sma_and_ema_by_hand() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(SMA.compute(x, period=3), [np.nan, np.nan, 2.0, 3.0, 4.0])
    # k = 2/4; seeded with the mean of 1, 2, 3
    np.testing.assert_array_equal(EMA.compute(x, period=3), [np.nan, np.nan, 2.0, 3.0, 4.0])
    # k = 2/3, seed (2 + 4) / 2 = 3, then 3 + (6 - 3) * 2/3 = 5, then 5 + (0 - 5) * 2/3 = 5/3
    np.testing.assert_allclose(
        EMA.compute([2.0, 4.0, 6.0, 0.0], period=2), [np.nan, 3.0, 5.0, 5.0 / 3], rtol=1e-15
    )


def test_wma_weights_newest_most() -> None:
    x = np.array([1.0, 2.0, 6.0])
    assert WMA.compute(x, period=3)[-1] == pytest.approx((1 * 1 + 2 * 2 + 6 * 3) / 6)


def test_hma_of_a_straight_line_has_no_lag() -> None:
    x = np.arange(1.0, 31.0)
    out = HMA.compute(x, period=9)
    lookback = HMA(9).lookback
    assert lookback == 8 + 2
    assert np.isnan(out[:lookback]).all()
    np.testing.assert_allclose(out[lookback:], x[lookback:], rtol=1e-12)


def test_hma_by_its_definition() -> None:
    x = np.array([5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0, 4.0, 6.0])

    def wma(values: np.ndarray) -> float:
        w = np.arange(1, len(values) + 1)
        return float(values @ w / w.sum())

    # period 4: half 2, smoothing floor(sqrt(4)) = 2
    raw = {t: 2 * wma(x[t - 1 : t + 1]) - wma(x[t - 3 : t + 1]) for t in range(3, len(x))}
    expected = [np.nan] * 4 + [wma(np.array([raw[t - 1], raw[t]])) for t in range(4, len(x))]
    np.testing.assert_allclose(HMA.compute(x, period=4), expected, rtol=1e-12)
    np.testing.assert_allclose(run_stream(HMA, [x], period=4)[0], expected, rtol=1e-12)


def test_kama_needs_fast_below_slow() -> None:
    with pytest.raises(IndicatorParameterError, match="kama: fast \\(30\\) must be below slow"):
        KAMA(fast=30, slow=30)


def test_kama_follows_a_trend_at_the_fast_rate() -> None:
    # A straight line is perfectly efficient (ER = 1): the constant is (2/3)^2 every bar.
    x = np.arange(10.0)
    out = KAMA.compute(x, period=3)
    prev = 2.0
    for t in range(3, 10):
        prev += (x[t] - prev) * (2 / 3) ** 2
        assert out[t] == pytest.approx(prev, rel=1e-15)


@pytest.mark.parametrize("cls", [SMA, EMA, WMA, DEMA, TEMA, KAMA, HMA])
@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True, None, 100_001])
def test_bad_period_is_refused(cls: Any, bad: object) -> None:
    with pytest.raises(IndicatorParameterError) as info:
        cls(period=bad)
    assert info.value.indicator == cls.name
    assert info.value.parameter == "period"
    assert f"{cls.name}: parameter 'period' must be an int in" in str(info.value)
