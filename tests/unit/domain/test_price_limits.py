"""Daily price limits and the after-hours band: exact values, configurable rules, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import InvalidInputError, InvalidPriceError
from jts.domain.price_limits import (
    KRX_LIMIT_RATE,
    KRX_LIMIT_RATE_BEFORE_2015,
    PriceLimits,
    after_hours_limits,
    daily_price_limits,
    krx_daily_limits,
    krx_limit_rate,
)
from jts.domain.tick_rules import KOSPI_BEFORE_2023, KRX_EQUITY_2023, KRX_ETP
from jts.domain.values import Price, Rounding

DAY = dt.date(2024, 6, 3)


def P(value: str | int) -> Price:
    return Price(value)


@pytest.mark.parametrize(
    ("base", "lower", "upper"),
    [
        (70_000, 49_000, 91_000),  # krx.md example: products on the grid
        (10_150, 7_110, 13_190),  # 13,195 and 7,105 are off the 10 KRW tick
        (155_500, 108_900, 202_000),  # 202,150 falls in the 500 KRW band; 108,850 in the 100
        (3_900, 2_730, 5_070),  # the upper limit crosses into the 10 KRW band
        (1_999, 1_400, 2_595),  # 2,598.7 -> 2,595 (5 KRW band); 1,399.3 -> 1,400
        (1, 1, 1),  # the smallest base: both limits round to the one valid price
        (800_000, 560_000, 1_040_000),
    ],
)
def test_krx_daily_limits_since_2015(base: int, lower: int, upper: int) -> None:
    limits = krx_daily_limits(P(base), DAY, KRX_EQUITY_2023)
    assert (limits.lower, limits.upper) == (P(lower), P(upper))
    assert KRX_EQUITY_2023.is_valid(limits.lower)
    assert KRX_EQUITY_2023.is_valid(limits.upper)


def test_rate_changed_on_2015_06_15() -> None:
    assert krx_limit_rate(dt.date(2015, 6, 12)) == KRX_LIMIT_RATE_BEFORE_2015 == Decimal("0.15")
    assert krx_limit_rate(dt.date(2015, 6, 15)) == KRX_LIMIT_RATE == Decimal("0.30")
    before = krx_daily_limits(P(70_000), dt.date(2015, 6, 12), KOSPI_BEFORE_2023)
    assert (before.lower, before.upper) == (P(59_500), P(80_500))
    assert before.upper_reason == "base 70,000, +15 %"
    after = krx_daily_limits(P(70_000), dt.date(2015, 6, 15), KOSPI_BEFORE_2023)
    assert (after.lower, after.upper) == (P(49_000), P(91_000))


def test_old_table_grid_is_used_for_old_dates() -> None:
    # base 120,000 x 1.3 = 156,000: valid under 2023 (100 tick), 156,000 also a 500 multiple;
    # base 121,000 x 1.3 = 157,300 -> 157,000 on the old KOSPI 500 grid, 157,300 on 2023's
    old = krx_daily_limits(P(121_000), dt.date(2022, 3, 2), KOSPI_BEFORE_2023)
    new = krx_daily_limits(P(121_000), DAY, KRX_EQUITY_2023)
    assert old.upper == 157_000
    assert new.upper == 157_300


def test_messages_name_price_limit_base_and_rate() -> None:
    limits = krx_daily_limits(P(70_000), DAY, KRX_EQUITY_2023)
    with pytest.raises(InvalidPriceError) as above:
        limits.check(P(91_100))
    assert str(above.value) == "price 91,100 is above the upper limit 91,000 (base 70,000, +30 %)"
    with pytest.raises(InvalidPriceError) as below:
        limits.check(P(48_950))
    assert str(below.value) == "price 48,950 is below the lower limit 49,000 (base 70,000, -30 %)"
    limits.check(P(91_000))
    limits.check(P(49_000))
    limits.check(P(70_000))


def test_rate_and_rounding_are_configurable() -> None:
    base = P(10_150)
    up = daily_price_limits(base, KRX_EQUITY_2023, upper_rounding=Rounding.UP)
    assert up.upper == 13_200
    nearest = daily_price_limits(
        base, KRX_EQUITY_2023, upper_rounding=Rounding.NEAREST, lower_rounding=Rounding.NEAREST
    )
    assert (nearest.lower, nearest.upper) == (P(7_110), P(13_200))  # 7,105 and 13,195 are ties
    down = daily_price_limits(base, KRX_EQUITY_2023, lower_rounding=Rounding.DOWN)
    assert down.lower == 7_100
    ten = daily_price_limits(P(70_000), KRX_EQUITY_2023, Decimal("0.1"))
    assert (ten.lower, ten.upper) == (P(63_000), P(77_000))
    assert ten.upper_reason == "base 70,000, +10 %"
    odd = daily_price_limits(P(70_000), KRX_EQUITY_2023, Decimal("0.125"))
    assert (odd.lower, odd.upper) == (
        P(61_300),
        P(78_700),
    )  # 61,250 up, 78,750 down on the 100 grid
    assert odd.lower_reason == "base 70,000, -12.5 %"


def test_etf_limits_use_the_etf_grid() -> None:
    limits = krx_daily_limits(P(10_005), DAY, KRX_ETP)
    # 13,006.5 -> 13,005 and 7,003.5 -> 7,005 on the 5 KRW grid
    assert (limits.lower, limits.upper) == (P(7_005), P(13_005))


@pytest.mark.parametrize("rate", [Decimal(0), Decimal(1), Decimal("-0.3"), Decimal("NaN"), 0.3, 30])
def test_bad_rates_are_refused(rate: object) -> None:
    with pytest.raises(InvalidInputError, match="rate must be a Decimal between 0 and 1"):
        daily_price_limits(P(70_000), KRX_EQUITY_2023, rate)  # type: ignore[arg-type]


@pytest.mark.parametrize("base", ["0", "-70000"])
def test_non_positive_base_is_refused(base: str) -> None:
    with pytest.raises(InvalidPriceError, match=r"base price .* must be positive"):
        krx_daily_limits(P(base), DAY, KRX_EQUITY_2023)


def test_limit_rate_needs_a_date() -> None:
    with pytest.raises(InvalidInputError, match="calendar date"):
        krx_limit_rate(dt.datetime(2024, 6, 3, tzinfo=dt.UTC))


def test_price_limits_value_object() -> None:
    limits = PriceLimits(P(100), P(200))
    assert limits.contains(P(100))
    assert limits.contains(P(200))
    assert not limits.contains(P(201))
    assert not limits.contains(P(99))
    assert limits.clip(P(250)) == 200
    assert limits.clip(P(50)) == 100
    assert limits.clip(P(150)) == 150
    with pytest.raises(InvalidPriceError, match=r"^price 201 is above the upper limit 200$"):
        limits.check(P(201))
    with pytest.raises(InvalidPriceError, match="is above the upper limit"):
        PriceLimits(P(300), P(200))
    with pytest.raises(InvalidPriceError, match="must be positive"):
        PriceLimits(P(0), P(200))


def test_after_hours_band_is_ten_percent_of_close() -> None:
    daily = krx_daily_limits(P(70_000), DAY, KRX_EQUITY_2023)
    band = after_hours_limits(P(70_000), daily, KRX_EQUITY_2023)
    assert (band.lower, band.upper) == (P(63_000), P(77_000))
    with pytest.raises(InvalidPriceError) as exc:
        band.check(P(77_100))
    assert str(exc.value) == "price 77,100 is above the upper limit 77,000 (close 70,000, +10 %)"


def test_after_hours_band_is_clipped_by_the_daily_limits() -> None:
    daily = krx_daily_limits(P(70_000), DAY, KRX_EQUITY_2023)
    high = after_hours_limits(P(88_000), daily, KRX_EQUITY_2023)
    assert (high.lower, high.upper) == (P(79_200), P(91_000))
    with pytest.raises(InvalidPriceError) as exc:
        high.check(P(92_000))
    assert str(exc.value) == (
        "price 92,000 is above the upper limit 91,000 (daily limit; base 70,000, +30 %)"
    )
    low = after_hours_limits(P(50_000), daily, KRX_EQUITY_2023)
    assert (low.lower, low.upper) == (P(49_000), P(55_000))
    assert low.lower_reason == "daily limit; base 70,000, -30 %"
    # a close at the upper limit can only trade down after hours
    at_limit = after_hours_limits(P(91_000), daily, KRX_EQUITY_2023)
    assert (at_limit.lower, at_limit.upper) == (P(81_900), P(91_000))


def test_after_hours_rate_is_configurable_and_checked() -> None:
    daily = krx_daily_limits(P(70_000), DAY, KRX_EQUITY_2023)
    band = after_hours_limits(P(70_000), daily, KRX_EQUITY_2023, Decimal("0.05"))
    assert (band.lower, band.upper) == (P(66_500), P(73_500))
    with pytest.raises(InvalidInputError, match="after-hours band rate"):
        after_hours_limits(P(70_000), daily, KRX_EQUITY_2023, Decimal("1.5"))
    with pytest.raises(InvalidPriceError, match="close price 0 must be positive"):
        after_hours_limits(P(0), daily, KRX_EQUITY_2023)


@settings(max_examples=300, deadline=None)
@given(base=st.integers(1, 3_000_000))
def test_limits_are_the_tightest_grid_prices_inside_the_exact_band(base: int) -> None:
    """upper = the largest valid price <= base x 1.3; lower = the smallest valid >= base x 0.7
    (compared as integers: 10 x upper <= 13 x base, ...)."""
    scheme = KRX_EQUITY_2023
    limits = krx_daily_limits(P(base), DAY, scheme)
    upper, lower = limits.upper.raw, limits.lower.raw
    assert scheme.is_valid(limits.upper)
    assert scheme.is_valid(limits.lower)
    assert 10 * upper <= 13 * base < 10 * scheme.next_up(limits.upper).raw
    assert 10 * lower >= 7 * base
    if lower > 1:
        assert 10 * scheme.next_down(limits.lower).raw < 7 * base
    assert lower <= base <= upper
