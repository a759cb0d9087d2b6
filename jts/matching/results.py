"""What the matching engine answers: plain records, not kernel events.

The backtest venue turns them into `OrderAccepted` / `OrderFilled` / ... events for the kernel;
the KIS simulator turns the same records into KIS wire messages. Keeping them free of trader,
strategy and account ids is what lets both wrap one engine. Every record names the order by the
``order_id`` its owner gave it at submission.

They are frozen msgspec structs (immutable, compared and hashed by value, like frozen
dataclasses) because the engine makes several per order: a struct is built in a tenth of the
time of a frozen dataclass.
"""

from __future__ import annotations

import msgspec

from jts.domain.enums import LiquiditySide
from jts.domain.values import Price, Quantity

__all__ = [
    "Accepted",
    "CancelRejected",
    "Canceled",
    "Expired",
    "Filled",
    "MatchResult",
    "ModifyRejected",
    "Rejected",
    "Triggered",
    "Updated",
]


class Accepted(msgspec.Struct, frozen=True, gc=False):
    """The order passed the venue's checks and is working (it may not have arrived yet)."""

    order_id: str


class Rejected(msgspec.Struct, frozen=True, gc=False):
    """The venue refused a new order; ``reason`` names the value and the rule."""

    order_id: str
    reason: str


class Filled(msgspec.Struct, frozen=True, gc=False):
    """One execution: ``quantity`` at ``price``; ``leaves`` is what still works afterwards.

    ``liquidity`` is MAKER for a resting order filled at its own limit, TAKER for an order that
    took the market's price, NONE for an auction uncrossing.
    """

    order_id: str
    price: Price
    quantity: Quantity
    leaves: Quantity
    liquidity: LiquiditySide


class Triggered(msgspec.Struct, frozen=True, gc=False):
    """A stop order's trigger price was reached; it now works as a market or limit order."""

    order_id: str


class Expired(msgspec.Struct, frozen=True, gc=False):
    """The order's time in force ran out (DAY at the session close, GTD at its time)."""

    order_id: str


class Canceled(msgspec.Struct, frozen=True, gc=False):
    """The unfilled rest was cancelled: on request, or by the venue (an IOC/FOK remainder)."""

    order_id: str
    reason: str


class Updated(msgspec.Struct, frozen=True, gc=False):
    """A modify took effect. ``quantity`` is the new total (filled part included); a None
    price or trigger price means unchanged."""

    order_id: str
    quantity: Quantity
    price: Price | None
    trigger_price: Price | None


class CancelRejected(msgspec.Struct, frozen=True, gc=False):
    """A cancel found nothing to cancel (already filled, expired, cancelled or unknown)."""

    order_id: str
    reason: str


class ModifyRejected(msgspec.Struct, frozen=True, gc=False):
    """A modify was refused; the order keeps its previous terms."""

    order_id: str
    reason: str


MatchResult = (
    Accepted
    | Rejected
    | Filled
    | Triggered
    | Expired
    | Canceled
    | Updated
    | CancelRejected
    | ModifyRejected
)
