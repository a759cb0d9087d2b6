from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jts.core.errors import (
    CurrencyMismatchError,
    InvalidQuantityError,
    ParseError,
    PrecisionError,
)
from jts.domain.values import (
    BTC,
    KRW,
    MAX_PRECISION,
    USD,
    Currency,
    CurrencyKind,
    Money,
    Price,
    Quantity,
    Rounding,
    notional,
    parse_decimal_text,
    round_raw,
    unchecked_builders,
)

precisions = st.integers(min_value=0, max_value=MAX_PRECISION)
raws = st.integers(min_value=-(10**20), max_value=10**20)


@st.composite
def prices(draw: st.DrawFn) -> Price:
    return Price.from_raw(draw(raws), draw(precisions))


# ---- parsing broker strings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw", "precision", "shown"),
    [
        ("00070000", 70000, 0, "70000"),
        ("0.00012345", 12345, 8, "0.00012345"),
        ("-1500", -1500, 0, "-1500"),
        ("+12.50", 1250, 2, "12.50"),
        (" 42 ", 42, 0, "42"),
        ("0", 0, 0, "0"),
        ("-0.0", 0, 1, "0.0"),
        (".5", 5, 1, "0.5"),
        ("7.", 7, 0, "7"),
    ],
)
def test_parses_broker_strings_exactly(text: str, raw: int, precision: int, shown: str) -> None:
    price = Price(text)
    assert (price.raw, price.precision) == (raw, precision)
    assert str(price) == shown


@pytest.mark.parametrize("text", ["", "  ", "-", ".", "1e5", "NaN", "inf", "1,000", "1.2.3", "١٢"])
def test_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ParseError, match="not a decimal"):
        Price(text)


def test_too_many_decimals_for_max_precision() -> None:
    with pytest.raises(PrecisionError):
        parse_decimal_text("0." + "1" * (MAX_PRECISION + 1))


def test_floats_are_refused_everywhere() -> None:
    with pytest.raises(TypeError, match="floats"):
        Price(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="floats"):
        Quantity(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="floats"):
        Money(1.5, KRW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Price(True)  # type: ignore[arg-type]


def test_explicit_precision_pads_but_never_rounds() -> None:
    assert Price("1.5", 3).raw == 1500
    assert str(Price(7, 2)) == "7.00"
    assert Price("1.500", 1) == Price("1.5")  # trailing zeros may be dropped
    with pytest.raises(PrecisionError, match="more than 1 decimals"):
        Price("1.55", 1)


def test_whole_decimals_at_a_given_precision() -> None:
    # positions are Decimals of whole shares: how they were written does not matter
    for text in ("10", "10.0", "1E+1", "10.000"):
        value = Quantity(Decimal(text), 0)
        assert (value.raw, value.precision) == (10, 0)
    assert Price(Decimal("-3"), 2).raw == -300
    assert Quantity(Decimal("2.50"), 1).raw == 25
    with pytest.raises(PrecisionError):
        Quantity(Decimal("10.5"), 0)
    with pytest.raises(InvalidQuantityError):
        Quantity(Decimal("-1"), 0)


def test_unchecked_builders_make_ordinary_values() -> None:
    new, set_raw, set_precision = unchecked_builders()
    made = new(Quantity)
    set_raw(made, 1234)
    set_precision(made, 2)
    assert made == Quantity("12.34")
    assert type(made) is Quantity
    assert hash(made) == hash(Quantity("12.34"))
    with pytest.raises(AttributeError):
        made.raw = 5  # type: ignore[misc]


def test_decimal_input() -> None:
    assert Price(Decimal("12.340")).precision == 3
    assert Price(Decimal("1E+3")) == 1000
    with pytest.raises(ParseError):
        Price(Decimal("NaN"))


# ---- comparison, hashing, arithmetic --------------------------------------------------------


def test_equal_across_precisions_and_hash_consistent() -> None:
    assert Price("1.5") == Price("1.50")
    assert hash(Price("1.5")) == hash(Price("1.50"))
    assert Price("70000") == 70000
    assert hash(Price("70000")) == hash(70000)
    assert Price("2.0") == Decimal(2)
    assert Price("1") != Quantity("1")  # different kinds never compare equal
    assert len({Price("1.0"), Price("1.00"), Price(1)}) == 1


def test_ordering() -> None:
    assert Price("0.99") < Price("1") <= Price("1.0") < Price("1.01")
    assert sorted([Price("3"), Price("-1.5"), Price("2.25")]) == [
        Price("-1.5"),
        Price("2.25"),
        Price("3"),
    ]
    with pytest.raises(TypeError):
        _ = Price("1") < Quantity("2")  # type: ignore[operator]


def test_arithmetic_is_exact() -> None:
    assert Price("0.1") + Price("0.2") == Price("0.3")
    assert str(Price("0.10") + Price("0.2")) == "0.30"
    assert Price("100") - 30 == Price("70")
    assert Price("12.5") * 3 == Price("37.5")
    assert -Price("5") == Price("-5")
    assert abs(Price("-5")) == Price("5")
    assert 10 - Price("3") == Price("7")


def test_quantity_never_negative() -> None:
    with pytest.raises(InvalidQuantityError, match="negative"):
        Quantity("-1")
    with pytest.raises(InvalidQuantityError):
        Quantity("1") - Quantity("2")
    assert Quantity("0.5") + Quantity("0.25") == Quantity("0.75")


def test_immutable_and_picklable() -> None:
    price = Price("1.25")
    with pytest.raises(AttributeError):
        price.raw = 5  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(price)) == price
    money = Money("1500", KRW)
    assert pickle.loads(pickle.dumps(money)) == money
    assert pickle.loads(pickle.dumps(KRW)) is KRW


