"""The exact integer kernels equal the exact Python definitions they replace, on random
values: grid rounding (`TickScheme.round`), daily limits (`krx_daily_limits`; whole-array numpy
in `jts.dsl.vector.market`, held to the compiled grid rounding up to the overflow range), stop
levels (`jts.dsl.streaming.stops.on_grid`) and the risk divisor (``Fraction(per)``)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import InvalidPriceError
from jts.domain.instruments import InstrumentKind, Market, krx_equity
from jts.domain.price_limits import krx_daily_limits
from jts.domain.tick_rules import KOSDAQ_BEFORE_2023, KRX_EQUITY_2023, KRX_ETP, TickScheme
from jts.domain.values import Price, Rounding
from jts.dsl.streaming.stops import _Offset, on_grid
from jts.dsl.vector.grid import grid_tables
from jts.dsl.vector.kernels import (
    STOP_DISTANCE,
    STOP_PERCENT,
    grid_down,
    grid_up,
    max_drawdown,
    risk_units,
    stop_level,
)
from jts.dsl.vector.market import daily_limits

SCHEMES = [KRX_EQUITY_2023, KOSDAQ_BEFORE_2023, KRX_ETP]
#: (market, kind, day): instruments whose tick table is each of SCHEMES
ERAS = [
    (Market.KOSPI, InstrumentKind.STOCK, dt.date(2024, 3, 4)),
    (Market.KOSDAQ, InstrumentKind.STOCK, dt.date(2022, 3, 4)),
    (Market.KOSPI, InstrumentKind.ETF, dt.date(2024, 3, 4)),
]
PRICES = st.integers(min_value=1, max_value=3_000_000)


def _arrays(scheme: TickScheme) -> tuple[np.ndarray, np.ndarray, int]:
    lows = np.array([b.lower.raw_at(0) for b in scheme.bands], dtype=np.int64)
    ticks = np.array([b.tick.raw_at(0) for b in scheme.bands], dtype=np.int64)
    return lows, ticks, len(scheme.bands)


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(SCHEMES),
    raw=st.integers(min_value=1, max_value=10**9),
    digits=st.sampled_from([0, 0, 1, 2, 4]),
)
def test_grid_rounding_is_tick_scheme_round(scheme: TickScheme, raw: int, digits: int) -> None:
    lows, ticks, bands = _arrays(scheme)
    price = Price.from_raw(raw, digits)  # a price with more decimals than the grid, too
    n, d = raw, 10**digits
    assert grid_up(n, d, lows, ticks, bands) == scheme.round(price, Rounding.UP).raw_at(0)
    try:
        expected = scheme.round(price, Rounding.DOWN).raw_at(0)
    except InvalidPriceError:
        expected = 0
    assert grid_down(n, d, lows, ticks, bands) == expected


def test_rounding_up_across_a_band_lands_on_its_bound() -> None:
    lows, ticks, bands = _arrays(KRX_EQUITY_2023)
    assert grid_up(4_999, 1, lows, ticks, bands) == 5_000  # not 5,005
    assert grid_up(1_999, 1, lows, ticks, bands) == 1_999
    assert grid_up(19_991, 1, lows, ticks, bands) == 20_000
    assert grid_down(4_999, 1, lows, ticks, bands) == 4_995


@settings(max_examples=300, deadline=None)
@given(
    base=PRICES,
    day=st.sampled_from(
        [dt.date(2014, 3, 3), dt.date(2016, 3, 3), dt.date(2022, 3, 3), dt.date(2024, 3, 4)]
    ),
    market=st.sampled_from([Market.KOSPI, Market.KOSDAQ]),
)
def test_daily_limits_are_krx_daily_limits(base: int, day: dt.date, market: Market) -> None:
    instrument = krx_equity("123456", "x", market)
    tables = grid_tables([instrument], [day])
    rate = 30 if day >= dt.date(2015, 6, 15) else 15
    lower, upper = daily_limits(
        np.array([base], dtype=np.int64),
        np.array([rate], dtype=np.int64),
        tables.scheme_of[0],
        tables.lows,
        tables.ticks,
        tables.bands,
    )
    expected = krx_daily_limits(Price(base), day, instrument.tick_scheme(day))
    assert (int(lower[0]), int(upper[0])) == (expected.lower.raw_at(0), expected.upper.raw_at(0))


@settings(max_examples=300, deadline=None)
@given(
    bases=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=3_000_000),
            st.integers(min_value=(1 << 62) // 131, max_value=(1 << 62) // 69),
            st.integers(min_value=0, max_value=(1 << 61)),
        ),
        min_size=1,
        max_size=12,
    ),
    rate=st.sampled_from([15, 30]),
    era=st.sampled_from(ERAS),
)
def test_daily_limits_round_each_day_as_the_compiled_grid_does(
    bases: list[int], rate: int, era: tuple[Market, InstrumentKind, dt.date]
) -> None:
    """Every day, also past the int64 products' range (-1 there, on both limits)."""
    market, kind, day = era
    tables = grid_tables([krx_equity("123456", "x", market, kind)], [day])
    s = int(tables.scheme_of[0, 0])
    lows, ticks, bands = tables.lows[s], tables.ticks[s], int(tables.bands[s])
    lower, upper = daily_limits(
        np.array(bases, dtype=np.int64),
        np.full(len(bases), rate, dtype=np.int64),
        np.full(len(bases), s, dtype=np.int32),
        tables.lows,
        tables.ticks,
        tables.bands,
    )
    for i, base in enumerate(bases):
        if base == 0:
            expected = (0, 0)
        elif base * (100 + rate) > (1 << 62):
            expected = (-1, -1)
        else:
            expected = (
                grid_up(base * (100 - rate), 100, lows, ticks, bands),
                grid_down(base * (100 + rate), 100, lows, ticks, bands),
            )
        assert (int(lower[i]), int(upper[i])) == expected, base


