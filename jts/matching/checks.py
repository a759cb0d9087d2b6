"""The venue's checks of new orders and modifies, answered with the rule that was broken.

A simulated venue must refuse what KRX (or Upbit) refuses, or a backtest trades at prices no
real order could have had: prices off the day's tick grid or beyond its daily limits,
quantities off the lot, order values under the venue minimum. The messages are the
instrument's own (`Instrument.check_order_price` and friends), so the reason an
`OrderRejected` carries names the value and the rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from jts.core.errors import InvalidInputError, InvalidPriceError, PrecisionError
from jts.domain.enums import TimeInForce
from jts.domain.instruments import Instrument
from jts.domain.price_limits import PriceLimits
from jts.domain.tick_rules import TickScheme, format_number
from jts.domain.values import Price, Quantity
from jts.matching.orders import SUPPORTED_ORDER_TYPES, OrderRequest, SimOrder
from jts.matching.sessions import SessionRules, TradingDay

__all__ = ["OrderChecks"]

#: Dates kept in the caches: today, the next session, and a few for orders in flight.
_KEEP: Final = 8
#: `SUPPORTED_ORDER_TYPES` by ``id``: a membership test that does not hash an enum member in
#: Python (every new order asks)
_SUPPORTED_IDS: Final = frozenset(map(id, SUPPORTED_ORDER_TYPES))


class OrderChecks:
    """Checks for one instrument. ``base`` is today's base price and ``close`` today's last
    regular price so far; an order that will trade in a later session (sent after the close or
    on a holiday) is checked against that session's limits, whose base is today's close.

    The rules are the instrument's (`Instrument.check_order_price`, same messages), but the
    tick table and the limits of a date are kept here: computing them costs tens of
    microseconds, and a backtest checks an order on every submission and modify.
    """

    __slots__ = ("_instrument", "_limited", "_limits", "_rules", "_schemes", "_size_precision")

    def __init__(self, instrument: Instrument, rules: SessionRules, *, limited: bool) -> None:
        self._instrument = instrument
        self._rules = rules
        self._limited = limited
        self._size_precision = instrument.size_precision
        self._schemes: dict[dt.date, TickScheme] = {}
        self._limits: dict[tuple[dt.date, Price], PriceLimits] = {}

    def scheme(self, date: dt.date) -> TickScheme:
        """The instrument's tick table on ``date``."""
        found = self._schemes.get(date)
        if found is None:
            if len(self._schemes) >= _KEEP:
                self._schemes.clear()
            found = self._schemes[date] = self._instrument.tick_scheme(date)
        return found

    def limits(self, date: dt.date, base: Price | None) -> PriceLimits | None:
        """The daily limits on ``date`` around ``base``; None without a base or limits."""
        if base is None or not self._limited:
            return None
        key = (date, base)
        found = self._limits.get(key)
        if found is None:
            if len(self._limits) >= _KEEP:
                self._limits.clear()
            found = self._limits[key] = self._instrument.daily_limits(base, date)
        return found

    def quantity(self, quantity: Quantity) -> None:
        """Positive, on the lot, at least the minimum, and no finer than the instrument."""
        self._instrument.check_order_quantity(quantity)
        quantity.raw_at(self._size_precision)

    def price(
        self,
        price: Price,
        at_ns: int,
        base: Price | None,
        close: Price | None,
        day: TradingDay | None = None,
    ) -> None:
        """Positive, no finer than the instrument, on the tick grid and inside the limits of
        the session the order trades in."""
        where = self._instrument.id
        date, later = self._rules.trading_date(at_ns, day)
        if price.raw <= 0:
            raise InvalidPriceError(
                f"{where}: order price must be positive, got {format_number(price)}"
            )
        try:
            price.raw_at(self._instrument.price_precision)
        except PrecisionError:
            raise InvalidPriceError(
                f"{where}: price {price} has more than the {self._instrument.price_precision} "
                "decimals allowed"
            ) from None
        reference = close if later and close is not None else base
        try:
            self.scheme(date).check(price)
            limits = self.limits(date, reference)
            if limits is not None:
                limits.check(price)
        except InvalidPriceError as exc:
            raise InvalidPriceError(f"{where}: {exc}") from None

    def new_order(
        self,
        request: OrderRequest,
        now_ns: int,
        base: Price | None,
        close: Price | None,
        day: TradingDay | None = None,
    ) -> str | None:
        """Why a new order must be rejected, or None. (Duplicate ids are the store's check.)"""
        kind = request.order_type
        if id(kind) not in _SUPPORTED_IDS:
            return (
                f"{self._instrument.id}: {kind.value} orders are not supported by the simulated "
                "venue"
            )
        if request.time_in_force is TimeInForce.GTD and (
            request.expire_time_ns is None or request.expire_time_ns <= now_ns
        ):
            return (
                f"{self._instrument.id}: GTD expire time {request.expire_time_ns} is not after "
                f"now {now_ns}"
            )
        try:
            self.quantity(request.quantity)
            for price in (request.price, request.trigger_price):
                if price is not None:
                    self.price(price, now_ns, base, close, day)
            if request.price is not None:
                self._instrument.check_min_notional(request.price, request.quantity)
        except InvalidInputError as exc:
            return str(exc)
        return None

    def modify(
        self,
        order: SimOrder,
        at_ns: int,
        base: Price | None,
        close: Price | None,
        day: TradingDay | None = None,
        *,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
    ) -> str | None:
        """Why a modify of a working order must be refused, or None."""
        where = f"{self._instrument.id}: order {order.order_id} ({order.order_type.value})"
        if price is not None and order.price is None:
            return f"{where} takes no limit price, the modify gives {price}"
        if trigger_price is not None:
            if order.trigger is None:
                return f"{where} takes no trigger price, the modify gives {trigger_price}"
            if order.triggered:
                return f"{where} was already triggered; its trigger price cannot change"
        try:
            if quantity is not None:
                self.quantity(quantity)
                if quantity.raw_at(self._size_precision) < order.filled:
                    filled = Quantity.from_raw(order.filled, self._size_precision)
                    return f"{where}: new quantity {quantity} is below the filled {filled}"
            for value in (price, trigger_price):
                if value is not None:
                    self.price(value, at_ns, base, close, day)
        except InvalidInputError as exc:
            return str(exc)
        return None