def test_formatting() -> None:
    assert f"{Price('1234567'):,}" == "1,234,567"
    assert format(Money("1234567", KRW), ",") == "1,234,567 KRW"
    assert repr(Price("1.50")) == "Price('1.50')"


# ---- rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tick", "mode", "expected"),
    [
        ("4999", "5", Rounding.UP, "5000"),
        ("4999", "5", Rounding.DOWN, "4995"),
        ("4997", "5", Rounding.NEAREST, "4995"),
        ("4998", "5", Rounding.NEAREST, "5000"),
        ("70050", "100", Rounding.NEAREST, "70100"),  # tie goes away from zero
        ("-70050", "100", Rounding.NEAREST, "-70100"),
        ("0.000123456", "0.00000001", Rounding.DOWN, "0.00012345"),
        ("0.000123456", "0.00000001", Rounding.UP, "0.00012346"),
    ],
)
def test_round_to_tick(value: str, tick: str, mode: Rounding, expected: str) -> None:
    assert Price(value).round_to(Price(tick), mode) == Price(expected)


@given(prices(), st.integers(min_value=1, max_value=10**6), precisions)
def test_rounding_properties(price: Price, tick_raw: int, tick_prec: int) -> None:
    tick = Price.from_raw(tick_raw, tick_prec)
    down = price.round_to(tick, Rounding.DOWN)
    up = price.round_to(tick, Rounding.UP)
    nearest = price.round_to(tick, Rounding.NEAREST)
    assert down <= price <= up
    for rounded in (down, up, nearest):
        assert rounded.is_multiple_of(tick)
    assert up - down in (Price(0), tick)
    assert nearest in (down, up)
    # nearest is never farther than the other candidate
    assert abs(nearest - price) <= abs((up if nearest == down else down) - price)
    if price.is_multiple_of(tick):
        assert down == up == nearest == price


@given(raws, st.integers(min_value=1, max_value=10**9))
def test_round_raw_matches_decimal(raw: int, step: int) -> None:
    from decimal import ROUND_CEILING, ROUND_FLOOR

    exact = Decimal(raw) / Decimal(step)
    assert round_raw(raw, step, Rounding.DOWN) == int(exact.to_integral_value(ROUND_FLOOR)) * step
    assert round_raw(raw, step, Rounding.UP) == int(exact.to_integral_value(ROUND_CEILING)) * step


@given(prices())
def test_text_round_trip(price: Price) -> None:
    again = Price(str(price))
    assert (again.raw, again.precision) == (price.raw, price.precision)
    assert Price(price.as_decimal()) == price


