"""Exact numeric types for prices, quantities and money.

Each value is a scaled integer: ``raw`` units of ``10**-precision``. Arithmetic on raw integers
is exact and fast; no float is ever accepted (passing one raises ``TypeError``), and nothing is
rounded unless the caller names a rounding mode. Text round-trips exactly, trailing zeros
included: ``str(Price("1.50")) == "1.50"``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)
from typing import Any, ClassVar, Final, Self

from jts.core.errors import (
    CurrencyMismatchError,
    InvalidQuantityError,
    ParseError,
    PrecisionError,
)

MAX_PRECISION: Final = 18
_POW10: Final[tuple[int, ...]] = tuple(10**i for i in range(MAX_PRECISION + 1))


class Rounding(enum.Enum):
    """How to bring a value onto a grid: toward +inf, toward -inf, or to the closest point."""

    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"  # ties go away from zero (half-up), the convention of KRX price rules


_DECIMAL_ROUNDING: Final = {
    Rounding.UP: ROUND_CEILING,
    Rounding.DOWN: ROUND_FLOOR,
    Rounding.NEAREST: ROUND_HALF_UP,
}


def _check_precision(precision: int) -> None:
    if type(precision) is not int or not 0 <= precision <= MAX_PRECISION:
        raise PrecisionError(f"precision must be an int in 0..{MAX_PRECISION}, got {precision!r}")


def parse_decimal_text(text: str) -> tuple[int, int]:
    """``"-00012.3400"`` -> ``(-123400, 4)``: the digits as written, no rounding, no exponent.

    Accepts what brokers send (leading zeros, a sign, surrounding spaces); refuses empty text,
    exponents, NaN/Infinity and non-ASCII digits with a `ParseError` quoting the input.
    """
    s = text.strip()
    negative = False
    if s[:1] in ("-", "+"):
        negative = s[0] == "-"
        s = s[1:]
    int_part, _, frac_part = s.partition(".")
    if (
        not s
        or not (int_part or frac_part)
        or not (int_part == "" or (int_part.isascii() and int_part.isdigit()))
        or not (frac_part == "" or (frac_part.isascii() and frac_part.isdigit()))
    ):
        raise ParseError(f"not a decimal number: {text!r}")
    precision = len(frac_part)
    if precision > MAX_PRECISION:
        raise PrecisionError(f"{text!r} has {precision} decimals, more than {MAX_PRECISION}")
    raw = int(int_part + frac_part) if (int_part or frac_part) else 0
    return (-raw if negative else raw), precision


def _to_raw(value: object, precision: int | None) -> tuple[int, int]:
    """Any accepted input (str, int, Decimal, same-kind value) to (raw, precision)."""
    if isinstance(value, bool):
        raise TypeError("bool is not a number here")
    if isinstance(value, int):
        raw, prec = value, 0
    elif isinstance(value, str):
        raw, prec = parse_decimal_text(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ParseError(f"not a finite number: {value!r}")
        if precision is not None:
            # a whole number (positions are Decimals of whole shares) needs no digit tuple;
            # with a precision given the exponent it was written with does not matter
            numerator, denominator = value.as_integer_ratio()
            if denominator == 1:
                return _scaled_to(numerator, 0, precision, value)
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if exponent == 0:  # a whole number (positions are Decimals of whole shares)
            return _scaled_to(int(value), 0, precision, value)
        magnitude = int("".join(map(str, digits))) if digits else 0
        if exponent >= 0:
            raw, prec = magnitude * 10**exponent, 0
        else:
            raw, prec = magnitude, -exponent
            if prec > MAX_PRECISION:
                raise PrecisionError(f"{value} has more than {MAX_PRECISION} decimals")
        raw = -raw if sign else raw
    elif isinstance(value, FixedPoint):
        raw, prec = value.raw, value.precision
    elif isinstance(value, float):
        raise TypeError("floats are not accepted for exact values; pass a str, int or Decimal")
    else:
        raise TypeError(f"cannot make an exact value from {type(value).__name__}")
    return _scaled_to(raw, prec, precision, value)


def _scaled_to(raw: int, prec: int, precision: int | None, value: object) -> tuple[int, int]:
    """``raw`` at ``prec`` brought to ``precision`` (None: as it is), refusing lost digits."""
    if precision is None:
        return raw, prec
    _check_precision(precision)
    if prec <= precision:
        return raw * _POW10[precision - prec], precision
    # more digits than allowed: only accept if the extra digits are zeros
    scale = _POW10[prec - precision]
    if raw % scale:
        raise PrecisionError(f"{value} has more than {precision} decimals")
    return raw // scale, precision


def _format(raw: int, precision: int) -> str:
    if precision == 0:
        return str(raw)
    sign = "-" if raw < 0 else ""
    digits = str(abs(raw)).rjust(precision + 1, "0")
    return f"{sign}{digits[:-precision]}.{digits[-precision:]}"


def round_raw(raw: int, step: int, mode: Rounding) -> int:
    """Round ``raw`` to a multiple of ``step`` (both in the same units)."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    q, r = divmod(raw, step)  # floor division: r in [0, step)
    if r == 0:
        return raw
    if mode is Rounding.DOWN:
        return q * step
    if mode is Rounding.UP:
        return (q + 1) * step
    # NEAREST, ties away from zero
    twice = 2 * r
    if twice > step or (twice == step and raw > 0):
        return (q + 1) * step
    return q * step


