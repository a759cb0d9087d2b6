from __future__ import annotations

import numpy as np
import pytest

from jts.indicators import ChoiceParam, FloatParam, IndicatorParameterError, IntParam, ParamSpec


class Owner:
    period = IntParam(14, minimum=2, maximum=100)
    factor = FloatParam(2.0, minimum=0.0, min_inclusive=False)
    kind = ChoiceParam("ema", ("ema", "sma"))


def test_int_param_accepts_only_integers_in_range() -> None:
    p = Owner.period
    assert p.coerce("x", 5) == 5
    assert p.coerce("x", np.int32(5)) == 5
    for bad in (1, 101, 5.0, True, "5", None):
        with pytest.raises(
            IndicatorParameterError, match=r"x: parameter 'period' must be an int in 2\.\.100"
        ):
            p.coerce("x", bad)


def test_float_param_accepts_ints_and_refuses_non_finite() -> None:
    p = Owner.factor
    assert p.coerce("x", 3) == 3.0
    assert isinstance(p.coerce("x", np.float32(0.5)), float)
    for bad in (0.0, -1.0, float("inf"), float("nan"), False, "2.0"):
        with pytest.raises(
            IndicatorParameterError, match=r"x: parameter 'factor' must be a float > 0\.0"
        ):
            p.coerce("x", bad)


def test_choice_param() -> None:
    assert Owner.kind.coerce("x", "sma") == "sma"
    with pytest.raises(IndicatorParameterError, match="must be one of 'ema', 'sma', got 'EMA'"):
        Owner.kind.coerce("x", "EMA")


def test_specs_describe_the_rules() -> None:
    assert Owner.period.spec() == ParamSpec("period", int, 14, 2, 100, True, None, "")
    assert Owner.period.spec().describe() == "an int in 2..100"
    assert Owner.factor.spec().describe() == "a float > 0.0"
    assert ParamSpec("n", int, 1, 0, None).describe() == "an int >= 0"
    assert ParamSpec("n", float, 1.0).describe() == "a float"
    assert Owner.kind.spec().describe() == "one of 'ema', 'sma'"
