"""Tick tables: every band edge from the sources, scheme selection by date, grid arithmetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import InvalidInputError, InvalidPriceError
from jts.domain.tick_rules import (
    KOSDAQ_BEFORE_2023,
    KOSPI_BEFORE_2023,
    KRX_EQUITY_2023,
    KRX_ETP,
    UPBIT_KRW_2024,
    UPBIT_KRW_2024_COIN_EXCEPTION,
    UPBIT_KRW_2025,
    UPBIT_KRW_BEFORE_2024,
    UPBIT_KRW_STABLECOIN_EXCEPTION,
    InstrumentKind,
    Market,
    NoTickSchemeError,
    TickBand,
    TickScheme,
    format_number,
    krx_etp_scheme,
    tick_scheme_for,
)
from jts.domain.values import BTC, KRW, USD, Currency, Price, Rounding

STOCK, ETF, ETN, ELW, SPOT = (
    InstrumentKind.STOCK,
    InstrumentKind.ETF,
    InstrumentKind.ETN,
    InstrumentKind.ELW,
    InstrumentKind.SPOT,
)

# The tables exactly as the sources write them: (lower bound inclusive, tick). Kept here, apart
# from the implementation, so a typo in either shows up as a failing edge.
EXPECTED_TABLES: dict[str, list[tuple[str, str]]] = {
    # krx.md §3, effective 2023-01-25
    "krx-equity-2023": [
        ("0", "1"),
        ("2000", "5"),
        ("5000", "10"),
        ("20000", "50"),
        ("50000", "100"),
        ("200000", "500"),
        ("500000", "1000"),
    ],
    # krx.md §3, old KOSPI table
    "kospi-before-2023": [
        ("0", "1"),
        ("1000", "5"),
        ("5000", "10"),
        ("10000", "50"),
        ("50000", "100"),
        ("100000", "500"),
        ("500000", "1000"),
    ],
    # krx.md §3, old KOSDAQ table: as KOSPI up to 50,000, then 100 throughout
    "kosdaq-before-2023": [
        ("0", "1"),
        ("1000", "5"),
        ("5000", "10"),
        ("10000", "50"),
        ("50000", "100"),
    ],
    "krx-etp": [("0", "5")],
    # docs.upbit.com v1.4.1
    "upbit-krw-before-2024": [
        ("0", "0.0001"),
        ("0.1", "0.001"),
        ("1", "0.01"),
        ("10", "0.1"),
        ("100", "1"),
        ("1000", "5"),
        ("10000", "10"),
        ("100000", "50"),
        ("500000", "100"),
        ("1000000", "500"),
        ("2000000", "1000"),
    ],
    # brokers.md §4.5 previous table / docs.upbit.com v1.4.5
    "upbit-krw-2024": [
        ("0", "0.00000001"),
        ("0.0001", "0.0000001"),
        ("0.001", "0.000001"),
        ("0.01", "0.00001"),
        ("0.1", "0.0001"),
        ("1", "0.001"),
        ("10", "0.01"),
        ("100", "0.1"),
        ("1000", "1"),
        ("10000", "10"),
        ("100000", "50"),
        ("500000", "100"),
        ("1000000", "500"),
        ("2000000", "1000"),
    ],
    # brokers.md §4.5 current table (from 2025-07-31)
    "upbit-krw-2025": [
        ("0", "0.00000001"),
        ("0.00001", "0.0000001"),
        ("0.0001", "0.000001"),
        ("0.001", "0.00001"),
        ("0.01", "0.0001"),
        ("0.1", "0.001"),
        ("1", "0.01"),
        ("10", "0.1"),
        ("100", "1"),
        ("1000", "1"),
        ("5000", "5"),
        ("10000", "10"),
        ("50000", "50"),
        ("100000", "100"),
        ("500000", "500"),
        ("1000000", "1000"),
        ("2000000", "1000"),
    ],
}

SCHEMES = {
    s.name: s
    for s in (
        KRX_EQUITY_2023,
        KOSPI_BEFORE_2023,
        KOSDAQ_BEFORE_2023,
        KRX_ETP,
        UPBIT_KRW_BEFORE_2024,
        UPBIT_KRW_2024,
        UPBIT_KRW_2025,
        UPBIT_KRW_2024_COIN_EXCEPTION,
        UPBIT_KRW_STABLECOIN_EXCEPTION,
        krx_etp_scheme(Price(1)),
    )
}


def P(text: str | int) -> Price:
    return Price(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ---- the tables ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_TABLES))
def test_scheme_bands_match_the_source_table(name: str) -> None:
    scheme = SCHEMES[name]
    assert [(b.lower, b.tick) for b in scheme.bands] == [
        (P(lo), P(t)) for lo, t in EXPECTED_TABLES[name]
    ]


def _edge_cases() -> list[tuple[str, int]]:
    return [(name, i) for name, rows in EXPECTED_TABLES.items() for i in range(len(rows))]


@pytest.mark.parametrize(("name", "index"), _edge_cases())
def test_every_band_edge(name: str, index: int) -> None:
    """At each bound: the bound uses its own tick, the unit below it the previous band's tick,
    the bound and bound + tick are valid, and bound + one unit is not (unless tick = 1 unit)."""
    scheme = SCHEMES[name]
    rows = EXPECTED_TABLES[name]
    lower, tick = Decimal(rows[index][0]), Decimal(rows[index][1])
    unit = Decimal(1).scaleb(-scheme.precision)
    start = lower if lower > 0 else tick  # the first band starts at its first tick
    assert scheme.tick_at(Price(start)) == tick
    assert scheme.is_valid(Price(start))
    assert scheme.is_valid(Price(start + tick))
    if tick > unit:
        assert not scheme.is_valid(Price(start + unit))
    if index > 0:
        previous_tick = Decimal(rows[index - 1][1])
        below = Price(lower - unit)
        assert scheme.tick_at(below) == previous_tick
        # the last valid price of the previous band is the bound minus that band's tick
        # whenever the bound is a multiple of it (true for every source table)
        assert scheme.next_down(Price(lower)) == lower - previous_tick
        assert scheme.next_up(Price(lower - previous_tick)) == lower
    if index + 1 < len(rows):
        upper = Decimal(rows[index + 1][0])
        assert scheme.tick_at(Price(upper - unit)) == tick


def _naive_tick(rows: list[tuple[str, str]], price: int) -> int:
    tick = 0
    for lower, step in rows:
        if price >= int(lower):
            tick = int(step)
    return tick


@pytest.mark.parametrize("name", ["krx-equity-2023", "kospi-before-2023", "kosdaq-before-2023"])
def test_krx_validity_matches_a_naive_reading_of_the_table(name: str) -> None:
    scheme = SCHEMES[name]
    rows = EXPECTED_TABLES[name]
    prices = set(range(1, 3_000))
    for lower, _ in rows[1:]:
        prices.update(range(max(1, int(lower) - 1_100), int(lower) + 1_100))
    for price in sorted(prices):
        assert scheme.is_valid(Price(price)) == (price % _naive_tick(rows, price) == 0), price


# ---- examples from krx.md / brokers.md ---------------------------------------------------------


def test_krx_2023_examples() -> None:
    s = KRX_EQUITY_2023
    assert s.round(P(4999), Rounding.UP) == 5000  # crosses into the 10 KRW band
    assert s.round(P(4999), Rounding.DOWN) == 4995
    assert s.round(P(4998), Rounding.NEAREST) == 5000
    assert s.round(P(4997), Rounding.NEAREST) == 4995
    assert s.round(P(20025), Rounding.NEAREST) == 20050  # tie goes up
    assert s.round(P(20024), Rounding.NEAREST) == 20000
    assert s.round(P("1999.5"), Rounding.UP) == 2000
    assert s.round(P("1999.5"), Rounding.DOWN) == 1999
    assert s.round(P("70000.00"), Rounding.UP).precision == 0
    assert s.next_up(P(1999)) == 2000
    assert s.next_up(P(2000)) == 2005
    assert s.next_down(P(2000)) == 1999
    assert s.next_down(P(5000)) == 4995
    assert s.next_up(P(4995), 3) == 5020
    assert s.next_down(P(5010), 3) == 4990
    assert s.next_up(P(4996)) == 5000  # off-grid start: the first valid price above
    assert s.next_down(P(5003)) == 5000
    assert s.next_up(P(1), 1_998) == 1999
    assert s.next_up(P(1), 1_999) == 2000
    assert s.next_up(P(1), 2_000) == 2005  # a long jump through a band boundary
    assert s.next_down(P(500_000), 600) == 200_000
    assert s.tick_at(P(70050)) == 100
    assert s.min_price() == 1


def test_old_tables_differ_above_100000_and_between_1000_and_2000() -> None:
    assert KOSPI_BEFORE_2023.tick_at(P(150_000)) == 500
    assert KOSDAQ_BEFORE_2023.tick_at(P(150_000)) == 100
    assert KOSDAQ_BEFORE_2023.tick_at(P(900_000)) == 100
    assert KRX_EQUITY_2023.tick_at(P(150_000)) == 100
    assert KOSPI_BEFORE_2023.tick_at(P(1_500)) == 5
    assert KRX_EQUITY_2023.tick_at(P(1_500)) == 1
    assert KOSPI_BEFORE_2023.tick_at(P(15_000)) == 50
    assert KRX_EQUITY_2023.tick_at(P(15_000)) == 10


def test_upbit_examples() -> None:
    assert UPBIT_KRW_2025.round(P("0.000012345"), Rounding.NEAREST) == P("0.0000123")
    assert UPBIT_KRW_2025.next_down(P("0.00001")) == P("0.00000999")
    assert UPBIT_KRW_2025.min_price() == P("0.00000001")
    assert UPBIT_KRW_2025.round(P("150000500"), Rounding.DOWN) == 150_000_000
    assert UPBIT_KRW_2025.round(P("150000500"), Rounding.NEAREST) == 150_001_000
    assert UPBIT_KRW_2025.tick_at(P(3_500)) == 1
    assert UPBIT_KRW_2024.tick_at(P(999)) == P("0.1")
    # from docs.upbit.com v1.4.5: at 1,000 KRW the book steps 999.9 -> 1,000 -> 1,001
    assert UPBIT_KRW_2024.next_down(P(1000)) == P("999.9")
    assert UPBIT_KRW_2024.next_up(P(1000)) == 1001
    assert not UPBIT_KRW_2024.is_valid(P("1000.1"))
    assert UPBIT_KRW_2024_COIN_EXCEPTION.tick_at(P(500)) == 1
    assert UPBIT_KRW_STABLECOIN_EXCEPTION.is_valid(P("1400.5"))
    assert not UPBIT_KRW_2024.is_valid(P("1400.5"))
    # a price with more decimals than the scheme is judged by value
    assert UPBIT_KRW_2025.is_valid(P("100.0000000000"))
    assert not UPBIT_KRW_2025.is_valid(P("0.000000015"))
    assert UPBIT_KRW_2025.round(P("0.000000015"), Rounding.NEAREST) == P("0.00000002")


def test_etf_scheme_and_configurable_low_price_tick() -> None:
    assert KRX_ETP.tick_at(P(1_000)) == 5
    assert not KRX_ETP.is_valid(P(1_003))
    assert KRX_ETP.is_valid(P(10_005))
    one = krx_etp_scheme(P(1))
    assert one.is_valid(P(1_003))
    assert not one.is_valid(P(2_003))
    assert one.next_up(P(1_999)) == 2000
    assert krx_etp_scheme() is KRX_ETP
    assert krx_etp_scheme(P(5)) is KRX_ETP


# ---- messages and bad input ---------------------------------------------------------------------


def test_check_names_price_tick_and_band() -> None:
    with pytest.raises(InvalidPriceError) as exc:
        KRX_EQUITY_2023.check(P(70050))
    assert str(exc.value) == (
        "price 70,050 is off the 100 KRW tick for 50,000-200,000 (krx-equity-2023)"
    )
    with pytest.raises(InvalidPriceError, match=r"off the 5 KRW tick for all prices"):
        KRX_ETP.check(P(1_001))
    with pytest.raises(InvalidPriceError, match=r"off the 1 KRW tick for below 2,000"):
        KRX_EQUITY_2023.check(P("1.5"))
    with pytest.raises(InvalidPriceError, match=r"off the 1,000 KRW tick for 500,000 and above"):
        KRX_EQUITY_2023.check(P(500_500))
    with pytest.raises(
        InvalidPriceError, match=r"off the 0\.0000001 KRW tick for 0\.00001-0\.0001"
    ):
        UPBIT_KRW_2025.check(P("0.00001234567"))
    KRX_EQUITY_2023.check(P(70_100))


@pytest.mark.parametrize("bad", ["0", "-5", "-0.00000001"])
def test_non_positive_prices_are_refused(bad: str) -> None:
    price = P(bad)
    for scheme in (KRX_EQUITY_2023, UPBIT_KRW_2025):
        assert not scheme.is_valid(price)
        with pytest.raises(InvalidPriceError, match=r"must be positive"):
            scheme.check(price)
        with pytest.raises(InvalidPriceError, match=r"must be positive"):
            scheme.round(price, Rounding.UP)
        with pytest.raises(InvalidPriceError, match=r"must be positive"):
            scheme.tick_at(price)
        with pytest.raises(InvalidPriceError, match=r"must be positive"):
            scheme.next_up(price)


def test_nothing_below_the_minimum_price() -> None:
    with pytest.raises(InvalidPriceError, match=r"no valid price 1 tick\(s\) below 1: the lowest"):
        KRX_EQUITY_2023.next_down(P(1))
    with pytest.raises(InvalidPriceError, match=r"no valid price 3 tick\(s\) below 3"):
        KRX_EQUITY_2023.next_down(P(3), 3)
    assert KRX_EQUITY_2023.next_down(P(3), 2) == 1
    with pytest.raises(InvalidPriceError, match=r"lowest price is 1"):
        KRX_EQUITY_2023.round(P("0.5"), Rounding.DOWN)
    assert KRX_EQUITY_2023.round(P("0.5"), Rounding.NEAREST) == 1
    assert KRX_EQUITY_2023.round(P("0.2"), Rounding.UP) == 1
    assert KRX_EQUITY_2023.next_up(P("0.5")) == 1
    with pytest.raises(InvalidPriceError):
        KRX_ETP.next_down(P(5))


@pytest.mark.parametrize("n", [0, -1, True])
def test_step_count_must_be_a_positive_int(n: int) -> None:
    with pytest.raises(InvalidInputError, match=r"number of ticks"):
        KRX_EQUITY_2023.next_up(P(100), n)
    with pytest.raises(InvalidInputError, match=r"number of ticks"):
        KRX_EQUITY_2023.next_down(P(100), n)


def test_describe_band_and_format_number() -> None:
    assert KRX_EQUITY_2023.describe_band(0) == "below 2,000"
    assert KRX_EQUITY_2023.describe_band(4) == "50,000-200,000"
    assert KRX_EQUITY_2023.describe_band(6) == "500,000 and above"
    assert format_number(P("91000.00")) == "91,000"
    assert format_number(P("0.00010")) == "0.0001"
    assert format_number(Decimal("4999.50")) == "4,999.5"
    assert format_number(0) == "0"


def _scheme(rows: list[tuple[str, str]], precision: int = 0) -> TickScheme:
    return TickScheme.from_table("test", KRW, precision, rows)


@pytest.mark.parametrize(
    ("rows", "precision", "message"),
    [
        ([], 0, "at least one band"),
        ([("1", "1")], 0, "must start at 0"),
        ([("0", "1"), ("100", "5"), ("100", "10")], 0, "must increase"),
        ([("0", "1"), ("102", "5")], 0, "not a multiple of its tick"),
        ([("0", "0")], 0, "must be positive"),
        ([("0", "0.5")], 0, "more decimals than the scheme precision"),
        ([("0", "1")], 19, "precision must be"),
    ],
)
def test_scheme_construction_refuses_bad_tables(
    rows: list[tuple[str, str]], precision: int, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _scheme(rows, precision)


def test_scheme_dates_must_be_ordered_and_are_inclusive() -> None:
    with pytest.raises(InvalidInputError, match="effective_from is after effective_to"):
        TickScheme("x", KRW, 0, (TickBand(P(0), P(1)),), d("2024-02-01"), d("2024-01-01"))
    s = TickScheme("x", KRW, 0, (TickBand(P(0), P(1)),), d("2024-01-01"), d("2024-01-31"))
    assert not s.applies_on(d("2023-12-31"))
    assert s.applies_on(d("2024-01-01"))
    assert s.applies_on(d("2024-01-31"))
    assert not s.applies_on(d("2024-02-01"))
    with pytest.raises(InvalidInputError, match="calendar date"):
        s.applies_on(dt.datetime(2024, 1, 5, tzinfo=dt.UTC))


# ---- scheme selection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("market", "kind", "day", "expected"),
    [
        (Market.KOSPI, STOCK, "2023-01-24", KOSPI_BEFORE_2023),
        (Market.KOSPI, STOCK, "2023-01-25", KRX_EQUITY_2023),
        (Market.KOSDAQ, STOCK, "2023-01-24", KOSDAQ_BEFORE_2023),
        (Market.KOSDAQ, STOCK, "2023-01-25", KRX_EQUITY_2023),
        (Market.KONEX, STOCK, "2020-06-01", KOSDAQ_BEFORE_2023),
        (Market.KONEX, STOCK, "2024-06-03", KRX_EQUITY_2023),
        (None, STOCK, "2024-06-03", KRX_EQUITY_2023),
        (Market.KOSPI, ETF, "2023-01-24", KRX_ETP),
        (Market.KOSPI, ETF, "2023-01-25", KRX_ETP),
        (Market.KOSPI, ETN, "2024-06-03", KRX_ETP),
        (Market.KOSPI, ELW, "2024-06-03", KRX_ETP),
    ],
)
def test_krx_scheme_by_date(
    market: Market | None, kind: InstrumentKind, day: str, expected: TickScheme
) -> None:
    assert tick_scheme_for("KRX", market, kind, d(day)) is expected
    assert tick_scheme_for("NXT", market, kind, d(day)) is expected


def test_krx_etp_low_tick_option_applies_to_etf_and_etn_only() -> None:
    for kind in (ETF, ETN):
        scheme = tick_scheme_for(
            "KRX", Market.KOSPI, kind, d("2024-06-03"), etp_tick_below_2000=P(1)
        )
        assert scheme.is_valid(P(1_001))
    elw = tick_scheme_for("KRX", Market.KOSPI, ELW, d("2024-06-03"), etp_tick_below_2000=P(1))
    assert elw is KRX_ETP


def _upbit(day: str, base: Currency | None = None) -> TickScheme:
    return tick_scheme_for("UPBIT", None, SPOT, d(day), base=base)


def test_upbit_scheme_by_date() -> None:
    assert _upbit("2023-06-01") is UPBIT_KRW_BEFORE_2024
    assert _upbit("2024-01-28") is UPBIT_KRW_BEFORE_2024
    assert _upbit("2024-01-29") is UPBIT_KRW_2024
    assert _upbit("2025-07-30") is UPBIT_KRW_2024
    assert _upbit("2025-07-31") is UPBIT_KRW_2025
    assert _upbit("2027-01-01", BTC) is UPBIT_KRW_2025


def test_upbit_per_coin_exceptions() -> None:
    ada = Currency.of("ADA", create=True)
    usdt = Currency.of("USDT")
    assert _upbit("2024-09-30", ada) is UPBIT_KRW_2024
    assert _upbit("2024-10-01", ada) is UPBIT_KRW_2024_COIN_EXCEPTION
    assert _upbit("2025-07-30", ada) is UPBIT_KRW_2024_COIN_EXCEPTION
    assert _upbit("2025-07-31", ada) is UPBIT_KRW_2025
    assert _upbit("2024-10-01", BTC) is UPBIT_KRW_2024
    assert _upbit("2025-03-20", usdt) is UPBIT_KRW_2024
    assert _upbit("2025-03-21", usdt) is UPBIT_KRW_STABLECOIN_EXCEPTION
    assert _upbit("2025-07-31", usdt) is UPBIT_KRW_2025


@pytest.mark.parametrize(
    ("venue", "market", "kind", "day", "quote", "message"),
    [
        ("KRX", None, STOCK, "2022-01-03", KRW, "depends on the market"),
        ("KRX", Market.KOSPI, SPOT, "2024-06-03", KRW, "not a KRX product kind"),
        ("KRX", Market.KOSPI, STOCK, "2024-06-03", USD, "KRX quotes in KRW"),
        ("UPBIT", None, STOCK, "2024-06-03", KRW, "only the Upbit KRW spot market"),
        ("UPBIT", None, SPOT, "2024-06-03", BTC, "only the Upbit KRW spot market"),
        ("SIM", None, SPOT, "2024-06-03", KRW, "unknown venue 'SIM'"),
    ],
)
def test_unknown_combinations_raise(
    venue: str,
    market: Market | None,
    kind: InstrumentKind,
    day: str,
    quote: Currency,
    message: str,
) -> None:
    with pytest.raises(NoTickSchemeError, match=message):
        tick_scheme_for(venue, market, kind, d(day), quote=quote)


def test_selection_refuses_a_datetime() -> None:
    with pytest.raises(InvalidInputError, match="calendar date"):
        tick_scheme_for("KRX", Market.KOSPI, STOCK, dt.datetime(2024, 1, 2, tzinfo=dt.UTC))


# ---- properties ----------------------------------------------------------------------------

ALL_SCHEMES = sorted(SCHEMES)


# Fixed strategies of plain integers, mapped onto each scheme by the helpers below: drawing
# scheme-dependent strategies through st.data() costs milliseconds per example.
ANY_PRICE_SEED = st.tuples(
    st.booleans(), st.integers(0, 2**16), st.integers(-25, 25), st.integers(0, 2**64)
)
VALID_PRICE_SEED = st.tuples(st.integers(0, 2**16), st.integers(0, 2**64))
AnySeed = tuple[bool, int, int, int]


def _any_price(scheme: TickScheme, seed: AnySeed) -> Price:
    """A positive price from the smallest unit up to a few million, spread over every decade,
    or right around a band bound; one decimal finer than the scheme so that off-grid fractions
    appear too."""
    near, pick, offset, number = seed
    precision = scheme.precision + 1
    if near:
        bounds = [b.lower.raw_at(precision) for b in scheme.bands[1:]] or [10**precision]
        raw = max(1, bounds[pick % len(bounds)] + offset)
    else:
        digits = 1 + pick % len(str(3_000_000 * 10**precision))
        raw = 10 ** (digits - 1) + number % (9 * 10 ** (digits - 1))
    return Price.from_raw(raw, precision)


def _valid_price(scheme: TickScheme, seed: tuple[int, int]) -> Price:
    """A valid price built from the table directly (not through the code under test)."""
    pick, number = seed
    p = scheme.precision
    index = pick % len(scheme.bands)
    low, tick = scheme.bands[index].lower.raw_at(p), scheme.bands[index].tick.raw_at(p)
    high = (
        scheme.bands[index + 1].lower.raw_at(p)
        if index + 1 < len(scheme.bands)
        else low + 1_000 * tick
    )
    first, last = max(low // tick, 1), (high - 1) // tick
    return Price.from_raw((first + number % (last - first + 1)) * tick, p)


PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


@pytest.mark.parametrize("name", ALL_SCHEMES)
@PROPERTY_SETTINGS
@given(seed=ANY_PRICE_SEED)
def test_rounding_lands_on_the_grid_and_brackets_the_price(name: str, seed: AnySeed) -> None:
    scheme = SCHEMES[name]
    price = _any_price(scheme, seed)
    up = scheme.round(price, Rounding.UP)
    assert scheme.is_valid(up)
    assert up >= price
    nearest = scheme.round(price, Rounding.NEAREST)
    assert scheme.is_valid(nearest)
    if price < scheme.min_price():
        with pytest.raises(InvalidPriceError):
            scheme.round(price, Rounding.DOWN)
        assert nearest == up
        return
    down = scheme.round(price, Rounding.DOWN)
    assert scheme.is_valid(down)
    assert down <= price <= up
    if down != up:  # nothing valid strictly between them
        assert scheme.next_up(down) == up
        assert scheme.next_down(up) == down
    assert nearest in (down, up)
    # the closer one; on a tie, the upper one
    if price - down < up - price:
        assert nearest == down
    else:
        assert nearest == up


@pytest.mark.parametrize("name", ALL_SCHEMES)
@PROPERTY_SETTINGS
@given(seed=VALID_PRICE_SEED)
def test_valid_prices_are_fixed_points_and_steps_invert(name: str, seed: tuple[int, int]) -> None:
    scheme = SCHEMES[name]
    price = _valid_price(scheme, seed)
    assert scheme.is_valid(price)
    scheme.check(price)
    for mode in Rounding:
        assert scheme.round(price, mode) == price
    above = scheme.next_up(price)
    assert above > price
    assert scheme.is_valid(above)
    assert scheme.next_down(above) == price
    if price > scheme.min_price():
        below = scheme.next_down(price)
        assert below < price
        assert scheme.next_up(below) == price


@pytest.mark.parametrize("name", ALL_SCHEMES)
@settings(max_examples=60, deadline=None)
@given(seed=ANY_PRICE_SEED, n=st.integers(1, 40))
def test_multi_tick_jumps_equal_repeated_single_steps(name: str, seed: AnySeed, n: int) -> None:
    scheme = SCHEMES[name]
    price = _any_price(scheme, seed)
    step = price
    for _ in range(n):
        step = scheme.next_up(step)
    assert scheme.next_up(price, n) == step
    step = price
    for i in range(n):
        if step <= scheme.min_price():
            with pytest.raises(InvalidPriceError):
                scheme.next_down(price, n)
            break
        step = scheme.next_down(step)
        if i == n - 1:
            assert scheme.next_down(price, n) == step
