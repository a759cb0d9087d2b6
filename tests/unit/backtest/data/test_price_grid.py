"""Vectorised snapping onto tick tables agrees with `TickScheme.round`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.backtest.data.price_grid import on_grid, round_one, round_to_grid
from jts.domain.tick_rules import (
    KOSDAQ_BEFORE_2023,
    KOSPI_BEFORE_2023,
    KRX_EQUITY_2023,
    KRX_ETP,
    TickScheme,
)
from jts.domain.values import Price, Rounding

SCHEMES = [KRX_EQUITY_2023, KOSPI_BEFORE_2023, KOSDAQ_BEFORE_2023, KRX_ETP]


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(1, 3_000_000), min_size=1, max_size=40))
def test_integer_prices_snap_like_the_scalar_rule(scheme: TickScheme, values: list[int]) -> None:
    got = round_to_grid(np.array(values, dtype=np.float64), scheme)
    want = [scheme.round(Price(v), Rounding.NEAREST).raw for v in values]
    assert got.tolist() == want
    assert [round_one(float(v), scheme) for v in values] == want
    assert bool(np.all(on_grid(got, scheme)))


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(0.0, 3_000_000.0), min_size=1, max_size=40))
def test_model_floats_land_on_the_grid_next_to_the_value(
    scheme: TickScheme, values: list[float]
) -> None:
    got = round_to_grid(np.array(values, dtype=np.float64), scheme)
    assert bool(np.all(on_grid(got, scheme)))
    for value, raw in zip(values, got.tolist(), strict=True):
        assert round_one(value, scheme) == raw
        price = Price(raw)
        lowest = scheme.min_price()
        if price > lowest:
            below = scheme.next_down(price)
            assert value >= below.raw  # nothing on the grid between the value and the result
        above = scheme.next_up(price)
        assert value <= above.raw


def test_band_edges_and_the_minimum_price() -> None:
    values = np.array([4_997.4, 4_998.0, 19_996.0, 0.2, 0.0, 199_951.0], dtype=np.float64)
    assert round_to_grid(values, KRX_EQUITY_2023).tolist() == [4_995, 5_000, 20_000, 1, 1, 200_000]
    assert round_to_grid(np.array([2.0, 7.4]), KRX_ETP).tolist() == [5, 5]


def test_on_grid_flags_off_tick_and_non_positive_prices() -> None:
    raw = np.array([70_000, 70_050, 0, -100, 4_995, 5_005], dtype=np.int64)
    assert on_grid(raw, KRX_EQUITY_2023).tolist() == [True, False, False, False, True, False]
