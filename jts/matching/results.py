"""What the matching engine answers: plain records, not kernel events.

The backtest venue turns them into `OrderAccepted` / `OrderFilled` / ... events for the kernel;
the KIS simulator turns the same records into KIS wire messages. Keeping them free of trader,
strategy and account ids is what lets both wrap one engine. Every record names the order by the
``order_id`` its owner gave it at submission.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Accepted:
    """The order passed the venue's checks and is working (it may not have arrived yet)."""

    order_id: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """The venue refused a new order; ``reason`` names the value and the rule."""

    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Filled:
    """One execution: ``quantity`` at ``price``; ``leaves`` is what still works afterwards.

    ``liquidity`` is MAKER for a resting order filled at its own limit, TAKER for an order that
    took the market's price, NONE for an auction uncrossing.
    """

    order_id: str
    price: Price
    quantity: Quantity
    leaves: Quantity
    liquidity: LiquiditySide


@dataclass(frozen=True, slots=True)
class Triggered:
    """A stop order's trigger price was reached; it now works as a market or limit order."""

    order_id: str


@dataclass(frozen=True, slots=True)
class Expired:
    """The order's time in force ran out (DAY at the session close, GTD at its time)."""

    order_id: str


@dataclass(frozen=True, slots=True)
class Canceled:
    """The unfilled rest was cancelled: on request, or by the venue (an IOC/FOK remainder)."""

    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Updated:
    """A modify took effect. ``quantity`` is the new total (filled part included); a None
    price or trigger price means unchanged."""

    order_id: str
    quantity: Quantity
    price: Price | None
    trigger_price: Price | None


@dataclass(frozen=True, slots=True)
class CancelRejected:
    """A cancel found nothing to cancel (already filled, expired, cancelled or unknown)."""

    order_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ModifyRejected:
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
