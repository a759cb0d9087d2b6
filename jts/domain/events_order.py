"""Order events: the facts an order's life is made of.

An `Order` is nothing but the fold of these events (`jts.domain.orders`), so each event carries
what the order needs to apply it and the journal needs to replay it. Events validate themselves
in ``__post_init__``, which msgspec also runs when decoding, so a malformed fact is refused both
when it is made and when it is read back.

Every order event names the order fully (trader, strategy, instrument, client order id) so a
consumer can route it without a lookup; ``account_id`` is set once the order is routed to an
account (always from `OrderSubmitted` on).
"""

from __future__ import annotations

from typing import Final

from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.domain.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.messages import Message
from jts.domain.values import Currency, Money, Price, Quantity, Rounding, notional


def check_timestamp(name: str, value: int, where: str = "") -> None:
    """Timestamps are int nanoseconds since the epoch; a negative one is a unit or sign bug."""
    if type(value) is not int or value < 0:
        suffix = f" ({where})" if where else ""
        raise InvalidInputError(
            f"{name} must be a non-negative int of nanoseconds, got {value!r}{suffix}"
        )


def _check_positive_price(name: str, price: Price | None, where: str) -> None:
    if price is not None and not price.is_positive():
        raise InvalidPriceError(f"{name} must be positive, got {price} ({where})")


def check_order_spec(
    where: str,
    *,
    order_type: OrderType,
    quantity: Quantity,
    price: Price | None,
    trigger_price: Price | None,
    time_in_force: TimeInForce,
    expire_time_ns: int | None,
) -> None:
    """The rules every order obeys on every venue; ``where`` names the order in the message.

    Venue rules (tick grid, daily limits, lot size) are checked by the risk engine against the
    instrument, not here: this function knows no instrument.
    """
    if not quantity.is_positive():
        raise InvalidQuantityError(f"order quantity must be positive, got {quantity} ({where})")
    kind = order_type.value
    if order_type.requires_price and price is None:
        raise InvalidPriceError(f"a {kind} order needs a limit price ({where})")
    if not order_type.requires_price and price is not None:
        raise InvalidPriceError(f"a {kind} order takes no limit price, got {price} ({where})")
    if order_type.requires_trigger_price and trigger_price is None:
        raise InvalidPriceError(f"a {kind} order needs a trigger price ({where})")
    if not order_type.requires_trigger_price and trigger_price is not None:
        raise InvalidPriceError(
            f"a {kind} order takes no trigger price, got {trigger_price} ({where})"
        )
    _check_positive_price("limit price", price, where)
    _check_positive_price("trigger price", trigger_price, where)
    if time_in_force not in order_type.allowed_time_in_force:
        allowed = ", ".join(sorted(t.value for t in order_type.allowed_time_in_force))
        raise InvalidInputError(
            f"time in force {time_in_force.value} is not allowed for a {kind} order "
            f"(allowed: {allowed}) ({where})"
        )
    if time_in_force is TimeInForce.GTD:
        if expire_time_ns is None:
            raise InvalidInputError(f"a GTD order needs an expire time ({where})")
        check_timestamp("expire_time_ns", expire_time_ns, where)
    elif expire_time_ns is not None:
        raise InvalidInputError(
            f"only GTD orders take an expire time, got {expire_time_ns} with "
            f"{time_in_force.value} ({where})"
        )


# ``gc=False`` (inherited by every order event): events hold only ids, enums, immutable values
# and tuples of strings, so they cannot form reference cycles; the collector need not track the
# hundreds of thousands a journal keeps.
class OrderEvent(Message, frozen=True, kw_only=True, gc=False):
    """Fields every order event carries; never sent itself (not a registered message type)."""

    trader_id: TraderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    client_order_id: ClientOrderId
    account_id: AccountId | None = None
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        ts_event, ts_init = self.ts_event, self.ts_init
        if type(ts_event) is not int or type(ts_init) is not int or ts_event < 0 or ts_init < 0:
            self._check_timestamps()

    def _check_timestamps(self) -> None:
        """The checks of `__post_init__` with their messages. The subclasses' validators test
        the common case inline and come here (or to their own full checks) only when something
        looks wrong, so a valid event never pays for building an error message."""
        where = f"{type(self).__name__} of order {self.client_order_id}"
        check_timestamp("ts_event", self.ts_event, where)
        check_timestamp("ts_init", self.ts_init, where)


