"""The order aggregate and its transition table.

An `Order` is built from its `OrderInitialized` event and changes only through `Order.apply`,
so replaying the journal rebuilds exactly the same order. Which event may move which status is
the table `ORDER_TRANSITIONS` below, to be read at a glance; `apply` adds only the rules that a
table of (status, event type) cannot say:

- **RESTING**: answering a pending request (modify/cancel rejected, modify done) returns the
  order to the status it rests in, derived from its own history: PARTIALLY_FILLED if anything
  filled, else TRIGGERED if triggered, else ACCEPTED if acknowledged, else SUBMITTED. Fills and
  acknowledgements that arrive while a request is pending keep the request pending (the venue
  has still not answered it) and so change what RESTING resolves to.
- **Nothing left to fill means FILLED**: a fill (or a quantity reduction) that leaves zero
  quantity closes the order as FILLED, whatever status the table names.
- **Once only**: an order is acknowledged once and triggered once (a second `OrderAccepted` or
  `OrderTriggered` is refused even where the table admits a late one), and only orders with a
  trigger price can be triggered.

Anything the table does not list raises `InvalidStateTransitionError`, and every refused event
(illegal transition, overfill, duplicate trade id, an event for another order) leaves the order
exactly as it was.

Average fill price: fills keep the exact total notional (sum of ``px x qty``) as a scaled
integer. `Order.filled_notional` is that exact value; `Order.avg_px` is ``notional / filled`` as
a `Decimal`, exact whenever the quotient has at most `AVG_PX_DIGITS` significant digits (always
the case for a single price, and for any average whose decimal expansion terminates that soon)
and otherwise rounded half-even at that many digits. A `Price` would force a tick-sized
precision onto a value that is not on any tick grid.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from jts.core.errors import (
    DuplicateFillError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidStateTransitionError,
    OverfillError,
)
from jts.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.values import Currency, Money, Price, Quantity

AVG_PX_DIGITS: Final = 40
_AVG_CONTEXT: Final = Context(prec=AVG_PX_DIGITS, rounding=ROUND_HALF_EVEN)


class OrderMismatchError(InvalidInputError):
    """An event was applied to an order it does not belong to (other id, instrument or side)."""


class Resting(enum.Enum):
    """Table target meaning "the status the order rests in" (see the module docstring)."""

    RESTING = "RESTING"


RESTING: Final = Resting.RESTING

_S = OrderStatus
_Key = tuple[OrderStatus, type[OrderEvent]]

#: (current status, event type) -> next status. Fills name PARTIALLY_FILLED (or keep a pending
#: status); `apply` turns that into FILLED when nothing is left to fill.
ORDER_TRANSITIONS: Final[Mapping[_Key, OrderStatus | Resting]] = MappingProxyType(
    {
        # not sent yet: local changes, our own risk engine, or the send itself
        (_S.INITIALIZED, OrderDenied): _S.DENIED,
        (_S.INITIALIZED, OrderSubmitted): _S.SUBMITTED,
        (_S.INITIALIZED, OrderUpdated): _S.INITIALIZED,
        (_S.INITIALIZED, OrderCanceled): _S.CANCELED,
        # sent, not acknowledged: a fill or an IOC/FOK end may beat the acknowledgement
        (_S.SUBMITTED, OrderAccepted): _S.ACCEPTED,
        (_S.SUBMITTED, OrderRejected): _S.REJECTED,
        (_S.SUBMITTED, OrderPendingUpdate): _S.PENDING_UPDATE,
        (_S.SUBMITTED, OrderPendingCancel): _S.PENDING_CANCEL,
        (_S.SUBMITTED, OrderTriggered): _S.TRIGGERED,
        (_S.SUBMITTED, OrderFilled): _S.PARTIALLY_FILLED,
        (_S.SUBMITTED, OrderCanceled): _S.CANCELED,
        (_S.SUBMITTED, OrderExpired): _S.EXPIRED,
        # working at the venue
        (_S.ACCEPTED, OrderPendingUpdate): _S.PENDING_UPDATE,
        (_S.ACCEPTED, OrderPendingCancel): _S.PENDING_CANCEL,
        (_S.ACCEPTED, OrderUpdated): _S.ACCEPTED,  # changed by the venue, unasked
        (_S.ACCEPTED, OrderTriggered): _S.TRIGGERED,
        (_S.ACCEPTED, OrderFilled): _S.PARTIALLY_FILLED,
        (_S.ACCEPTED, OrderCanceled): _S.CANCELED,
        (_S.ACCEPTED, OrderExpired): _S.EXPIRED,
        # a stop whose trigger was hit; the venue may still refuse the resulting order
        (_S.TRIGGERED, OrderRejected): _S.REJECTED,
        (_S.TRIGGERED, OrderAccepted): _S.TRIGGERED,  # the trigger beat the ack
        (_S.TRIGGERED, OrderPendingUpdate): _S.PENDING_UPDATE,
        (_S.TRIGGERED, OrderPendingCancel): _S.PENDING_CANCEL,
        (_S.TRIGGERED, OrderUpdated): _S.TRIGGERED,
        (_S.TRIGGERED, OrderFilled): _S.PARTIALLY_FILLED,
        (_S.TRIGGERED, OrderCanceled): _S.CANCELED,
        (_S.TRIGGERED, OrderExpired): _S.EXPIRED,
        # partly filled and still working (modify of the rest, cancel of the rest, IOC rest)
        (_S.PARTIALLY_FILLED, OrderAccepted): _S.PARTIALLY_FILLED,  # fill beat the ack
        (_S.PARTIALLY_FILLED, OrderPendingUpdate): _S.PENDING_UPDATE,
        (_S.PARTIALLY_FILLED, OrderPendingCancel): _S.PENDING_CANCEL,
        (_S.PARTIALLY_FILLED, OrderUpdated): _S.PARTIALLY_FILLED,
        (_S.PARTIALLY_FILLED, OrderFilled): _S.PARTIALLY_FILLED,
        (_S.PARTIALLY_FILLED, OrderCanceled): _S.CANCELED,
        (_S.PARTIALLY_FILLED, OrderExpired): _S.EXPIRED,
        # modify requested: the answer, or facts that overtake it
        (_S.PENDING_UPDATE, OrderUpdated): RESTING,
        (_S.PENDING_UPDATE, OrderModifyRejected): RESTING,
        (_S.PENDING_UPDATE, OrderPendingCancel): _S.PENDING_CANCEL,
        (_S.PENDING_UPDATE, OrderAccepted): _S.PENDING_UPDATE,
        (_S.PENDING_UPDATE, OrderTriggered): _S.PENDING_UPDATE,
        (_S.PENDING_UPDATE, OrderFilled): _S.PENDING_UPDATE,
        (_S.PENDING_UPDATE, OrderCanceled): _S.CANCELED,
        (_S.PENDING_UPDATE, OrderExpired): _S.EXPIRED,
        # cancel requested: the answer, or facts that overtake it (a modify sent earlier
        # may still be answered; the cancel stays pending)
        (_S.PENDING_CANCEL, OrderCanceled): _S.CANCELED,
        (_S.PENDING_CANCEL, OrderCancelRejected): RESTING,
        (_S.PENDING_CANCEL, OrderUpdated): _S.PENDING_CANCEL,
        (_S.PENDING_CANCEL, OrderModifyRejected): _S.PENDING_CANCEL,
        (_S.PENDING_CANCEL, OrderAccepted): _S.PENDING_CANCEL,
        (_S.PENDING_CANCEL, OrderTriggered): _S.PENDING_CANCEL,
        (_S.PENDING_CANCEL, OrderFilled): _S.PENDING_CANCEL,
        (_S.PENDING_CANCEL, OrderExpired): _S.EXPIRED,
        # closed orders absorb late news that cannot change them: an acknowledgement that
        # the close overtook (fill or IOC end before the ack), and refusals of requests that
        # raced with the close
        (_S.FILLED, OrderAccepted): _S.FILLED,
        (_S.CANCELED, OrderAccepted): _S.CANCELED,
        (_S.EXPIRED, OrderAccepted): _S.EXPIRED,
        (_S.REJECTED, OrderCancelRejected): _S.REJECTED,
        (_S.REJECTED, OrderModifyRejected): _S.REJECTED,
        (_S.FILLED, OrderCancelRejected): _S.FILLED,
        (_S.FILLED, OrderModifyRejected): _S.FILLED,
        (_S.CANCELED, OrderCancelRejected): _S.CANCELED,
        (_S.CANCELED, OrderModifyRejected): _S.CANCELED,
        (_S.EXPIRED, OrderCancelRejected): _S.EXPIRED,
        (_S.EXPIRED, OrderModifyRejected): _S.EXPIRED,
    }
)


#: `ORDER_TRANSITIONS` by ``id`` of the current status, then by event type: the lookup
#: `Order.apply` makes on every event, without hashing an enum member in Python.
_TRANSITIONS_BY_STATUS: Final[dict[int, dict[type[OrderEvent], OrderStatus | Resting]]] = {
    id(status): {
        kind: target for (current, kind), target in ORDER_TRANSITIONS.items() if current is status
    }
    for status in OrderStatus
}


def ratio_to_decimal(value: Fraction) -> Decimal:
    """An exact ratio as a Decimal: exact if it fits `AVG_PX_DIGITS` digits, else half-even."""
    return _AVG_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


class Order:
    """One order: its terms, status, fills and the events that made it so."""

    __slots__ = (
        "_accepted",
        "_account_id",
        "_commissions",
        "_events",
        "_filled_qty",
        "_init",
        "_notional_prec",
        "_notional_raw",
        "_price",
        "_quantity",
        "_status",
        "_taxes",
        "_trade_id_set",
        "_trade_ids",
        "_trigger_price",
        "_triggered",
        "_venue_order_ids",
    )

    def __init__(self, init: OrderInitialized) -> None:
        if not isinstance(init, OrderInitialized):
            raise InvalidInputError(
                f"an order is built from OrderInitialized, got {type(init).__name__}"
            )
        # OrderInitialized validated the order's terms when it was made (or decoded).
        self._init = init
        self._status = OrderStatus.INITIALIZED
        self._account_id = init.account_id
        self._quantity = init.quantity
        self._price = init.price
        self._trigger_price = init.trigger_price
        self._filled_qty = Quantity.zero(init.quantity.precision)
        self._notional_raw = 0
        self._notional_prec = 0
        self._commissions: dict[Currency, Money] = {}
        self._taxes: dict[Currency, Money] = {}
        self._trade_ids: list[TradeId] = []
        self._trade_id_set: set[TradeId] = set()  # O(1) duplicate checks on many-fill orders
        self._venue_order_ids: list[VenueOrderId] = []
        self._accepted = False
        self._triggered = False
        self._events: list[OrderEvent] = [init]

    @classmethod
    def rebuild(cls, events: Iterable[OrderEvent]) -> Order:
        """Replay a journal: the first event must be the order's `OrderInitialized`."""
        iterator = iter(events)
        first = next(iterator, None)
        if not isinstance(first, OrderInitialized):
            raise InvalidInputError(
                f"an order's history starts with OrderInitialized, got {type(first).__name__}"
            )
        order = cls(first)
        for event in iterator:
            order.apply(event)
        return order

    # ---- identity and terms -----------------------------------------------------------------
    @property
    def init(self) -> OrderInitialized:
        return self._init

    @property
    def trader_id(self) -> TraderId:
        return self._init.trader_id

    @property
    def strategy_id(self) -> StrategyId:
        return self._init.strategy_id

    @property
    def instrument_id(self) -> InstrumentId:
        return self._init.instrument_id

    @property
    def client_order_id(self) -> ClientOrderId:
        return self._init.client_order_id

    @property
    def account_id(self) -> AccountId | None:
        return self._account_id

    @property
    def side(self) -> OrderSide:
        return self._init.side

    @property
    def order_type(self) -> OrderType:
        return self._init.order_type

    @property
    def time_in_force(self) -> TimeInForce:
        return self._init.time_in_force

    @property
    def expire_time_ns(self) -> int | None:
        return self._init.expire_time_ns

    @property
    def tags(self) -> tuple[str, ...]:
        return self._init.tags

    @property
    def quantity(self) -> Quantity:
        """Current total order quantity (a modify may have changed it)."""
        return self._quantity

    @property
    def price(self) -> Price | None:
        return self._price

    @property
    def trigger_price(self) -> Price | None:
        return self._trigger_price

    # ---- state ------------------------------------------------------------------------------
    @property
    def status(self) -> OrderStatus:
        return self._status

    @property
    def is_open(self) -> bool:
        return self._status.is_open

    @property
    def is_closed(self) -> bool:
        return self._status.is_closed

    @property
    def is_inflight(self) -> bool:
        return self._status.is_inflight

    @property
    def is_triggered(self) -> bool:
        return self._triggered

    @property
    def venue_order_id(self) -> VenueOrderId | None:
        """The venue's current id for the order (a KRX modify issues a new one)."""
        return self._venue_order_ids[-1] if self._venue_order_ids else None

    @property
    def venue_order_ids(self) -> tuple[VenueOrderId, ...]:
        """Every venue id the order has had, oldest first."""
        return tuple(self._venue_order_ids)

    @property
    def filled_qty(self) -> Quantity:
        return self._filled_qty

    @property
    def leaves_qty(self) -> Quantity:
        return self._quantity - self._filled_qty

    @property
    def filled_notional(self) -> Decimal:
        """Exact sum of ``last_px x last_qty`` over the fills."""
        return Decimal(f"{self._notional_raw}E-{self._notional_prec}")

    @property
    def avg_px(self) -> Decimal | None:
        """Average fill price (see the module docstring for its precision); None before fills."""
        if self._filled_qty.raw == 0:
            return None
        ratio = Fraction(self._notional_raw, 10**self._notional_prec) / Fraction(
            self._filled_qty.raw, 10**self._filled_qty.precision
        )
        return ratio_to_decimal(ratio)

    @property
    def commissions(self) -> dict[Currency, Money]:
        """Commissions paid so far, per currency (a copy)."""
        return dict(self._commissions)

    @property
    def taxes(self) -> dict[Currency, Money]:
        """Taxes paid so far, per currency (a copy)."""
        return dict(self._taxes)

    @property
    def trade_ids(self) -> tuple[TradeId, ...]:
        return tuple(self._trade_ids)

    @property
    def last_trade_id(self) -> TradeId | None:
        return self._trade_ids[-1] if self._trade_ids else None

    @property
    def events(self) -> tuple[OrderEvent, ...]:
        return tuple(self._events)

    @property
    def last_event(self) -> OrderEvent:
        return self._events[-1]

    @property
    def event_count(self) -> int:
        return len(self._events)

    @property
    def ts_init(self) -> int:
        return self._init.ts_init

    @property
    def ts_last(self) -> int:
        """``ts_event`` of the latest event."""
        return self._events[-1].ts_event

    def __repr__(self) -> str:
        return (
            f"Order({self.client_order_id}, {self.side.value} {self._quantity} "
            f"{self.instrument_id} {self.order_type.value}, {self._status.value}, "
            f"filled={self._filled_qty})"
        )

    # ---- transitions ------------------------------------------------------------------------
    def apply(self, event: OrderEvent) -> None:
        """Apply one event; on any error the order is left exactly as it was."""
        # The checks run in this order: identity, duplicate fill, transition table, once-only
        # rules. Each tests the common case inline and calls the method that explains the
        # failure only when the case is not the common one (every order event passes here).
        mine = self._init
        account = event.account_id
        if (
            event.client_order_id != mine.client_order_id
            or event.instrument_id != mine.instrument_id
            or event.strategy_id != mine.strategy_id
            or event.trader_id != mine.trader_id
            or (
                account is not None and self._account_id is not None and account != self._account_id
            )
        ):
            self._check_identity(event)
        kind = type(event)
        fill = event if isinstance(event, OrderFilled) else None
        if fill is not None:
            if fill.order_side is not mine.side:
                self._check_identity(event)
            if fill.trade_id in self._trade_id_set:
                raise DuplicateFillError(
                    f"order {self.client_order_id}: trade {fill.trade_id} was already applied"
                )
        target = _TRANSITIONS_BY_STATUS[id(self._status)].get(kind)
        if target is None:
            raise InvalidStateTransitionError(
                f"order {self.client_order_id}: {kind.__name__} is not allowed in status "
                f"{self._status.value}"
            )
        if fill is not None:
            self._apply_fill(fill)  # validates fully before it changes anything
        elif isinstance(event, OrderAccepted):
            if self._accepted:
                self._check_once_only(event)
            self._accepted = True
        elif isinstance(event, OrderTriggered):
            self._check_once_only(event)
            self._triggered = True
        elif isinstance(event, OrderUpdated):
            self._apply_update(event)
        if account is not None and self._account_id is None:
            self._account_id = account
        venue_id: VenueOrderId | None = getattr(event, "venue_order_id", None)
        if venue_id is not None:
            self._record_venue_id(venue_id, fill is not None)
        new_status = self._resting_status() if target is RESTING else target
        if not new_status.is_closed and self._filled_qty.raw:
            filled, quantity = self._filled_qty, self._quantity
            if (
                filled.raw == quantity.raw
                if filled.precision == quantity.precision
                else filled == quantity
            ):
                new_status = OrderStatus.FILLED
        self._status = new_status
        self._events.append(event)

    def has_trade_id(self, trade_id: TradeId) -> bool:
        """Whether a fill with this trade id was applied (O(1), without copying the ids)."""
        return trade_id in self._trade_id_set

    def _check_identity(self, event: OrderEvent) -> None:
        mine = self._init
        for name in ("client_order_id", "instrument_id", "strategy_id", "trader_id"):
            if getattr(event, name) != getattr(mine, name):
                raise OrderMismatchError(
                    f"order {mine.client_order_id}: {type(event).__name__} has {name} "
                    f"{getattr(event, name)}, the order has {getattr(mine, name)}"
                )
        if (
            event.account_id is not None
            and self._account_id is not None
            and event.account_id != self._account_id
        ):
            raise OrderMismatchError(
                f"order {mine.client_order_id}: {type(event).__name__} is for account "
                f"{event.account_id}, the order is in {self._account_id}"
            )
        if isinstance(event, OrderFilled) and event.order_side is not mine.side:
            raise OrderMismatchError(
                f"order {mine.client_order_id}: fill {event.trade_id} is a "
                f"{event.order_side.value}, the order is a {mine.side.value}"
            )

    def _check_once_only(self, event: OrderEvent) -> None:
        """Raises for a second acknowledgement or trigger, or a trigger of an order that has
        no trigger price (called by `apply` before it changes anything)."""
        problem = None
        if isinstance(event, OrderAccepted) and self._accepted:
            problem = f"it was already acknowledged as {self.venue_order_ids[0]}"
        elif isinstance(event, OrderTriggered):
            if not self.order_type.requires_trigger_price:
                problem = f"a {self.order_type.value} order has no trigger price"
            elif self._triggered:
                problem = "it was already triggered"
        if problem is not None:
            raise InvalidStateTransitionError(
                f"order {self.client_order_id}: {type(event).__name__} is not allowed in status "
                f"{self._status.value}: {problem}"
            )

    def _resting_status(self) -> OrderStatus:
        if self._filled_qty.raw:
            return OrderStatus.PARTIALLY_FILLED
        if self._triggered:
            return OrderStatus.TRIGGERED
        return OrderStatus.ACCEPTED if self._accepted else OrderStatus.SUBMITTED

    def _record_venue_id(self, venue_id: VenueOrderId, is_fill: bool) -> None:
        if venue_id in self._venue_order_ids:
            return  # a late event may quote an id the order had before a modify
        # Only acks and updates name a new current id; a fill names one only for an order the
        # venue has not acknowledged yet, since fills report whatever id matched.
        if not is_fill or not self._venue_order_ids:
            self._venue_order_ids.append(venue_id)

    def _apply_fill(self, fill: OrderFilled) -> None:
        filled = self._filled_qty + fill.last_qty
        if filled > self._quantity:
            raise OverfillError(
                f"order {self.client_order_id}: fill {fill.trade_id} of {fill.last_qty} would "
                f"fill {filled} of quantity {self._quantity} (already filled {self._filled_qty})"
            )
        term_raw = fill.last_px.raw * fill.last_qty.raw
        term_prec = fill.last_px.precision + fill.last_qty.precision
        prec = max(term_prec, self._notional_prec)
        notional_raw = self._notional_raw * 10 ** (prec - self._notional_prec) + term_raw * 10 ** (
            prec - term_prec
        )
        commissions = _add_money(self._commissions, fill.commission)
        taxes = _add_money(self._taxes, fill.tax)
        # nothing can fail below this line
        self._filled_qty = filled
        self._notional_raw, self._notional_prec = notional_raw, prec
        self._commissions, self._taxes = commissions, taxes
        self._trade_ids.append(fill.trade_id)
        self._trade_id_set.add(fill.trade_id)

    def _apply_update(self, update: OrderUpdated) -> None:
        where = f"order {self.client_order_id} ({self.order_type.value})"
        if update.price is not None and not self.order_type.requires_price:
            raise InvalidPriceError(f"{where} takes no limit price, update gives {update.price}")
        if update.trigger_price is not None and not self.order_type.requires_trigger_price:
            raise InvalidPriceError(
                f"{where} takes no trigger price, update gives {update.trigger_price}"
            )
        if update.quantity < self._filled_qty:
            raise InvalidQuantityError(
                f"{where}: new quantity {update.quantity} is below the filled {self._filled_qty}"
            )
        self._quantity = update.quantity
        if update.price is not None:
            self._price = update.price
        if update.trigger_price is not None:
            self._trigger_price = update.trigger_price


def _add_money(totals: dict[Currency, Money], amount: Money) -> dict[Currency, Money]:
    """A new per-currency total with ``amount`` added; a zero amount adds no entry and returns
    ``totals`` itself (the totals are replaced, never changed in place, so sharing is safe)."""
    if not amount.raw:
        return totals
    result = dict(totals)
    previous = result.get(amount.currency)
    result[amount.currency] = amount if previous is None else previous + amount
    return result
