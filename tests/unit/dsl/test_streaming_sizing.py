"""Entry sizes: exact, rounded down to the lot, skipped when they come to nothing."""

from __future__ import annotations

import math
from decimal import Decimal

import msgspec
import pytest

from jts.domain.instruments import Market, krx_equity, upbit_spot
from jts.domain.values import KRW, USD, Money, Price, Quantity
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import SizeEquityPercent, SizeRisk, SizeShares, SizeValue
from jts.dsl.streaming import Sizer
from jts.dsl.typed import Const, Field, Param

SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
BTC = upbit_spot("KRW-BTC")


def const(value: str) -> Const:
    return Const(Decimal(value))


def test_shares_are_taken_as_written_and_rounded_down_to_the_lot() -> None:
    size = Sizer(SizeShares(const("100")), {}).size(SAMSUNG, Price(70_000))
    assert size.quantity == Quantity(100)
    assert size.note == "100 shares"
    btc = Sizer(SizeShares(const("0.123456789")), {}).size(BTC, Price(90_000_000))
    assert btc.quantity == Quantity("0.12345678")  # the lot is 1e-8 BTC


def test_a_currency_amount_buys_whole_units_at_the_close() -> None:
    sizer = Sizer(SizeValue(Param("budget", integral=True), KRW), {"budget": Decimal(1_000_000)})
    assert sizer.size(SAMSUNG, Price(70_100)).quantity == Quantity(14)  # 14.26
    assert sizer.size(SAMSUNG, Price(1_000_000)).quantity == Quantity(1)  # exactly one
    skipped = sizer.size(SAMSUNG, Price(1_000_001))
    assert skipped.quantity is None
    assert "less than one lot" in skipped.note


def test_percent_of_equity_floors_at_the_exact_boundary() -> None:
    sizer = Sizer(SizeEquityPercent(const("10")), {})
    equity = Money(1_000_000_000, KRW)  # 10% is 100,000,000
    assert sizer.size(SAMSUNG, Price(25_000_000), equity=equity).quantity == Quantity(4)
    assert sizer.size(SAMSUNG, Price(25_000_001), equity=equity).quantity == Quantity(3)
    half = Sizer(SizeEquityPercent(const("0.5")), {})
    assert half.size(SAMSUNG, Price(5_000_000), equity=equity).quantity == Quantity(1)


def test_the_per_value_enters_as_the_exact_value_of_its_float() -> None:
    # 0.1 as a float is 0.1000000000000000055...: 1e7 / that is just below 1e8
    sizer = Sizer(SizeRisk(const("1"), Field("close")), {})
    size = sizer.size(SAMSUNG, Price(70_000), equity=Money(1_000_000_000, KRW), per=0.1)
    assert size.quantity == Quantity(99_999_999)
    assert sizer.size(
        SAMSUNG, Price(70_000), equity=Money(1_000_000_000, KRW), per=0.5
    ).quantity == Quantity(20_000_000)


def test_risk_sizing_divides_the_risked_equity_by_the_per_value() -> None:
    sizer = Sizer(SizeRisk(const("1"), Field("close")), {})
    equity = Money(100_000_000, KRW)
    assert sizer.size(SAMSUNG, Price(70_000), equity=equity, per=1_500.0).quantity == Quantity(666)
    assert sizer.size(SAMSUNG, Price(70_000), equity=equity, per=0.25).quantity == Quantity(
        4_000_000
    )


@pytest.mark.parametrize("per", [math.nan, math.inf, 0.0, -5.0])
def test_risk_sizing_skips_an_unknown_or_non_positive_per_value(per: float) -> None:
    sizer = Sizer(SizeRisk(const("1"), Field("close")), {})
    size = sizer.size(SAMSUNG, Price(70_000), equity=Money(100_000_000, KRW), per=per)
    assert size.quantity is None
    assert "not a positive number" in size.note


def test_a_value_in_another_currency_is_refused_before_the_run() -> None:
    sizer = Sizer(SizeValue(const("1000"), USD), {})
    with pytest.raises(DslRuntimeError, match=r"priced in KRW"):
        sizer.check(SAMSUNG)
    Sizer(SizeValue(const("1000"), KRW), {}).check(SAMSUNG)


def test_equity_in_another_currency_is_refused() -> None:
    sizer = Sizer(SizeEquityPercent(const("10")), {})
    with pytest.raises(DslRuntimeError, match=r"equity is in USD"):
        sizer.size(SAMSUNG, Price(70_000), equity=Money(1_000, USD))
    with pytest.raises(DslRuntimeError, match=r"needs the equity"):
        sizer.size(SAMSUNG, Price(70_000))


def test_fractional_lots_and_the_instruments_minimum() -> None:
    sizer = Sizer(SizeValue(const("5"), KRW), {})
    size = sizer.size(BTC, Price(90_000_000))  # 5 / 9e7 = 5.5e-8 BTC, floored to the 1e-8 lot
    assert size.quantity == Quantity("0.00000005")
    lots_of_ten = msgspec.structs.replace(SAMSUNG, lot_size=Quantity(10), min_quantity=Quantity(20))
    shares = Sizer(SizeShares(const("19")), {})
    assert shares.size(lots_of_ten, Price(1_000)).note == "19 shares gives 10, below the minimum 20"
    assert Sizer(SizeShares(const("29")), {}).size(lots_of_ten, Price(1_000)).quantity == Quantity(
        20
    )


def test_a_non_positive_amount_is_refused() -> None:
    with pytest.raises(DslRuntimeError, match="must be positive"):
        Sizer(SizeShares(Param("q", integral=True)), {"q": Decimal(0)})


def test_only_the_equity_forms_need_the_equity() -> None:
    assert not Sizer(SizeShares(const("1")), {}).needs_equity
    assert not Sizer(SizeValue(const("1"), KRW), {}).needs_equity
    assert Sizer(SizeEquityPercent(const("1")), {}).needs_equity
    assert Sizer(SizeRisk(const("1"), Field("close")), {}).needs_equity