def _timestamps_ok(event: OrderEvent) -> bool:
    ts_event, ts_init = event.ts_event, event.ts_init
    return type(ts_event) is int and type(ts_init) is int and ts_event >= 0 and ts_init >= 0


class OrderInitialized(OrderEvent, frozen=True, kw_only=True):
    """An order was created by a strategy (or adopted from a venue): everything to rebuild it."""

    side: OrderSide
    order_type: OrderType
    quantity: Quantity
    time_in_force: TimeInForce = TimeInForce.DAY
    price: Price | None = None
    trigger_price: Price | None = None
    expire_time_ns: int | None = None
    post_only: bool = False
    reduce_only: bool = False
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # the common case, decided without a call per rule; anything else gets the full
        # checks below, which name the broken rule
        order_type, price, trigger = self.order_type, self.price, self.trigger_price
        tif, ts_event, ts_init = self.time_in_force, self.ts_event, self.ts_init
        if (
            type(ts_event) is int
            and type(ts_init) is int
            and ts_event >= 0
            and ts_init >= 0
            and self.quantity.raw > 0
            and (price is None or price.raw > 0)
            and (trigger is None or trigger.raw > 0)
            and order_type.requires_price is (price is not None)
            and order_type.requires_trigger_price is (trigger is not None)
            and id(tif) in order_type.allowed_time_in_force_ids
            and tif is not TimeInForce.GTD
            and self.expire_time_ns is None
            and not self.post_only
        ):
            return
        self._check_timestamps()
        check_order_spec(
            f"order {self.client_order_id}",
            order_type=self.order_type,
            quantity=self.quantity,
            price=self.price,
            trigger_price=self.trigger_price,
            time_in_force=self.time_in_force,
            expire_time_ns=self.expire_time_ns,
        )
        if self.post_only and (
            not self.order_type.requires_price
            or self.time_in_force in (TimeInForce.IOC, TimeInForce.FOK)
        ):
            raise InvalidInputError(
                f"post-only needs a resting limit order, got {self.order_type.value} "
                f"{self.time_in_force.value} (order {self.client_order_id})"
            )


class OrderDenied(OrderEvent, frozen=True, kw_only=True):
    """Our risk engine refused the order before it was sent."""

    reason: str


class OrderSubmitted(OrderEvent, frozen=True, kw_only=True):
    """The order was handed to the venue's execution client (persisted first, then sent)."""

    def __post_init__(self) -> None:
        if not _timestamps_ok(self):
            self._check_timestamps()
        if self.account_id is None:
            raise InvalidInputError(
                f"OrderSubmitted needs the account it was sent to (order {self.client_order_id})"
            )


class OrderAccepted(OrderEvent, frozen=True, kw_only=True):
    """The venue acknowledged the order and gave it an id (KIS ``ODNO``, Upbit ``uuid``)."""

    venue_order_id: VenueOrderId


class OrderRejected(OrderEvent, frozen=True, kw_only=True):
    """The venue refused the order."""

    reason: str


class OrderPendingUpdate(OrderEvent, frozen=True, kw_only=True):
    """A modify request was sent; the venue has not answered yet."""

    venue_order_id: VenueOrderId | None = None


class OrderPendingCancel(OrderEvent, frozen=True, kw_only=True):
    """A cancel request was sent; the venue has not answered yet."""

    venue_order_id: VenueOrderId | None = None


