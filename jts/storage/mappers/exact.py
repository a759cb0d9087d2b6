"""Exact values <-> the `Decimal` an `ExactDecimal` column holds.

The Decimal is built from the scaled integer directly (``Decimal("<raw>E-<precision>")``), not
with `Decimal.scaleb`, which rounds to the decimal context's 28 significant digits. Reading
back keeps the stored scale, so a `Price` written at precision 2 comes back at precision 2
(``1.50`` stays ``1.50``) and a `Money` at its currency's precision.
"""

from __future__ import annotations

from decimal import Decimal

from jts.core.errors import InvalidInputError
from jts.domain.values import Currency, FixedPoint, Money, Price, Quantity


def scaled_decimal(raw: int, precision: int) -> Decimal:
    """``raw x 10**-precision`` as a Decimal carrying exactly ``precision`` decimals."""
    return Decimal(f"{raw}E-{precision}")


def fixed_to_db(value: FixedPoint) -> Decimal:
    return scaled_decimal(value.raw, value.precision)


def money_to_db(value: Money) -> Decimal:
    return scaled_decimal(value.raw, value.currency.precision)


def price_from_db(value: Decimal) -> Price:
    return Price(value)


def quantity_from_db(value: Decimal) -> Quantity:
    return Quantity(value)


def money_from_db(value: Decimal, currency_code: str) -> Money:
    """An amount and its currency code back to `Money`; the currency must be registered."""
    return Money(value, currency_of(currency_code))


def currency_of(code: str) -> Currency:
    """The registered currency of a stored code.

    An unknown code is refused rather than guessed: creating it on the fly would give it the
    default crypto precision, which may not be the precision its amounts were stored at.
    """
    try:
        return Currency.of(code)
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"stored currency {code!r} is not registered in this process; register it "
            "(Currency.register) before loading data that uses it"
        ) from exc
