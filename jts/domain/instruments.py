"""Instruments: what can be traded where, with the rules an order for it must obey.

An `Instrument` is immutable reference data. It validates itself at construction (and again
when decoded), so a malformed code from a file or a broker fails at the edge, and it answers
the questions the risk engine and the simulator ask before an order goes out: is this price on
the tick grid of the day and inside the daily limits, is this quantity a positive multiple of
the lot, is the order value above the venue minimum. It holds no date-dependent rules itself:
the tick table and the limits are looked up for the trading day asked about.

Fields use the exact domain types (`Price`, `Quantity`, `Money`, `Currency`, `InstrumentId`)
so the domain codec can encode an instrument like any other message.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from jts.core.errors import (
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    PrecisionError,
)
from jts.domain.identifiers import KRX, NXT, UPBIT, InstrumentId, Symbol, Venue
from jts.domain.messages import Message
from jts.domain.price_limits import PriceLimits, krx_daily_limits
from jts.domain.tick_rules import (
    InstrumentKind,
    Market,
    TickScheme,
    format_number,
    tick_scheme_for,
)
from jts.domain.values import (
    KRW,
    MAX_PRECISION,
    Currency,
    FixedPoint,
    Money,
    Price,
    Quantity,
    Rounding,
    notional,
)

__all__ = [
    "UPBIT_MIN_ORDER",
    "AssetClass",
    "BelowMinNotionalError",
    "Instrument",
    "InstrumentKind",
    "InvalidInstrumentError",
    "Market",
    "is_valid_isin",
    "isin_check_digit",
    "krx_equity",
    "upbit_spot",
]


class AssetClass(enum.Enum):
    EQUITY = "EQUITY"
    CRYPTO = "CRYPTO"


class InvalidInstrumentError(InvalidInputError):
    """An instrument definition breaks a rule (malformed code, inconsistent fields)."""


class BelowMinNotionalError(InvalidQuantityError):
    """An order's value (price x quantity) is below the venue's minimum order value."""


_KINDS_OF: Final = {
    AssetClass.EQUITY: frozenset(
        {InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN, InstrumentKind.ELW}
    ),
    AssetClass.CRYPTO: frozenset({InstrumentKind.SPOT}),
}
#: Short codes: 6 characters; letters are allowed in new codes since 2024 (krx.md §10).
_KRX_CODE: Final = re.compile(r"[0-9A-Z]{6}")
_UPBIT_MARKET: Final = re.compile(r"([A-Z0-9]{2,10})-([A-Z0-9]{1,15})")
_ISIN: Final = re.compile(r"[A-Z]{2}[0-9A-Z]{9}[0-9]")
_KRX_VENUES: Final = frozenset({KRX, NXT})
#: Kinds whose daily limits are ±rate of their own base price; ELW limits follow the
#: underlying's limit move instead [M] and are not modelled.
_LIMITED_KINDS: Final = frozenset({InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN})

#: Upbit minimum order value per quote market: KRW 5,000 [M]; BTC and USDT [S: brokers.md §4.5].
UPBIT_MIN_ORDER: Final[Mapping[str, Money]] = MappingProxyType(
    {
        "KRW": Money("5000", KRW),
        "BTC": Money("0.00005", Currency.of("BTC")),
        "USDT": Money("0.5", Currency.of("USDT")),
    }
)


def isin_check_digit(body: str) -> int:
    """The ISO 6166 check digit of the first 11 characters of an ISIN.

    Letters become two digits (A=10 .. Z=35), then the Luhn sum runs from the right, doubling
    the rightmost digit of the body (the check digit itself would be the undoubled first).
    """
    if len(body) != 11 or not body.isascii() or not body.isalnum():
        raise InvalidInputError(f"an ISIN body is 11 ASCII letters/digits, got {body!r}")
    digits = "".join(str(int(char, 36)) for char in body.upper())
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def is_valid_isin(text: str) -> bool:
    """Two-letter country, nine alphanumerics, and a matching check digit."""
    return bool(_ISIN.fullmatch(text)) and isin_check_digit(text[:11]) == int(text[11])


def _is_int_in(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


class Instrument(Message, frozen=True, kw_only=True):
    """A tradable instrument and its order rules.

    ``price_precision`` / ``size_precision`` are the most decimals a price / quantity may carry;
    ``lot_size`` is the quantity step and ``min_quantity`` the smallest order; ``min_notional``
    is the smallest order value in the quote currency (None: no minimum). ``market`` is the KRX
    segment (None for crypto); ``base_currency`` is the coin of a crypto pair.
    """

    id: InstrumentId
    name: str
    asset_class: AssetClass
    kind: InstrumentKind
    quote_currency: Currency
    price_precision: int
    size_precision: int
    lot_size: Quantity
    min_quantity: Quantity
    market: Market | None = None
    base_currency: Currency | None = None
    min_notional: Money | None = None
    name_ko: str | None = None
    isin: str | None = None
    listing_date: dt.date | None = None
    delisting_date: dt.date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, InstrumentId):
            raise InvalidInstrumentError(f"instrument id must be an InstrumentId: {self.id!r}")
        self._check_classification()
        self._check_venue_rules()
        self._check_sizes()
        self._check_optional_fields()

    def _fail(self, rule: str) -> InvalidInstrumentError:
        return InvalidInstrumentError(f"instrument {self.id}: {rule}")

    def _check_classification(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise self._fail(f"name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.asset_class, AssetClass) or not isinstance(
            self.kind, InstrumentKind
        ):
            raise self._fail(f"bad asset class {self.asset_class!r} or kind {self.kind!r}")
        if self.kind not in _KINDS_OF[self.asset_class]:
            raise self._fail(f"kind {self.kind.value} is not an {self.asset_class.value} kind")
        if self.market is not None and not isinstance(self.market, Market):
            raise self._fail(f"market must be a Market or None, got {self.market!r}")
        if self.asset_class is AssetClass.EQUITY and self.market is None:
            raise self._fail("a listed security needs its market (KOSPI, KOSDAQ or KONEX)")
        if self.asset_class is AssetClass.CRYPTO:
            if self.market is not None:
                raise self._fail(f"crypto has no KRX market, got {self.market.value}")
            if not isinstance(self.base_currency, Currency):
                raise self._fail("a crypto pair needs its base currency")
        if not isinstance(self.quote_currency, Currency):
            raise self._fail(f"quote currency must be a Currency, got {self.quote_currency!r}")

    def _check_venue_rules(self) -> None:
        symbol, venue = self.id.symbol, self.id.venue
        if venue in _KRX_VENUES:
            if self.asset_class is not AssetClass.EQUITY or self.quote_currency != KRW:
                raise self._fail("KRX lists KRW-quoted securities only")
            if not _KRX_CODE.fullmatch(symbol):
                raise self._fail(
                    "KRX short code must be 6 characters [0-9A-Z] (e.g. 005930), "
                    f"got {str(symbol)!r}"
                )
        elif venue == UPBIT:
            match = _UPBIT_MARKET.fullmatch(symbol)
            if match is None:
                raise self._fail(
                    f"Upbit market must be QUOTE-BASE (e.g. KRW-BTC), got {str(symbol)!r}"
                )
            if self.asset_class is not AssetClass.CRYPTO:
                raise self._fail("Upbit lists crypto pairs only")
            base = self.base_currency.code if self.base_currency else None
            if (match[1], match[2]) != (self.quote_currency.code, base):
                raise self._fail(
                    f"market {symbol} does not match quote {self.quote_currency.code} "
                    f"and base {base}"
                )

    def _check_sizes(self) -> None:
        for label, value in (
            ("price_precision", self.price_precision),
            ("size_precision", self.size_precision),
        ):
            if not _is_int_in(value, 0, MAX_PRECISION):
                raise self._fail(f"{label} must be an int in 0..{MAX_PRECISION}, got {value!r}")
        for label, qty in (("lot_size", self.lot_size), ("min_quantity", self.min_quantity)):
            if not isinstance(qty, Quantity) or qty.raw <= 0:
                raise self._fail(f"{label} must be a positive Quantity, got {qty!r}")
            try:
                qty.raw_at(self.size_precision)
            except PrecisionError:
                raise self._fail(
                    f"{label} {qty} has more decimals than size_precision {self.size_precision}"
                ) from None
        if not self.min_quantity.is_multiple_of(self.lot_size):
            raise self._fail(
                f"min_quantity {self.min_quantity} is not a multiple of the lot {self.lot_size}"
            )
        if self.min_notional is not None:
            if not isinstance(self.min_notional, Money) or self.min_notional.raw < 0:
                raise self._fail(f"min_notional must be non-negative Money: {self.min_notional!r}")
            if self.min_notional.currency != self.quote_currency:
                raise self._fail(
                    f"min_notional {self.min_notional} is not in the quote currency "
                    f"{self.quote_currency.code}"
                )

    def _check_optional_fields(self) -> None:
        if self.name_ko is not None and (not isinstance(self.name_ko, str) or not self.name_ko):
            raise self._fail(f"name_ko must be a non-empty string or None, got {self.name_ko!r}")
        if self.isin is not None and not (isinstance(self.isin, str) and is_valid_isin(self.isin)):
            raise self._fail(f"ISIN {self.isin!r} is malformed or fails the ISO 6166 check digit")
        for label, day in (("listing", self.listing_date), ("delisting", self.delisting_date)):
            if day is not None and (isinstance(day, dt.datetime) or not isinstance(day, dt.date)):
                raise self._fail(f"{label}_date must be a date, got {day!r}")
        if (
            self.listing_date is not None
            and self.delisting_date is not None
            and self.delisting_date < self.listing_date
        ):
            raise self._fail(
                f"delisting date {self.delisting_date} is before listing date {self.listing_date}"
            )

    # ---- identity -----------------------------------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self.id.venue

    @property
    def symbol(self) -> Symbol:
        return self.id.symbol

    def is_listed_on(self, on_date: dt.date) -> bool:
        """Listed on that day: on or after listing and before delisting (unknown dates: yes)."""
        if self.listing_date is not None and on_date < self.listing_date:
            return False
        return self.delisting_date is None or on_date < self.delisting_date

    # ---- building values ----------------------------------------------------------------------
    def make_price(self, value: str | int | Decimal | Price) -> Price:
        """A price at this instrument's precision; more decimals raise `PrecisionError`."""
        try:
            return Price(value, self.price_precision)
        except PrecisionError:
            raise PrecisionError(
                f"{self.id}: price {_text(value)} has more than the {self.price_precision} "
                "decimals allowed"
            ) from None

    def make_qty(self, value: str | int | Decimal | Quantity) -> Quantity:
        """A quantity at this instrument's precision; more decimals raise `PrecisionError`."""
        try:
            return Quantity(value, self.size_precision)
        except PrecisionError:
            raise PrecisionError(
                f"{self.id}: quantity {_text(value)} has more than the {self.size_precision} "
                "decimals allowed"
            ) from None

    # ---- order rules --------------------------------------------------------------------------
    def tick_scheme(self, on_date: dt.date) -> TickScheme:
        """The tick table in force on a KST trading day."""
        return tick_scheme_for(
            self.venue,
            self.market,
            self.kind,
            on_date,
            quote=self.quote_currency,
            base=self.base_currency,
        )

    def daily_limits(self, base_price: Price, on_date: dt.date) -> PriceLimits:
        """KRX daily limits around ``base_price`` (기준가) on the grid of that day."""
        if self.venue not in _KRX_VENUES:
            raise InvalidInputError(f"{self.id}: {self.venue} has no daily price limits")
        if self.kind not in _LIMITED_KINDS:
            raise InvalidInputError(
                f"{self.id}: daily limits of {self.kind.value}s follow the underlying and are "
                "not modelled"
            )
        return krx_daily_limits(base_price, on_date, self.tick_scheme(on_date))

    def check_order_price(
        self, price: Price, on_date: dt.date, base_price: Price | None = None
    ) -> None:
        """Refuse a limit price that is not positive, has too many decimals, is off the tick
        grid of ``on_date``, or (when the day's base price is given) is outside the limits."""
        if price.raw <= 0:
            raise InvalidPriceError(
                f"{self.id}: order price must be positive, got {format_number(price)}"
            )
        try:
            price.raw_at(self.price_precision)
        except PrecisionError:
            raise InvalidPriceError(
                f"{self.id}: price {price} has more than the {self.price_precision} decimals "
                "allowed"
            ) from None
        try:
            self.tick_scheme(on_date).check(price)
            if base_price is not None:
                self.daily_limits(base_price, on_date).check(price)
        except InvalidPriceError as exc:
            raise InvalidPriceError(f"{self.id}: {exc}") from None

    def check_order_quantity(self, quantity: Quantity) -> None:
        """Refuse a quantity that is zero, not a multiple of the lot, or below the minimum."""
        raw, lot, minimum = quantity.raw, self.lot_size, self.min_quantity
        if (
            raw > 0
            and quantity.precision == lot.precision == minimum.precision
            and raw % lot.raw == 0
            and raw >= minimum.raw
        ):
            return  # the common case, in integers (risk and the venue ask for every order)
        if quantity.raw <= 0:
            raise InvalidQuantityError(
                f"{self.id}: order quantity must be positive, got {quantity}"
            )
        if not quantity.is_multiple_of(self.lot_size):
            raise InvalidQuantityError(
                f"{self.id}: quantity {quantity} is not a multiple of the lot {self.lot_size}"
            )
        if quantity < self.min_quantity:
            raise InvalidQuantityError(
                f"{self.id}: quantity {quantity} is below the minimum {self.min_quantity}"
            )

    def notional(self, price: Price, quantity: Quantity, rounding: Rounding | None = None) -> Money:
        """``price x quantity`` in the quote currency.

        Without ``rounding`` the product must fit the currency exactly (always true for KRX);
        otherwise `PrecisionError`, because silently rounding an order value hides money.
        """
        if rounding is None:
            excess = price.precision + quantity.precision - self.quote_currency.precision
            if excess > 0 and (price.raw * quantity.raw) % 10**excess:
                raise PrecisionError(
                    f"{self.id}: {price} x {quantity} is not a whole amount of "
                    f"{self.quote_currency.code}; name a rounding"
                )
            rounding = Rounding.DOWN
        return notional(price, quantity, self.quote_currency, rounding)

    def check_min_notional(self, price: Price, quantity: Quantity) -> None:
        """Refuse an order whose exact value is below ``min_notional`` (Upbit: 5,000 KRW)."""
        minimum = self.min_notional
        if minimum is None:
            return
        value_precision = price.precision + quantity.precision
        value_raw = price.raw * quantity.raw
        precision = max(value_precision, minimum.currency.precision)
        if value_raw * 10 ** (precision - value_precision) < minimum.raw * 10 ** (
            precision - minimum.currency.precision
        ):
            exact = Decimal(value_raw).scaleb(-value_precision)
            raise BelowMinNotionalError(
                f"{self.id}: order value {format_number(exact)} {minimum.currency.code} "
                f"(price {format_number(price)} x quantity {quantity}) is below the minimum "
                f"{format_number(minimum.as_decimal())} {minimum.currency.code}"
            )