class OrderModifyRejected(OrderEvent, frozen=True, kw_only=True):
    """The venue refused a modify request; the order keeps its previous terms."""

    reason: str
    venue_order_id: VenueOrderId | None = None


class OrderCancelRejected(OrderEvent, frozen=True, kw_only=True):
    """The venue refused a cancel request (often: already filled or already gone)."""

    reason: str
    venue_order_id: VenueOrderId | None = None


class OrderUpdated(OrderEvent, frozen=True, kw_only=True):
    """The order's terms changed. ``quantity`` is the new total order quantity (filled part
    included); a ``None`` price or trigger price means unchanged. On KRX a modify gets a new
    venue order number, carried in ``venue_order_id``."""

    quantity: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    venue_order_id: VenueOrderId | None = None

    def __post_init__(self) -> None:
        if not _timestamps_ok(self):
            self._check_timestamps()
        price, trigger = self.price, self.trigger_price
        if (
            self.quantity.raw > 0
            and (price is None or price.raw > 0)
            and (trigger is None or trigger.raw > 0)
        ):
            return
        where = f"update of order {self.client_order_id}"
        if not self.quantity.is_positive():
            raise InvalidQuantityError(
                f"order quantity must be positive, got {self.quantity} ({where})"
            )
        _check_positive_price("limit price", self.price, where)
        _check_positive_price("trigger price", self.trigger_price, where)


class OrderTriggered(OrderEvent, frozen=True, kw_only=True):
    """A stop order's trigger price was reached; it now works as a market or limit order."""

    venue_order_id: VenueOrderId | None = None


class OrderCanceled(OrderEvent, frozen=True, kw_only=True):
    """The order's unfilled remainder was cancelled (by us, or by the venue: an IOC rest)."""

    venue_order_id: VenueOrderId | None = None
    reason: str = ""


class OrderExpired(OrderEvent, frozen=True, kw_only=True):
    """The order's time in force ran out (end of day, GTD time, session end)."""

    venue_order_id: VenueOrderId | None = None


class OrderFilled(OrderEvent, frozen=True, kw_only=True):
    """One execution. ``currency`` is what ``last_px`` is quoted in; ``commission`` and ``tax``
    are what this execution cost (tax: KRX securities transaction tax, sellers only)."""

    venue_order_id: VenueOrderId
    trade_id: TradeId
    order_side: OrderSide
    order_type: OrderType
    last_qty: Quantity
    last_px: Price
    currency: Currency
    commission: Money
    tax: Money
    liquidity_side: LiquiditySide = LiquiditySide.NONE
    position_id: PositionId | None = None

    def __post_init__(self) -> None:
        if not _timestamps_ok(self):
            self._check_timestamps()
        if self.last_qty.raw > 0 and self.last_px.raw > 0 and self.tax.raw >= 0:
            return
        where = f"fill {self.trade_id} of order {self.client_order_id}"
        if not self.last_qty.is_positive():
            raise InvalidQuantityError(
                f"fill quantity must be positive, got {self.last_qty} ({where})"
            )
        if not self.last_px.is_positive():
            raise InvalidPriceError(f"fill price must be positive, got {self.last_px} ({where})")
        if self.tax.raw < 0:
            raise InvalidInputError(f"tax cannot be negative, got {self.tax} ({where})")

    def notional(self, rounding: Rounding) -> Money:
        """``last_px x last_qty`` in ``currency``; exact on KRX (integer won), else rounded."""
        return notional(self.last_px, self.last_qty, self.currency, rounding)


#: Every concrete order event, in the order the codec registers them.
ORDER_EVENT_TYPES: Final[tuple[type[OrderEvent], ...]] = (
    OrderInitialized,
    OrderDenied,
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderPendingUpdate,
    OrderPendingCancel,
    OrderModifyRejected,
    OrderCancelRejected,
    OrderUpdated,
    OrderTriggered,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)
