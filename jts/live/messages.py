"""The messages only a live node sends: requests and answers between a split node's roles,
and the facts its alerts are made of that the kernel does not publish (reconciliation
differences, venue connections lost and restored).

They are registered with the domain codec when this module is imported, so every bus built in
a process that imports `jts.live` can carry them; the kernel never sees them. So is the one
message the kernel publishes that the domain does not list, `ExecAlgorithmProgress` (its module
leaves that to whoever builds the bus codec, which is here).
"""

from __future__ import annotations

from typing import Final, Literal

from jts.core.errors import InvalidInputError
from jts.domain.codec import register_message_type
from jts.domain.identifiers import AccountId, InstrumentId, TraderId, Venue
from jts.domain.market_data import BarType
from jts.domain.messages import Message
from jts.kernel.execution.algorithms.progress import ExecAlgorithmProgress

__all__ = [
    "ConnectionLost",
    "ConnectionRestored",
    "DataKind",
    "DataSubscribed",
    "DataSubscription",
    "ExecutionStatus",
    "ExecutionStatusRequest",
    "ReconciliationDifference",
]

register_message_type(ExecAlgorithmProgress)

DataKind = Literal["trades", "quotes", "book", "bars"]
_KINDS: Final = ("trades", "quotes", "book", "bars")


@register_message_type
class DataSubscription(Message, frozen=True, kw_only=True):
    """Ask the market-data role to stream ``kind`` of ``instrument_id`` (``bar_type`` for
    venue-built bars, ``depth`` for books). Asking again is harmless."""

    kind: DataKind
    instrument_id: InstrumentId
    bar_type: str | None = None
    depth: int = 10

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidInputError(f"data subscription kind must be one of {_KINDS}")
        if self.kind == "bars":
            if self.bar_type is None:
                raise InvalidInputError("a bars subscription needs a bar_type")
            if BarType.parse(self.bar_type).instrument_id != self.instrument_id:
                raise InvalidInputError(
                    f"bar type {self.bar_type} is not of instrument {self.instrument_id}"
                )
        if type(self.depth) is not int or self.depth < 1:
            raise InvalidInputError(f"book depth must be a positive int, got {self.depth!r}")

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the feed: asking twice for one key subscribes once."""
        detail = self.bar_type if self.kind == "bars" else str(self.instrument_id)
        if self.kind == "book":
            detail = f"{self.instrument_id}/{self.depth}"
        return self.kind, str(detail)


@register_message_type
class DataSubscribed(Message, frozen=True, kw_only=True):
    """The market-data role's answer: the feed is (or already was) asked of the venue."""

    kind: DataKind
    instrument_id: InstrumentId
    new: bool


@register_message_type
class ExecutionStatusRequest(Message, frozen=True, kw_only=True):
    """Who executes for ``trader_id``? A strategy role asks before it starts trading."""

    trader_id: TraderId


@register_message_type
class ExecutionStatus(Message, frozen=True, kw_only=True):
    """The execution role's answer: the account orders go to, and how busy it is."""

    trader_id: TraderId
    account_id: AccountId
    venue: Venue
    open_orders: int
    ts_init: int


@register_message_type
class ReconciliationDifference(Message, frozen=True, kw_only=True):
    """Something the node's books and the venue's reports disagreed on, and what reconciliation
    did about it. ``subject`` names the thing (``position 005930.KRX``, ``order O-1``,
    ``venue order 0000123``); ``ours`` and ``venue`` are its two sides as text."""

    trader_id: TraderId
    account_id: AccountId
    subject: str
    ours: str
    venue: str
    action: str
    ts_event: int
    ts_init: int


@register_message_type
class ConnectionLost(Message, frozen=True, kw_only=True):
    """A connection to the venue dropped (``source`` names it); the adapter is reconnecting."""

    trader_id: TraderId
    source: str
    reason: str
    ts_event: int
    ts_init: int


@register_message_type
class ConnectionRestored(Message, frozen=True, kw_only=True):
    """The connection is back, after ``down_ns`` (0 when the drop was too short to time)."""

    trader_id: TraderId
    source: str
    down_ns: int
    ts_event: int
    ts_init: int
