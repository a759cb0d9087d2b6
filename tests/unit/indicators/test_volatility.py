from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import talib
from talib._ta_lib import MA_Type

from jts.indicators import (
    ATR,
    EMA,
    NATR,
    BollingerBands,
    DonchianChannels,
    IndicatorParameterError,
    KeltnerChannels,
    TrueRange,
)
from tests.unit.indicators.helpers import check_against_talib, ohlcv, run_stream


def _hlc(d: dict[str, Any]) -> tuple[Any, Any, Any]:
    return d["high"], d["low"], d["close"]


SMA_ = MA_Type.SMA

CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (TrueRange, {}, lambda d: talib.TRANGE(*_hlc(d))),
    (ATR, {"period": 1}, lambda d: talib.ATR(*_hlc(d), 1)),
    (ATR, {"period": 14}, lambda d: talib.ATR(*_hlc(d), 14)),
    (ATR, {"period": 50}, lambda d: talib.ATR(*_hlc(d), 50)),
    (NATR, {"period": 14}, lambda d: talib.NATR(*_hlc(d), 14)),
    (BollingerBands, {}, lambda d: talib.BBANDS(d["close"], 20, 2.0, 2.0, SMA_)),
    (
        BollingerBands,
        {"period": 5, "nbdev_up": 1.5, "nbdev_dn": 0.5},
        lambda d: talib.BBANDS(d["close"], 5, 1.5, 0.5, SMA_),
    ),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_true_range_reaches_to_the_previous_close() -> None:
    high, low, close = [10.0, 12.0, 9.0], [9.0, 11.0, 8.0], [9.5, 11.5, 8.5]
    # bar 1 gaps up: 12 - 9.5; bar 2 gaps down: 11.5 - 8
    np.testing.assert_array_equal(TrueRange.compute(high, low, close), [np.nan, 2.5, 3.5])


def test_atr_is_seeded_with_the_mean_true_range() -> None:
    high, low, close = [10.0, 11.0, 13.0, 12.0], [8.0, 9.0, 10.0, 10.0], [9.0, 10.0, 12.0, 11.0]
    # TR: -, 2, 3, 2 ; ATR(2): (2+3)/2 = 2.5, then (2.5*1 + 2)/2
    np.testing.assert_array_equal(
        ATR.compute(high, low, close, period=2), [np.nan, np.nan, 2.5, 2.25]
    )


def test_keltner_by_hand() -> None:
    high, low, close = [11.0, 12.0, 13.0], [9.0, 10.0, 11.0], [10.0, 11.0, 12.0]
    # EMA(2): seed 10.5, then 10.5 + (12 - 10.5) * 2/3 = 11.5 ; ATR(2) at bar 2: (2 + 2) / 2
    upper, middle, lower = KeltnerChannels.compute(
        high, low, close, period=2, atr_period=2, multiplier=1.0
    )
    np.testing.assert_allclose(middle, [np.nan, np.nan, 11.5])
    np.testing.assert_allclose(upper, [np.nan, np.nan, 13.5])
    np.testing.assert_allclose(lower, [np.nan, np.nan, 9.5])


def test_keltner_is_ema_plus_minus_atr() -> None:
    d = ohlcv(8, 200)
    h, lo, c = d["high"], d["low"], d["close"]
    upper, middle, lower = KeltnerChannels.compute(
        h, lo, c, period=20, atr_period=10, multiplier=2.5
    )
    ema, atr = EMA.compute(c, period=20), ATR.compute(h, lo, c, period=10)
    assert KeltnerChannels().lookback == 19
    np.testing.assert_array_equal(middle, ema)
    np.testing.assert_array_equal(upper, ema + atr * 2.5)
    np.testing.assert_array_equal(lower, ema - atr * 2.5)
    # the ATR is the longer warm-up: the middle waits for it
    _, middle2, _ = KeltnerChannels.compute(h, lo, c, period=5, atr_period=12)
    assert np.isnan(middle2[:12]).all()
    assert not np.isnan(middle2[12:]).any()


def test_donchian_by_hand() -> None:
    high = [3.0, 5.0, 4.0, 2.0, 6.0]
    low = [1.0, 2.0, 0.0, 1.0, 3.0]
    upper, middle, lower = DonchianChannels.compute(high, low, period=3)
    np.testing.assert_array_equal(upper, [np.nan, np.nan, 5.0, 5.0, 6.0])
    np.testing.assert_array_equal(lower, [np.nan, np.nan, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(middle, [np.nan, np.nan, 2.5, 2.5, 3.0])
    stream = run_stream(DonchianChannels, [high, low], period=3)
    np.testing.assert_array_equal(stream[0], upper)


def test_bollinger_bands_on_a_flat_series_collapse() -> None:
    upper, _, lower = BollingerBands.compute(np.full(30, 70_000.0), period=20)
    np.testing.assert_array_equal(upper[19:], 70_000.0)
    np.testing.assert_array_equal(lower[19:], 70_000.0)


def test_bollinger_bands_stay_exact_on_large_quiet_prices() -> None:
    # 1,000,000-won shares moving by a few won: the shifted sums keep the deviation accurate.
    rng = np.random.default_rng(11)
    x = 1_000_000.0 + np.round(rng.normal(size=400) * 5)
    upper, middle, _ = BollingerBands.compute(x, period=20, nbdev_up=1.0)
    ref = np.array([np.std(x[i - 19 : i + 1]) for i in range(19, 400)])
    np.testing.assert_allclose((upper - middle)[19:], ref, rtol=1e-9)


@pytest.mark.parametrize(
    ("cls", "kwargs", "param"),
    [
        (ATR, {"period": 0}, "period"),
        (NATR, {"period": 3.0}, "period"),
        (BollingerBands, {"nbdev_up": -1.0}, "nbdev_up"),
        (BollingerBands, {"nbdev_dn": float("nan")}, "nbdev_dn"),
        (KeltnerChannels, {"multiplier": 0}, "multiplier"),
        (KeltnerChannels, {"atr_period": None}, "atr_period"),
        (DonchianChannels, {"period": 0}, "period"),
    ],
)
def test_bad_parameters(cls: Any, kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: parameter '{param}'"):
        cls(**kwargs)