class FixedPoint:
    """Shared behaviour of `Price` and `Quantity`: a scaled integer with a precision.

    Values of the same class compare and combine across precisions (``1.5 == 1.50``); results
    of ``+``/``-`` take the larger precision. Different classes never compare equal.
    """

    __slots__ = ("precision", "raw")
    raw: int
    precision: int
    _kind: ClassVar[str] = "value"
    #: refuse negative raw values (checked in `_validate`)
    _non_negative: ClassVar[bool] = False

    def __init__(
        self, value: str | int | Decimal | FixedPoint, precision: int | None = None
    ) -> None:
        if type(value) is int and type(precision) is int and 0 <= precision <= MAX_PRECISION:
            raw, prec = value * _POW10[precision], precision  # the common case: a whole number
        else:
            raw, prec = _to_raw(value, precision)
        if raw < 0 and self._non_negative:
            self._validate(raw, prec)
        _set_raw(self, raw)
        _set_precision(self, prec)

    @classmethod
    def from_raw(cls, raw: int, precision: int) -> Self:
        """Build from scaled units without parsing (hot paths); still validated.

        Written for speed (a backtest builds millions): type checks by identity, the slots set
        through their descriptors instead of ``object.__setattr__``.
        """
        if type(precision) is not int or not 0 <= precision <= MAX_PRECISION:
            _check_precision(precision)
        if type(raw) is not int:
            raise TypeError(f"raw must be an int, got {type(raw).__name__}")
        if raw < 0 and cls._non_negative:
            cls._validate(raw, precision)
        obj = _new(cls)
        _set_raw(obj, raw)
        _set_precision(obj, precision)
        return obj

    @classmethod
    def _validate(cls, raw: int, precision: int) -> None:
        """Subclasses refuse values their domain forbids (e.g. negative quantities)."""

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self).from_raw, (self.raw, self.precision))

    # ---- conversion -------------------------------------------------------------------------
    def as_decimal(self) -> Decimal:
        if self.precision == 0:
            return Decimal(self.raw)  # exact, and the same exponent as the text form
        # built from text: Decimal.scaleb would round past the context's 28 digits
        return Decimal(f"{self.raw}E-{self.precision}")

    def as_float(self) -> float:
        """For indicators and statistics only (they are not money); never for arithmetic."""
        return self.raw / _POW10[self.precision]

    def raw_at(self, precision: int) -> int:
        """The raw value at another precision; refuses to drop non-zero digits."""
        if precision >= self.precision:
            return self.raw * _POW10[precision - self.precision]
        scale = _POW10[self.precision - precision]
        if self.raw % scale:
            raise PrecisionError(f"{self} has more than {precision} decimals")
        return self.raw // scale

    def with_precision(self, precision: int, rounding: Rounding | None = None) -> Self:
        """The same value at another precision; dropping digits needs an explicit rounding."""
        _check_precision(precision)
        if precision >= self.precision or rounding is None:
            return type(self).from_raw(self.raw_at(precision), precision)
        step = _POW10[self.precision - precision]
        return type(self).from_raw(round_raw(self.raw, step, rounding) // step, precision)

    def round_to(self, increment: Self, mode: Rounding) -> Self:
        """Round to a multiple of ``increment`` (a tick, a lot) at the finer of both precisions."""
        if increment.raw <= 0:
            raise ValueError(f"increment must be positive, got {increment}")
        prec = max(self.precision, increment.precision)
        step = increment.raw_at(prec)
        return type(self).from_raw(round_raw(self.raw_at(prec), step, mode), prec)

    def is_multiple_of(self, increment: Self) -> bool:
        prec = max(self.precision, increment.precision)
        return self.raw_at(prec) % increment.raw_at(prec) == 0

    def is_zero(self) -> bool:
        return self.raw == 0

    def is_positive(self) -> bool:
        return self.raw > 0

    # ---- text -------------------------------------------------------------------------------
    def __str__(self) -> str:
        return _format(self.raw, self.precision)

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self}')"

    def __format__(self, spec: str) -> str:
        return format(self.as_decimal(), spec) if spec else str(self)

    # ---- comparison -------------------------------------------------------------------------
    def _aligned(self, other: object) -> tuple[int, int] | None:
        if type(other) is type(self):
            assert isinstance(other, FixedPoint)
            if other.precision == self.precision:
                return self.raw, other.raw
            prec = max(self.precision, other.precision)
            return self.raw_at(prec), other.raw_at(prec)
        if isinstance(other, int) and not isinstance(other, bool):
            return self.raw, other * _POW10[self.precision]
        if isinstance(other, Decimal) and other.is_finite():
            mine = self.as_decimal()
            return (0, 0) if mine == other else ((0, 1) if mine < other else (1, 0))
        return None

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self) and other.precision == self.precision:
            return self.raw == other.raw
        pair = self._aligned(other)
        return NotImplemented if pair is None else pair[0] == pair[1]

    def __lt__(self, other: object) -> bool:
        if type(other) is type(self) and other.precision == self.precision:
            return self.raw < other.raw
        pair = self._aligned(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    def __le__(self, other: object) -> bool:
        if type(other) is type(self) and other.precision == self.precision:
            return self.raw <= other.raw
        pair = self._aligned(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    def __gt__(self, other: object) -> bool:
        if type(other) is type(self) and other.precision == self.precision:
            return self.raw > other.raw
        pair = self._aligned(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    def __ge__(self, other: object) -> bool:
        if type(other) is type(self) and other.precision == self.precision:
            return self.raw >= other.raw
        pair = self._aligned(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    def __hash__(self) -> int:
        # equal values hash equal across precisions and with int/Decimal of the same value
        return hash(self.raw) if self.precision == 0 else hash(self.as_decimal())

    def __bool__(self) -> bool:
        return self.raw != 0

    # ---- arithmetic -------------------------------------------------------------------------
    def _combine(self, other: object, sign: int) -> Self:
        if type(other) is type(self):
            assert isinstance(other, FixedPoint)
            if other.precision == self.precision:
                raw = self.raw + other.raw if sign > 0 else self.raw - other.raw
                if raw < 0 and self._non_negative:
                    self._validate(raw, self.precision)
                obj = _new(type(self))
                _set_raw(obj, raw)
                _set_precision(obj, self.precision)
                return obj
            prec = max(self.precision, other.precision)
            return type(self).from_raw(self.raw_at(prec) + sign * other.raw_at(prec), prec)
        if isinstance(other, int) and not isinstance(other, bool):
            return type(self).from_raw(
                self.raw + sign * other * _POW10[self.precision], self.precision
            )
        return NotImplemented  # type: ignore[no-any-return]  # lets Python try the reflected op

    def __add__(self, other: Self | int) -> Self:
        return self._combine(other, 1)

    __radd__ = __add__

    def __sub__(self, other: Self | int) -> Self:
        return self._combine(other, -1)

    def __rsub__(self, other: int) -> Self:
        result = self._combine(other, -1)
        return result if result is NotImplemented else -result

    def __mul__(self, other: int) -> Self:
        if isinstance(other, int) and not isinstance(other, bool):
            return type(self).from_raw(self.raw * other, self.precision)
        return NotImplemented

    __rmul__ = __mul__

    def __neg__(self) -> Self:
        return type(self).from_raw(-self.raw, self.precision)

    def __abs__(self) -> Self:
        return type(self).from_raw(abs(self.raw), self.precision)


_new = object.__new__
_set_raw = FixedPoint.__dict__["raw"].__set__
_set_precision = FixedPoint.__dict__["precision"].__set__


def unchecked_builders() -> tuple[
    Callable[[type[Any]], Any], Callable[[FixedPoint, int], None], Callable[[FixedPoint, int], None]
]:
    """``(new, set_raw, set_precision)`` for code that builds millions of values from raw
    integers it has already checked (the backtest feed checks whole columns at once):
    ``q = new(Quantity); set_raw(q, raw); set_precision(q, precision)`` skips the per-value
    checks of `FixedPoint.from_raw` and its call. The caller answers for the checks: an int
    raw, a precision in 0..MAX_PRECISION, and no negative quantity."""
    return _new, _set_raw, _set_precision


class Price(FixedPoint):
    """A price in the instrument's quote currency. May be negative (changes, spreads); order
    validation refuses non-positive order prices."""

    __slots__ = ()
    _kind = "price"


class Quantity(FixedPoint):
    """A non-negative quantity of an instrument (shares, coins)."""

    __slots__ = ()
    _kind = "quantity"
    _non_negative = True

    @classmethod
    def _validate(cls, raw: int, precision: int) -> None:
        if raw < 0:
            raise InvalidQuantityError(f"quantity cannot be negative: {_format(raw, precision)}")

    @classmethod
    def zero(cls, precision: int = 0) -> Quantity:
        """Zero at ``precision``: one shared object per precision (values are immutable, and
        every new order starts from a zero filled quantity)."""
        found = _ZERO_QUANTITIES.get(precision) if cls is Quantity else None
        if found is None:
            found = cls.from_raw(0, precision)
            if cls is Quantity:
                _ZERO_QUANTITIES[precision] = found
        return found


_ZERO_QUANTITIES: dict[int, Quantity] = {}


class CurrencyKind(enum.Enum):
    FIAT = "fiat"
    CRYPTO = "crypto"


class Currency:
    """A currency with the precision its amounts are kept at (KRW 0, USD 2, BTC 8, ...).

    Instances are interned by code: ``Currency.of("KRW") is KRW``. Register a new crypto
    currency with `Currency.register` before using it, or let `of` create it with the default
    crypto precision (8) when ``create=True``.
    """

    __slots__ = ("code", "kind", "name", "precision")
    code: str
    precision: int
    kind: CurrencyKind
    name: str
    _registry: ClassVar[dict[str, Currency]] = {}

    def __init__(self, code: str, precision: int, kind: CurrencyKind, name: str = "") -> None:
        if not code or not code.isascii() or not code.isalnum() or code.upper() != code:
            raise ParseError(f"currency code must be upper-case ASCII letters/digits, got {code!r}")
        _check_precision(precision)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "precision", precision)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "name", name or code)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Currency is immutable")

    @classmethod
    def register(cls, currency: Currency) -> Currency:
        existing = cls._registry.get(currency.code)
        if existing is not None:
            if (existing.precision, existing.kind) != (currency.precision, currency.kind):
                raise ValueError(f"currency {currency.code} already registered differently")
            return existing
        cls._registry[currency.code] = currency
        return currency

    @classmethod
    def of(cls, code: str, *, create: bool = False) -> Currency:
        found = cls._registry.get(code)
        if found is not None:
            return found
        if create:
            return cls.register(Currency(code, 8, CurrencyKind.CRYPTO))
        raise ParseError(f"unknown currency {code!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Currency.of, (self.code,))

    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, Currency) and other.code == self.code)

    def __hash__(self) -> int:
        return hash(self.code)

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Currency({self.code!r}, precision={self.precision})"


KRW: Final = Currency.register(Currency("KRW", 0, CurrencyKind.FIAT, "Korean won"))
USD: Final = Currency.register(Currency("USD", 2, CurrencyKind.FIAT, "US dollar"))
USDT: Final = Currency.register(Currency("USDT", 6, CurrencyKind.CRYPTO, "Tether"))
BTC: Final = Currency.register(Currency("BTC", 8, CurrencyKind.CRYPTO, "Bitcoin"))
ETH: Final = Currency.register(Currency("ETH", 8, CurrencyKind.CRYPTO, "Ether"))
XRP: Final = Currency.register(Currency("XRP", 8, CurrencyKind.CRYPTO, "XRP"))
SOL: Final = Currency.register(Currency("SOL", 8, CurrencyKind.CRYPTO, "Solana"))


class Money:
    """An amount of a currency, held at the currency's precision.

    Sums and differences need the same currency (`CurrencyMismatchError` otherwise). Scaling by a
    rate (a fee, a tax) always names its rounding: KRX fees and taxes truncate to the won.
    """

    __slots__ = ("currency", "raw")
    raw: int
    currency: Currency

    def __init__(self, amount: str | int | Decimal, currency: Currency) -> None:
        raw, _ = _to_raw(amount, currency.precision)
        _set_money_raw(self, raw)
        _set_money_currency(self, currency)

    @classmethod
    def from_raw(cls, raw: int, currency: Currency) -> Money:
        obj = _new(cls)
        _set_money_raw(obj, raw)
        _set_money_currency(obj, currency)
        return obj

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: Currency, rounding: Rounding) -> Money:
        """Bring a computed amount (e.g. value x rate) onto the currency's grid."""
        if not amount.is_finite():
            raise ParseError(f"not a finite amount: {amount}")
        try:
            with localcontext() as ctx:
                ctx.prec = 80  # wide enough that only the named rounding ever drops digits
                scaled = amount.scaleb(currency.precision).quantize(
                    Decimal(1), rounding=_DECIMAL_ROUNDING[rounding]
                )
        except InvalidOperation as exc:
            raise PrecisionError(f"cannot represent {amount} {currency}") from exc
        return cls.from_raw(int(scaled), currency)

    @classmethod
    def from_str(cls, text: str, *, create_currency: bool = False) -> Money:
        """Parse ``"1500 KRW"`` / ``"-0.5 USD"`` (the form `str` produces).

        ``create_currency`` registers an unknown code as a crypto currency (see `Currency.of`).
        """
        amount, _, code = text.strip().rpartition(" ")
        if not amount:
            raise ParseError(f"money must be '<amount> <CURRENCY>', got {text!r}")
        return cls(amount, Currency.of(code, create=create_currency))

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls.from_raw(0, currency)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money.from_raw, (self.raw, self.currency))

    def as_decimal(self) -> Decimal:
        if self.currency.precision == 0:
            return Decimal(self.raw)  # exact, and the same exponent as the text form
        return Decimal(f"{self.raw}E-{self.currency.precision}")

    def _same(self, other: Money) -> None:
        if other.currency is not self.currency and other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self} and {other}")

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money.from_raw(self.raw + other.raw, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money.from_raw(self.raw - other.raw, self.currency)

    def __mul__(self, other: int) -> Money:
        if isinstance(other, int) and not isinstance(other, bool):
            return Money.from_raw(self.raw * other, self.currency)
        return NotImplemented

    __rmul__ = __mul__

    def scaled(self, rate: Decimal, rounding: Rounding) -> Money:
        """``self x rate`` rounded onto the currency grid (fees, taxes, FX)."""
        with localcontext() as ctx:
            ctx.prec = 80  # the product is exact; only `from_decimal` rounds
            product = self.as_decimal() * rate
        return Money.from_decimal(product, self.currency, rounding)

    def __neg__(self) -> Money:
        return Money.from_raw(-self.raw, self.currency)

    def __abs__(self) -> Money:
        return Money.from_raw(abs(self.raw), self.currency)

    def __bool__(self) -> bool:
        return self.raw != 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.raw == other.raw and (
            self.currency is other.currency or self.currency == other.currency
        )

    def __hash__(self) -> int:
        return hash((self.raw, self.currency.code))

    def _cmp(self, other: object) -> tuple[int, int] | None:
        if not isinstance(other, Money):
            return None
        self._same(other)
        return self.raw, other.raw

    def __lt__(self, other: object) -> bool:
        pair = self._cmp(other)
        return NotImplemented if pair is None else pair[0] < pair[1]

    def __le__(self, other: object) -> bool:
        pair = self._cmp(other)
        return NotImplemented if pair is None else pair[0] <= pair[1]

    def __gt__(self, other: object) -> bool:
        pair = self._cmp(other)
        return NotImplemented if pair is None else pair[0] > pair[1]

    def __ge__(self, other: object) -> bool:
        pair = self._cmp(other)
        return NotImplemented if pair is None else pair[0] >= pair[1]

    def __str__(self) -> str:
        return f"{_format(self.raw, self.currency.precision)} {self.currency.code}"

    def __repr__(self) -> str:
        return f"Money('{_format(self.raw, self.currency.precision)}', {self.currency.code})"

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        return f"{format(self.as_decimal(), spec)} {self.currency.code}"


_set_money_raw = Money.__dict__["raw"].__set__
_set_money_currency = Money.__dict__["currency"].__set__


def notional(price: Price, quantity: Quantity, currency: Currency, rounding: Rounding) -> Money:
    """``price x quantity`` as money; exact when it fits the currency, else rounded as named."""
    raw = price.raw * quantity.raw
    prec = price.precision + quantity.precision
    if prec <= currency.precision:
        return Money.from_raw(raw * _POW10[currency.precision - prec], currency)
    step = _POW10[prec - currency.precision]
    return Money.from_raw(round_raw(raw, step, rounding) // step, currency)
