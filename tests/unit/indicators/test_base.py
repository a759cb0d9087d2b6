"""The API every indicator shares: construction, inputs, missing data, outputs."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from jts.indicators import (
    ATR,
    MACD,
    SMA,
    VWAP,
    BollingerBands,
    CrossOver,
    IndicatorInputError,
    IndicatorParameterError,
    Stochastic,
)


def test_parameters_by_position_or_name() -> None:
    assert repr(SMA(10)) == repr(SMA(period=10)) == "SMA(period=10)"
    assert MACD(5, 10).params == {"fast": 5, "slow": 10, "signal": 9}
    assert SMA(np.int64(7)).period == 7
    assert type(SMA(np.int64(7)).period) is int


def test_wrong_arity_and_unknown_names_are_reported() -> None:
    with pytest.raises(
        IndicatorParameterError, match="sma: takes at most 1 parameter\\(s\\) \\(period\\), got 2"
    ):
        SMA(10, 20)
    with pytest.raises(
        IndicatorParameterError,
        match="macd: unknown parameter 'fastperiod'; parameters are: fast, slow, signal",
    ) as info:
        MACD(fastperiod=12)
    assert info.value.parameter == "fastperiod"
    with pytest.raises(IndicatorParameterError, match="given both by position and by name"):
        SMA(10, period=10)


def test_bind_params_checks_without_building() -> None:
    assert MACD.bind_params(3, slow=8) == {"fast": 3, "slow": 8, "signal": 9}
    with pytest.raises(IndicatorParameterError, match="fast \\(8\\) must be below slow \\(3\\)"):
        MACD.bind_params(8, 3)


def test_compute_validates_inputs() -> None:
    with pytest.raises(
        IndicatorInputError, match="atr: takes 3 input\\(s\\) \\(high, low, close\\), got 2"
    ):
        ATR.compute([1.0], [1.0])
    with pytest.raises(IndicatorInputError, match="sma: input 'close' must be one-dimensional"):
        SMA.compute(np.ones((3, 2)))
    with pytest.raises(IndicatorInputError, match="sma: input 'close' must be one-dimensional"):
        SMA.compute(5.0)
    with pytest.raises(IndicatorInputError, match="atr: input 'low' has length 2, expected 3"):
        ATR.compute([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(IndicatorInputError, match="sma: input 'close' must hold numbers"):
        SMA.compute(["a", "b"])
    with pytest.raises(IndicatorInputError, match="sma: input 'close' must hold numbers"):
        SMA.compute(np.array([True, False]))
    with pytest.raises(IndicatorInputError, match="cross_over: input 'b' must be numeric"):
        CrossOver.compute([1.0, 2.0], "2")


def test_compute_accepts_lists_ints_and_constant_later_inputs() -> None:
    np.testing.assert_array_equal(SMA.compute([1, 2, 3], period=2), [np.nan, 1.5, 2.5])
    np.testing.assert_array_equal(CrossOver.compute([1.0, 3.0], 2), [False, True])
    assert SMA.compute(np.array([], dtype=float), period=3).shape == (0,)


def test_compute_does_not_touch_its_inputs() -> None:
    base = np.array([np.nan, 0.0, 3.0, 0.0, 1.0, 0.0, 4.0, 0.0])
    x = base[::2]  # a strided view with warm-up padding: converted, never written
    before = x.copy()
    SMA.compute(x, period=2)
    Stochastic.compute(x, x, x, fastk=2, slowk=1, slowd=1)
    np.testing.assert_array_equal(x, before)


def test_too_short_an_input_is_all_warm_up() -> None:
    assert np.isnan(SMA.compute([1.0, 2.0], period=3)).all()
    assert not CrossOver.compute([1.0], [0.0]).any()


def test_leading_nans_are_warm_up_padding_in_both_forms() -> None:
    x = [np.nan, np.nan, 1.0, 2.0, 3.0]
    np.testing.assert_array_equal(SMA.compute(x, period=2), [np.nan, np.nan, np.nan, 1.5, 2.5])
    sma = SMA(2)
    assert math.isnan(sma.update(np.nan))
    assert not sma.ready
    assert [sma.update(v) for v in (1.0, 2.0)][-1] == 1.5


def test_a_gap_after_the_start_is_an_error_in_both_forms() -> None:
    with pytest.raises(
        IndicatorInputError,
        match="sma: input 'close' has a NaN at index 3, after the series started at index 1",
    ):
        SMA.compute([np.nan, 1.0, 2.0, np.nan, 3.0], period=2)
    sma = SMA(2)
    sma.update(1.0)
    with pytest.raises(IndicatorInputError, match="sma: NaN input after 1 values"):
        sma.update(float("nan"))
    atr = ATR(3)
    atr.update(2.0, 1.0, 1.5)
    with pytest.raises(IndicatorInputError, match="atr: NaN input"):
        atr.update(2.0, float("nan"), 1.5)


def test_multi_output_access() -> None:
    bands = BollingerBands(period=3, nbdev_up=1.0, nbdev_dn=1.0)
    assert bands.values == (bands.value, bands.output("middle"), bands.output("lower"))
    for x in (1.0, 2.0, 3.0):
        upper, middle, _ = bands.update(x)
    assert bands.ready
    assert middle == bands.output("middle") == 2.0
    assert upper == bands.value == pytest.approx(2.0 + math.sqrt(2 / 3))
    result = BollingerBands.compute([1.0, 2.0, 3.0], period=3)
    assert result._fields == ("upper", "middle", "lower")
    assert result.middle[-1] == 2.0
    with pytest.raises(AttributeError, match="no output 'mid'"):
        _ = result.mid
    again = pickle.loads(pickle.dumps(result))  # results travel to sweep workers
    assert type(again) is BollingerBands.Result
    np.testing.assert_array_equal(again.upper, result.upper)
    assert list(BollingerBands.compute_outputs([1.0, 2.0, 3.0], period=3)) == [
        "upper",
        "middle",
        "lower",
    ]


def test_session_input_is_kept_as_integers() -> None:
    out = VWAP.compute(
        [2.0, 2.0], [2.0, 2.0], [2.0, 2.0], [1.0, 1.0], np.array([7, 7], dtype=np.uint32)
    )
    np.testing.assert_array_equal(out, [2.0, 2.0])
    assert VWAP().update(3.0, 1.0, 2.0, 5.0, 20240102) == 2.0
