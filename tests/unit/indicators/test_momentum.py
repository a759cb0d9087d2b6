from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import talib
from talib._ta_lib import MA_Type

from jts.indicators import APO, MACD, MOM, PPO, ROC, RSI, TRIX, IndicatorParameterError
from tests.unit.indicators.helpers import check_against_talib, run_stream

SMA_, EMA_ = MA_Type.SMA, MA_Type.EMA

CASES: list[tuple[Any, dict[str, Any], Any]] = [
    (RSI, {"period": 2}, lambda d: talib.RSI(d["close"], 2)),
    (RSI, {"period": 14}, lambda d: talib.RSI(d["close"], 14)),
    (MACD, {}, lambda d: talib.MACD(d["close"], 12, 26, 9)),
    (MACD, {"fast": 3, "slow": 10, "signal": 1}, lambda d: talib.MACD(d["close"], 3, 10, 1)),
    (MACD, {"fast": 5, "slow": 6, "signal": 4}, lambda d: talib.MACD(d["close"], 5, 6, 4)),
    (PPO, {}, lambda d: talib.PPO(d["close"], 12, 26, EMA_)),
    (PPO, {"ma": "sma", "fast": 3, "slow": 7}, lambda d: talib.PPO(d["close"], 3, 7, SMA_)),
    (APO, {}, lambda d: talib.APO(d["close"], 12, 26, EMA_)),
    (APO, {"ma": "sma"}, lambda d: talib.APO(d["close"], 12, 26, SMA_)),
    (ROC, {"period": 1}, lambda d: talib.ROC(d["close"], 1)),
    (ROC, {"period": 10}, lambda d: talib.ROC(d["close"], 10)),
    (MOM, {"period": 1}, lambda d: talib.MOM(d["close"], 1)),
    (MOM, {"period": 10}, lambda d: talib.MOM(d["close"], 10)),
    (TRIX, {"period": 1}, lambda d: talib.TRIX(d["close"], 1)),
    (TRIX, {"period": 15}, lambda d: talib.TRIX(d["close"], 15)),
]


@pytest.mark.parametrize(
    ("cls", "params", "reference"), CASES, ids=[f"{c.name}-{p}" for c, p, _ in CASES]
)
def test_matches_talib(cls: Any, params: dict[str, Any], reference: Any) -> None:
    check_against_talib(cls, params, reference)


def test_rsi_by_hand() -> None:
    x = np.array([10.0, 11.0, 10.0, 12.0, 12.0])
    # period 2: first changes +1, -1 -> gain 0.5, loss 0.5 -> 50; then +2: gain (0.5+2)/2,
    # loss 0.5/2 -> 100 * 1.25 / 1.5; then 0: gain 0.625, loss 0.125
    np.testing.assert_allclose(
        RSI.compute(x, period=2), [np.nan, np.nan, 50.0, 100 * 1.25 / 1.5, 100 * 0.625 / 0.75]
    )


def test_rsi_of_a_flat_series_is_zero_as_in_talib() -> None:
    assert RSI.compute(np.full(10, 7.0), period=3)[-1] == 0.0


def test_roc_over_a_zero_is_zero_not_infinite() -> None:
    out = ROC.compute(np.array([0.0, 5.0, 10.0]), period=1)
    np.testing.assert_array_equal(out, [np.nan, 0.0, 100.0])
    np.testing.assert_array_equal(run_stream(ROC, [[0.0, 5.0, 10.0]], period=1)[0], out)


def test_ppo_over_a_zero_average_is_zero() -> None:
    x = np.zeros(30)
    assert PPO.compute(x, fast=2, slow=3)[-1] == 0.0
    assert PPO(fast=2, slow=3).update(0.0) != PPO(fast=2, slow=3).update(0.0)  # NaN in warm-up


def test_macd_outputs_by_name() -> None:
    x = 100 + np.sin(np.arange(60) / 5)
    result = MACD.compute(x, fast=3, slow=6, signal=4)
    assert result._fields == ("macd", "signal", "hist")
    np.testing.assert_array_equal(result.hist, result.macd - result.signal)
    ind = MACD(3, 6, 4)
    for value in x:
        ind.update(value)
    assert ind.output("signal") == result.signal[-1]
    assert ind.value == result.macd[-1]
    assert ind.lookback == 5 + 3
    with pytest.raises(IndicatorParameterError, match="has no output 'sig'"):
        ind.output("sig")


@pytest.mark.parametrize("cls", [MACD, PPO, APO])
def test_fast_must_be_below_slow(cls: Any) -> None:
    with pytest.raises(IndicatorParameterError, match=f"{cls.name}: fast \\(26\\) must be below"):
        cls(fast=26, slow=12)


def test_ma_kind_is_checked() -> None:
    with pytest.raises(IndicatorParameterError, match="parameter 'ma' must be one of 'ema', 'sma'"):
        PPO(ma="wma")


def test_rsi_period_one_is_refused_like_talib() -> None:
    with pytest.raises(
        IndicatorParameterError, match="rsi: parameter 'period' must be an int in 2"
    ):
        RSI(1)
