from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jts.core.errors import InvalidInputError
from jts.domain.values import BTC, KRW, Money, Price, Quantity
from jts.storage.mappers.exact import (
    currency_of,
    fixed_to_db,
    money_from_db,
    money_to_db,
    price_from_db,
    quantity_from_db,
    scaled_decimal,
)


def test_scaled_decimal_keeps_every_digit_past_the_decimal_context() -> None:
    raw = 12345678901234567890123456789012345  # 35 digits; Decimal.scaleb would keep 28
    assert scaled_decimal(raw, 18) == Decimal("12345678901234567.890123456789012345")
    assert scaled_decimal(raw, 18).as_tuple().exponent == -18


@given(raw=st.integers(-(10**36), 10**36), precision=st.integers(0, 18))
def test_prices_round_trip_with_their_precision(raw: int, precision: int) -> None:
    price = Price.from_raw(raw, precision)
    back = price_from_db(fixed_to_db(price))
    assert (back.raw, back.precision) == (raw, precision)


@given(raw=st.integers(0, 10**36), precision=st.integers(0, 18))
def test_quantities_round_trip_with_their_precision(raw: int, precision: int) -> None:
    quantity = Quantity.from_raw(raw, precision)
    back = quantity_from_db(fixed_to_db(quantity))
    assert (back.raw, back.precision) == (raw, precision)


def test_money_is_stored_at_its_currency_precision() -> None:
    assert str(money_to_db(Money("1.5", BTC))) == "1.50000000"
    assert money_from_db(Decimal("1.50000000"), "BTC") == Money("1.5", BTC)
    assert money_from_db(Decimal("-70000"), "KRW") == Money(-70_000, KRW)


def test_money_with_more_decimals_than_its_currency_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"0\.5"):
        money_from_db(Decimal("0.5"), "KRW")


def test_unknown_currency_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidInputError, match="'ZZZQ' is not registered"):
        currency_of("ZZZQ")
