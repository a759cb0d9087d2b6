"""Closed vocabularies of the trading domain.

Every enum is string-valued so that the value is what travels on the wire and lands in the
journal: a renamed Python member would break stored data, a changed value is a visible migration.
Facts about a member that other code keeps asking (does this order type need a limit price? is
this status terminal?) live here next to the member, so there is one answer in the system.
"""

from __future__ import annotations

import enum
from typing import Final


class OrderSide(enum.Enum):
    BUY = "BUY"
    SELL = "SELL"

    # Facts about each member are plain attributes, set once below the classes: a property
    # costs a call on every read, and a set membership test hashes the member in Python
    # (`Enum.__hash__`), both on every order and fill.
    sign: int
    """+1 for a buy, -1 for a sell: the direction a fill moves a position."""
    opposite: OrderSide


class OrderType(enum.Enum):
    """Generic order types plus the KRX kinds that brokers expose (KIS ``ORD_DVSN``).

    The KRX kinds are priced by the exchange or by the session, not by the trader, except
    conditional limit and after-hours single price, which carry a limit price:

    - ``CONDITIONAL_LIMIT`` (조건부지정가, ORD_DVSN 02): a limit order during continuous trading
      that turns into a market order in the closing auction if still open.
    - ``BEST_LIMIT`` (최유리지정가, 03): priced at the best opposite quote on arrival.
    - ``BEST_OWN_LIMIT`` (최우선지정가, 04): priced at the best same-side quote on arrival.
    - ``PRE_MARKET_CLOSE`` (장전 시간외 종가, 05): 08:30-08:40 at the previous close.
    - ``POST_MARKET_CLOSE`` (장후 시간외 종가, 06): 15:40-16:00 at today's close.
    - ``AFTER_HOURS_SINGLE`` (시간외 단일가, 07): 16:00-18:00 call auctions, limit within +-10%.

    IOC/FOK variants (ORD_DVSN 11-16) are not separate types here: they are the base type with
    ``TimeInForce.IOC``/``FOK``, which is how every other venue models them.
    """

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP_MARKET = "STOP_MARKET"
    STOP_LIMIT = "STOP_LIMIT"
    CONDITIONAL_LIMIT = "CONDITIONAL_LIMIT"
    BEST_LIMIT = "BEST_LIMIT"
    BEST_OWN_LIMIT = "BEST_OWN_LIMIT"
    PRE_MARKET_CLOSE = "PRE_MARKET_CLOSE"
    POST_MARKET_CLOSE = "POST_MARKET_CLOSE"
    AFTER_HOURS_SINGLE = "AFTER_HOURS_SINGLE"

    requires_price: bool
    """True when the trader must give a limit price; False when giving one is an error."""
    requires_trigger_price: bool
    """True for stop orders; any other type given a trigger price is an error."""
    allowed_time_in_force: frozenset[TimeInForce]
    """Time-in-force values that make sense for this type on any venue.

    Session-bound KRX kinds only live for their session (DAY); best limit also exists as
    IOC/FOK (ORD_DVSN 15/16). Venue-specific limits beyond this are the adapter's business.
    """
    allowed_time_in_force_ids: frozenset[int]
    """`id` of each member of `allowed_time_in_force`: a membership test without hashing a
    member in Python (order validation asks on every order)."""


class TimeInForce(enum.Enum):
    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTD = "GTD"  # needs an expire time


class OrderStatus(enum.Enum):
    """Where an order is in its life; the transitions are the table in `jts.domain.orders`."""

    INITIALIZED = "INITIALIZED"
    DENIED = "DENIED"  # refused by our own risk engine, never sent
    SUBMITTED = "SUBMITTED"  # sent, no acknowledgement yet
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"  # refused by the venue
    TRIGGERED = "TRIGGERED"  # a stop order whose trigger price was reached
    PENDING_UPDATE = "PENDING_UPDATE"
    PENDING_CANCEL = "PENDING_CANCEL"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"

    is_closed: bool
    """Terminal: no further fill can happen and the status never changes again."""
    is_open: bool
    """Working at the venue (or about to be): can still fill."""
    is_inflight: bool
    """A request was sent and its answer has not come back yet."""


class LiquiditySide(enum.Enum):
    """Who provided the liquidity of a fill; auction fills are neither maker nor taker."""

    NONE = "NONE"
    MAKER = "MAKER"
    TAKER = "TAKER"


class PositionSide(enum.Enum):
    FLAT = "FLAT"
    LONG = "LONG"
    SHORT = "SHORT"


class OmsType(enum.Enum):
    """NETTING keeps one position per instrument and strategy (how KRX cash accounts work);
    HEDGING keeps one per opening order (some derivatives and crypto venues)."""

    NETTING = "NETTING"
    HEDGING = "HEDGING"


class AccountType(enum.Enum):
    """CASH may never spend more than it has; MARGIN may go below zero (credit, 미수)."""

    CASH = "CASH"
    MARGIN = "MARGIN"


_PRICED_TYPES: Final = frozenset(
    {
        OrderType.LIMIT,
        OrderType.STOP_LIMIT,
        OrderType.CONDITIONAL_LIMIT,
        OrderType.AFTER_HOURS_SINGLE,
    }
)
_TRIGGERED_TYPES: Final = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})
_ALL_TIF: Final = frozenset(TimeInForce)
_DAY_ONLY: Final = frozenset({TimeInForce.DAY})
_ALLOWED_TIF: Final = {
    OrderType.CONDITIONAL_LIMIT: _DAY_ONLY,
    OrderType.BEST_LIMIT: frozenset({TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK}),
    OrderType.BEST_OWN_LIMIT: _DAY_ONLY,
    OrderType.PRE_MARKET_CLOSE: _DAY_ONLY,
    OrderType.POST_MARKET_CLOSE: _DAY_ONLY,
    OrderType.AFTER_HOURS_SINGLE: _DAY_ONLY,
}

CLOSED_STATUSES: Final = frozenset(
    {
        OrderStatus.DENIED,
        OrderStatus.REJECTED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
    }
)
OPEN_STATUSES: Final = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.TRIGGERED,
        OrderStatus.PENDING_UPDATE,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PARTIALLY_FILLED,
    }
)
INFLIGHT_STATUSES: Final = frozenset(
    {OrderStatus.SUBMITTED, OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL}
)


def _set_member_facts() -> None:
    """The member attributes declared in the classes, from the tables above (one source)."""
    for side in OrderSide:
        side.sign = 1 if side is OrderSide.BUY else -1
        side.opposite = OrderSide.SELL if side is OrderSide.BUY else OrderSide.BUY
    for kind in OrderType:
        kind.requires_price = kind in _PRICED_TYPES
        kind.requires_trigger_price = kind in _TRIGGERED_TYPES
        kind.allowed_time_in_force = _ALLOWED_TIF.get(kind, _ALL_TIF)
        kind.allowed_time_in_force_ids = frozenset(map(id, kind.allowed_time_in_force))
    for status in OrderStatus:
        status.is_closed = status in CLOSED_STATUSES
        status.is_open = status in OPEN_STATUSES
        status.is_inflight = status in INFLIGHT_STATUSES


_set_member_facts()