def test_grid_tables_number_each_era_once() -> None:
    instrument = krx_equity("123456", "x", Market.KOSDAQ)
    days = [dt.date(2023, 1, 20), dt.date(2023, 1, 24), dt.date(2023, 1, 25), dt.date(2023, 2, 1)]
    tables = grid_tables([instrument], days)
    assert tables.scheme_of[0].tolist() == [0, 0, 1, 1]
    assert tables.bands.tolist() == [len(KOSDAQ_BEFORE_2023.bands), len(KRX_EQUITY_2023.bands)]


@settings(max_examples=400, deadline=None)
@given(
    ref=PRICES,
    side=st.sampled_from([1, -1]),
    which=st.sampled_from(["loss", "profit", "trail"]),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.9"), places=2),
    distance=st.floats(min_value=1e-6, max_value=5e6, allow_nan=False),
    use_percent=st.booleans(),
    era=st.sampled_from(ERAS),
)
def test_stop_levels_are_the_streaming_levels(
    ref: int,
    side: int,
    which: str,
    percent: Decimal,
    distance: float,
    use_percent: bool,
    era: tuple[Market, InstrumentKind, dt.date],
) -> None:
    market, instrument_kind, day = era
    instrument = krx_equity("123456", "x", market, instrument_kind)
    lows, ticks, bands = _arrays(instrument.tick_scheme(day))
    offset = (
        _Offset(percent=Fraction(percent)) if use_percent else _Offset(distance=Fraction(distance))
    )
    # where each stop sits and how it rounds (`PositionStops.place` / `_trail`)
    direction = side if which == "profit" else -side
    mode = Rounding.UP if direction > 0 else Rounding.DOWN
    expected = on_grid(offset.apply(Fraction(ref), direction), instrument, day, mode)
    num, den = Fraction(percent).numerator, Fraction(percent).denominator
    kind = STOP_PERCENT if use_percent else STOP_DISTANCE
    got = stop_level(kind, num, den, distance, ref, direction, direction > 0, lows, ticks, bands)
    assert got == (0 if expected is None else expected.raw_at(0))


@settings(max_examples=500, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=2**62),
    d=st.integers(min_value=1, max_value=10**6),
    per=st.one_of(
        st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
        st.floats(min_value=5e-324, max_value=1e-3),
        st.integers(min_value=1, max_value=10**6).map(float),
    ),
)
def test_risk_units_are_exact(a: int, d: int, per: float) -> None:
    exact = math.floor(Fraction(a) / (d * Fraction(per)))
    got = risk_units(a, d, per)
    if exact >= 2**61:
        assert got == -1
    else:
        assert got == exact


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=40))
def test_max_drawdown_is_the_largest_fall_from_a_peak(values: list[int]) -> None:
    equity = np.asarray(values, dtype=np.int64)
    expected = int((np.maximum.accumulate(equity) - equity).max()) if values else 0
    assert max_drawdown(equity) == expected