def _text(value: object) -> str:
    return (
        str(value).strip() if isinstance(value, str | FixedPoint | Decimal | int) else repr(value)
    )


def krx_equity(
    symbol: str,
    name: str,
    market: Market,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    name_ko: str | None = None,
    isin: str | None = None,
    listing_date: dt.date | None = None,
    delisting_date: dt.date | None = None,
    venue: Venue = KRX,
) -> Instrument:
    """A KRX-listed security: whole-won prices, one-share lots (krx.md §4), no value minimum."""
    one = Quantity(1)
    return Instrument(
        id=InstrumentId.of(symbol, venue),
        name=name,
        asset_class=AssetClass.EQUITY,
        kind=kind,
        quote_currency=KRW,
        price_precision=0,
        size_precision=0,
        lot_size=one,
        min_quantity=one,
        market=market,
        name_ko=name_ko,
        isin=isin,
        listing_date=listing_date,
        delisting_date=delisting_date,
    )


def upbit_spot(
    market_code: str,
    *,
    name: str | None = None,
    name_ko: str | None = None,
    min_notional: Money | None = None,
    price_precision: int = 8,
    size_precision: int = 8,
) -> Instrument:
    """An Upbit pair such as ``"KRW-BTC"`` (quote first, as Upbit writes it).

    ``min_notional`` defaults to the venue minimum of the quote market (`UPBIT_MIN_ORDER`;
    the KRW figure is [M]). Prices default to 8 decimals because the finest KRW ticks are
    0.00000001; volumes to 8 decimals, the lot to one unit of the last decimal.
    """
    match = _UPBIT_MARKET.fullmatch(market_code)
    if match is None:
        raise InvalidInstrumentError(
            f"Upbit market must be QUOTE-BASE (e.g. KRW-BTC), got {market_code!r}"
        )
    quote = Currency.of(match[1])
    base = Currency.of(match[2], create=True)
    if min_notional is None:
        min_notional = UPBIT_MIN_ORDER.get(quote.code)
    if not _is_int_in(size_precision, 0, MAX_PRECISION):
        raise InvalidInstrumentError(f"size_precision must be an int in 0..18: {size_precision!r}")
    step = Quantity.from_raw(1, size_precision)
    return Instrument(
        id=InstrumentId.of(market_code, UPBIT),
        name=name or base.name,
        asset_class=AssetClass.CRYPTO,
        kind=InstrumentKind.SPOT,
        quote_currency=quote,
        base_currency=base,
        price_precision=price_precision,
        size_precision=size_precision,
        lot_size=step,
        min_quantity=step,
        min_notional=min_notional,
        name_ko=name_ko,
    )