@given(prices(), prices())
def test_addition_matches_decimal(a: Price, b: Price) -> None:
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 100  # the reference must not round either
        assert (a + b).as_decimal() == a.as_decimal() + b.as_decimal()
        assert (a - b).as_decimal() == a.as_decimal() - b.as_decimal()
    assert (a < b) == (a.as_decimal() < b.as_decimal())
    assert (a == b) == (a.as_decimal() == b.as_decimal())


def test_with_precision() -> None:
    assert str(Price("1.5").with_precision(3)) == "1.500"
    assert str(Price("1.500").with_precision(1)) == "1.5"
    with pytest.raises(PrecisionError):
        Price("1.55").with_precision(1)
    assert str(Price("1.55").with_precision(1, Rounding.DOWN)) == "1.5"
    assert str(Price("1.55").with_precision(1, Rounding.NEAREST)) == "1.6"


# ---- money and currencies -----------------------------------------------------------------


def test_currency_precisions() -> None:
    assert KRW.precision == 0
    assert USD.precision == 2
    assert BTC.precision == 8
    assert Currency.of("KRW") is KRW
    with pytest.raises(ParseError, match="unknown currency"):
        Currency.of("ZZZ")
    doge = Currency.of("DOGE", create=True)
    assert doge.kind is CurrencyKind.CRYPTO
    with pytest.raises(ParseError):
        Currency("krw", 0, CurrencyKind.FIAT)


def test_money_exact_and_typed() -> None:
    assert Money("1500", KRW) + Money("-500", KRW) == Money("1000", KRW)
    assert str(Money("1.5", USD)) == "1.50 USD"
    with pytest.raises(PrecisionError):
        Money("1.5", KRW)  # no fractional won
    with pytest.raises(CurrencyMismatchError):
        Money("1", KRW) + Money("1", USD)
    with pytest.raises(CurrencyMismatchError):
        _ = Money("1", KRW) < Money("1", USD)
    assert Money.from_str("-0.5 USD") == Money("-0.50", USD)
    with pytest.raises(ParseError):
        Money.from_str("1500")


def test_fee_and_tax_truncate_to_the_won() -> None:
    value = Money("1234567", KRW)
    assert value.scaled(Decimal("0.000140527"), Rounding.DOWN) == Money("173", KRW)
    assert value.scaled(Decimal("0.0020"), Rounding.DOWN) == Money("2469", KRW)
    assert value.scaled(Decimal("0.0020"), Rounding.UP) == Money("2470", KRW)


def test_notional() -> None:
    assert notional(Price("70000"), Quantity("10"), KRW, Rounding.DOWN) == Money("700000", KRW)
    btc_value = notional(Price("95000000"), Quantity("0.00012345"), KRW, Rounding.DOWN)
    assert btc_value == Money("11727", KRW)  # 11,727.75 truncated
    assert notional(Price("1.25"), Quantity("3"), USD, Rounding.DOWN) == Money("3.75", USD)


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(0, 10**6))
def test_money_scaling_never_drifts(raw: int, rate_ppm: int) -> None:
    money = Money.from_raw(raw, KRW)
    rate = Decimal(rate_ppm) / Decimal(10**6)
    down = money.scaled(rate, Rounding.DOWN)
    up = money.scaled(rate, Rounding.UP)
    exact = money.as_decimal() * rate
    assert down.as_decimal() <= exact <= up.as_decimal()
    assert up.raw - down.raw in (0, 1)


def test_as_decimal_keeps_every_digit() -> None:
    huge = Price.from_raw(123456789012345678901234567890, 2)
    assert str(huge.as_decimal()) == "1234567890123456789012345678.90"
    assert Money.from_raw(10**30 + 1, KRW).as_decimal() == Decimal(10**30 + 1)


def test_scaling_long_amounts_rounds_only_once() -> None:
    # 30 significant digits in the product: a 28-digit context would round before the truncation
    money = Money.from_raw(123456789012345678901, KRW)
    assert money.scaled(Decimal("0.123456789"), Rounding.DOWN) == Money("15241578751714678875", KRW)
