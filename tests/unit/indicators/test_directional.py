from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import talib

from jts.indicators import (
    ADX,
    Aroon,
    AroonOscillator,
    IndicatorParameterError,
    MinusDI,
    PlusDI,
)
from tests.unit.indicators.helpers import check_against_talib, run_stream


def _hlc(d: dict[str, Any]) -> tuple[Any, Any, Any]:
    return d["high"], d["low"], d["close"]


def _aroon(d: dict[str, Any], n: int) -> tuple[Any, Any, Any]:
    down, up = talib.AROON(d["high"], d["low"], n)
    return up, down, talib.AROONOSC(d["high"], d["low"], n)


CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (ADX, {"period": 2}, lambda d: talib.ADX(*_hlc(d), 2)),
    (ADX, {"period": 14}, lambda d: talib.ADX(*_hlc(d), 14)),
    (PlusDI, {"period": 2}, lambda d: talib.PLUS_DI(*_hlc(d), 2)),
    (PlusDI, {"period": 14}, lambda d: talib.PLUS_DI(*_hlc(d), 14)),
    (MinusDI, {"period": 14}, lambda d: talib.MINUS_DI(*_hlc(d), 14)),
    (MinusDI, {"period": 30}, lambda d: talib.MINUS_DI(*_hlc(d), 30)),
    (Aroon, {"period": 2}, lambda d: _aroon(d, 2)),
    (Aroon, {"period": 14}, lambda d: _aroon(d, 14)),
    (AroonOscillator, {"period": 25}, lambda d: talib.AROONOSC(d["high"], d["low"], 25)),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_directional_indicators_by_hand() -> None:
    high = np.array([10.0, 11.0, 11.5, 11.0])
    low = np.array([9.0, 9.5, 10.5, 9.0])
    close = np.array([9.5, 10.5, 11.0, 9.5])
    # bar 1: +DM 1 (high +1, low +0.5), TR 1.5 ; bar 2: +DM 0.5, TR 1 ; bar 3: -DM 1.5, TR 2.
    # period 2: bar 1 is summed as is, then Wilder: s - s/2 + today.
    plus_dm, tr = 1 - 1 / 2 + 0.5, 1.5 - 1.5 / 2 + 1  # bar 2: 1 and 1.75
    plus = PlusDI.compute(high, low, close, period=2)
    minus = MinusDI.compute(high, low, close, period=2)
    assert plus[2] == pytest.approx(100 * plus_dm / tr)  # 57.14
    assert minus[2] == 0.0
    plus_dm, minus_dm, tr = plus_dm - plus_dm / 2, 1.5, tr - tr / 2 + 2  # bar 3
    assert plus[3] == pytest.approx(100 * plus_dm / tr)  # 17.39
    assert minus[3] == pytest.approx(100 * minus_dm / tr)  # 52.17
    # DX: 100 at bar 2 (only +DI), 100 * |52.17 - 17.39| / 69.57 = 50 at bar 3; ADX(2) = mean
    adx = ADX.compute(high, low, close, period=2)
    assert np.isnan(adx[2])
    assert adx[3] == pytest.approx((100 + 50) / 2)


def test_aroon_prefers_the_most_recent_of_equal_extremes() -> None:
    high = np.array([1.0, 3.0, 3.0, 2.0, 1.0])
    low = high - 1
    up, down, osc = Aroon.compute(high, low, period=3)
    # window of 4 bars ending at bar 3: the high 3 was last seen 1 bar ago
    assert up[3] == pytest.approx(100 * (3 - 1) / 3)
    assert down[3] == 0.0
    assert osc[3] == pytest.approx(up[3] - down[3])
    stream = run_stream(Aroon, [high, low], period=3)
    np.testing.assert_array_equal(stream[0], up)


def test_flat_bars_give_zero_directional_indicators() -> None:
    flat = np.full(12, 5.0)
    assert (PlusDI.compute(flat, flat, flat, period=3)[3:] == 0.0).all()
    assert (ADX.compute(flat, flat, flat, period=3)[5:] == 0.0).all()


@pytest.mark.parametrize("cls", [ADX, PlusDI, MinusDI, Aroon, AroonOscillator])
def test_period_below_two_is_refused_like_talib(cls: Any) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: parameter 'period'"):
        cls(period=1)
