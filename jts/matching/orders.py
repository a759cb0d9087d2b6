"""Orders as the matching engine sees them.

`OrderRequest` is what an owner (the backtest venue, the KIS simulator) submits: exact domain
values, named by the owner's ``order_id``. `SimOrder` is the engine's working copy: prices and
quantities as raw integers at the instrument's precisions, so the per-bar loop compares ints
and never builds a `Price`. It is mutable and private to the engine; owners read it only
through `MatchingEngine.order`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.values import Price, Quantity

__all__ = ["SUPPORTED_ORDER_TYPES", "OrderRequest", "OrderStore", "SimOrder", "quiet_band"]

_NO_EXPIRY = 2**63  # after any nanosecond timestamp

#: The order types the engine can match. The KRX session kinds (conditional limit, best limit,
#: off-hours close) need quote or session data the engine does not model and are rejected.
SUPPORTED_ORDER_TYPES = frozenset(
    {OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET, OrderType.STOP_LIMIT}
)


# Records as msgspec structs (frozen where they were frozen dataclasses): several are built per
# order, at a fraction of a dataclass's cost.
class OrderRequest(msgspec.Struct, frozen=True, gc=False):
    """A new order for the engine; ``order_id`` is the owner's key for every later answer."""

    order_id: str
    side: OrderSide
    order_type: OrderType
    quantity: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    expire_time_ns: int | None = None


class SimOrder(msgspec.Struct, eq=False):
    """A working order. ``arrival_ns`` is when it reaches the engine (submission + latency):
    it takes part only in data not older than that. ``seq`` is its time priority (a modify that
    changes a price or raises the quantity gets a new one). ``fresh`` is True until the order has
    been matched against its first data point: a fresh order that finds the market already
    through its limit takes the market's price, a resting one is filled at its own limit."""

    order_id: str
    side: OrderSide
    order_type: OrderType
    quantity: int
    price: int | None
    trigger: int | None
    time_in_force: TimeInForce
    expire_ns: int | None
    arrival_ns: int
    seq: int
    filled: int = 0
    triggered: bool = False
    fresh: bool = True
    # derived from ``side`` and ``time_in_force`` when the order is made (whatever is given)
    is_buy: bool = False
    immediate: bool = False  # IOC or FOK: ends at its first data

    def __post_init__(self) -> None:
        self.is_buy = self.side is OrderSide.BUY
        self.immediate = self.time_in_force in (TimeInForce.IOC, TimeInForce.FOK)

    @property
    def leaves(self) -> int:
        return self.quantity - self.filled

    @property
    def awaits_trigger(self) -> bool:
        """A stop whose trigger has not been reached: not in the book yet."""
        return self.trigger is not None and not self.triggered

    @property
    def is_market(self) -> bool:
        """Takes any price: a market order, or a stop-market once triggered."""
        kind = self.order_type
        return kind is OrderType.MARKET or (kind is OrderType.STOP_MARKET and self.triggered)


class OrderStore:
    """The engine's working orders in time priority, and how each closed order ended.

    ``working`` is exposed for the engine's hot loops (a dict keeps insertion order, which is
    time priority); everything that changes it goes through the methods here.
    """

    __slots__ = ("_closed", "_next_expiry", "_seq", "working")

    def __init__(self) -> None:
        self.working: dict[str, SimOrder] = {}
        self._closed: dict[str, str] = {}
        self._seq = 0
        self._next_expiry: int | None = _NO_EXPIRY

    @property
    def next_expiry_ns(self) -> int:
        """The earliest time in force among working orders (far future when none ends), so
        the engine asks `due` only when something can be due."""
        if self._next_expiry is None:
            times = [o.expire_ns for o in self.working.values() if o.expire_ns is not None]
            self._next_expiry = min(times, default=_NO_EXPIRY)
        return self._next_expiry

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def is_known(self, order_id: str) -> bool:
        return order_id in self.working or order_id in self._closed

    def add(self, order: SimOrder) -> None:
        self.working[order.order_id] = order
        expiry = order.expire_ns
        if expiry is not None and self._next_expiry is not None and expiry < self._next_expiry:
            self._next_expiry = expiry

    def close(self, order: SimOrder, state: str) -> None:
        """Remove a working order; ``state`` ("filled", "canceled", ...) explains later
        requests for it."""
        del self.working[order.order_id]
        self._closed[order.order_id] = state
        if order.expire_ns is not None and order.expire_ns == self._next_expiry:
            self._next_expiry = None  # recomputed when next asked

    def reject(self, order_id: str) -> None:
        """Remember a refused new order, so its id is not reused and requests name why."""
        self._closed[order_id] = "rejected"

    def requeue(self, order: SimOrder) -> None:
        """Send an order to the back of the queue (a modify that loses time priority)."""
        order.seq = self.next_seq()
        del self.working[order.order_id]
        self.working[order.order_id] = order

    def why_closed(self, order_id: str) -> str:
        state = self._closed.get(order_id)
        if state is None:
            return f"order {order_id} is not known to the venue"
        return f"order {order_id} is already {state}"

    def due(self, ts_ns: int, *, inclusive: bool) -> list[SimOrder]:
        """Working orders whose time in force ends by ``ts_ns`` (at it, when ``inclusive``)."""
        return [
            order
            for order in self.working.values()
            if order.expire_ns is not None
            and (order.expire_ns <= ts_ns if inclusive else order.expire_ns < ts_ns)
        ]


def quiet_band(orders: Iterable[SimOrder]) -> tuple[int, int] | None:
    """Prices strictly between which no working order can trigger or fill: ``(low, high)``
    such that data trading only inside it leaves every order as it is. None when some order
    must see every data point (a market order, a fresh order, an IOC/FOK)."""
    low, high = -1, _NO_EXPIRY
    for order in orders:
        if order.fresh or order.immediate:
            return None
        if order.awaits_trigger:
            trigger = order.trigger
            assert trigger is not None
            if order.is_buy:
                high = min(high, trigger)
            else:
                low = max(low, trigger)
        elif order.price is None:
            return None
        elif order.is_buy:
            low = max(low, order.price)
        else:
            high = min(high, order.price)
    return low, high
