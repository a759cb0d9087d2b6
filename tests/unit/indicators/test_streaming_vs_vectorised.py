"""The contract every indicator keeps: streaming and vectorised forms agree bit for bit.

Property tests over random bar series (ties, flat stretches, zero volume, NaN warm-up padding,
prices from 0.001 to 1,000,000) and random valid parameters, for every built-in indicator.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jts.indicators import BUILTIN_INDICATORS, BaseIndicator
from tests.unit.indicators.helpers import (
    assert_identical,
    inputs_for,
    market_data,
    ohlcv,
    params_for,
    rows_to_outputs,
    vectorised,
)

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _start(cls: type[BaseIndicator], inputs: list[Any]) -> int:
    """First index where every price input is a number (where both forms begin)."""
    arrays = [
        np.asarray(x, dtype=float)
        for n, x in zip(cls.inputs, inputs, strict=True)
        if n != "session"
    ]
    valid = np.logical_and.reduce([~np.isnan(a) for a in arrays])
    return int(np.argmax(valid)) if valid.any() else len(valid)


@pytest.mark.parametrize("cls", BUILTIN_INDICATORS, ids=lambda c: c.name)
@FAST
@given(data=market_data(), draw=st.data())
def test_streaming_equals_vectorised_with_the_same_warm_up(
    cls: type[BaseIndicator], data: dict[str, Any], draw: st.DataObject
) -> None:
    params = draw.draw(params_for(cls), label="params")
    inputs = inputs_for(cls, data)
    n = len(inputs[0])
    ind = cls(**params)
    rows, ready = [], []
    for bar in zip(*inputs, strict=True):
        rows.append(ind.update(*bar))
        ready.append(ind.ready)
    stream = rows_to_outputs(cls, rows)
    vec = vectorised(cls, inputs, **params)
    for name, v, s in zip(cls.outputs, vec, stream, strict=True):
        assert v.shape == (n,)
        assert_identical(v, s, f"{cls.name}.{name}")

    ready_at = _start(cls, inputs) + ind.lookback
    assert ready == [i >= ready_at for i in range(n)]
    if cls.output_kind == "bool":
        return
    defined = np.column_stack([~np.isnan(v) for v in vec]) if n else np.zeros((0, 1), bool)
    # Every output has a value exactly when the indicator is ready; before that, at least one
    # is missing (all of them, except for Ichimoku whose lines start one by one).
    assert np.array_equal(defined.all(axis=1), np.asarray(ready, dtype=bool))
    if cls.name != "ichimoku":
        assert not defined[~np.asarray(ready, dtype=bool)].any()


@pytest.mark.parametrize("cls", BUILTIN_INDICATORS, ids=lambda c: c.name)
def test_reset_forgets_everything(cls: type[BaseIndicator]) -> None:
    inputs = inputs_for(cls, ohlcv(5, 120))
    ind = cls()
    first = [ind.update(*bar) for bar in zip(*inputs, strict=True)]
    ind.reset()
    assert not ind.ready
    second = [ind.update(*bar) for bar in zip(*inputs, strict=True)]
    assert repr(first) == repr(second)  # repr: NaN == NaN


@pytest.mark.parametrize("cls", BUILTIN_INDICATORS, ids=lambda c: c.name)
def test_state_survives_a_pickle_round_trip_mid_stream(cls: type[BaseIndicator]) -> None:
    """A live node saves its strategies' indicators and resumes them after a restart."""
    bars = list(zip(*inputs_for(cls, ohlcv(6, 120)), strict=True))
    live = cls()
    for bar in bars[:70]:
        live.update(*bar)
    restored = pickle.loads(pickle.dumps(live))
    assert restored.params == live.params
    assert repr([restored.update(*b) for b in bars[70:]]) == repr(
        [live.update(*b) for b in bars[70:]]
    )
