"""The messages that build an `OrderBook`: full snapshots and level deltas.

The book is a price-level book (one aggregated size per price), which is what the venues JTS
trades publish: KRX via KIS/Creon shows 10 levels a side, Upbit 15 to 30. A snapshot replaces
the whole book; a delta adds, updates or deletes one level or clears a side.

Sequence numbers: every delta carries its own ``sequence``, and the deltas of one instrument are
numbered consecutively from 1 (0 is the empty book before any update). An `OrderBookDeltas`
batch groups consecutive deltas that one venue message produced, so the book applies them
together and nobody sees a half-updated book. A venue whose update ids cover several level
changes (or that has no ids at all) is renumbered by its adapter, which is also where venue
gaps are detected; the book checks only its own consecutive numbering (see `OrderBook`).
"""

from __future__ import annotations

import enum

import msgspec

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data._validation import (
    check_price,
    check_size,
    check_timestamps,
    check_type,
    fail,
)
from jts.domain.messages import Message
from jts.domain.values import Price, Quantity


class BookSide(enum.Enum):
    """A side of the book: resting buy orders (`BID`) or resting sell orders (`ASK`)."""

    BID = "BID"
    ASK = "ASK"


class BookAction(enum.Enum):
    """What a delta does to the book.

    In a level book `ADD` and `UPDATE` both set the size shown at a price: venues disagree on
    which one they send for a level that reappears, so the book treats them alike and relies on
    sequence numbers, not action names, to detect lost updates.
    """

    ADD = "ADD"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    CLEAR = "CLEAR"


class BookLevel(msgspec.Struct, frozen=True, array_like=True):
    """The total size resting at one price; encoded as a ``[price, size]`` pair to keep 10-30
    level snapshots compact. An empty level does not exist: its size is always positive."""

    price: Price
    size: Quantity

    def __post_init__(self) -> None:
        check_price(self, "price", self.price)
        check_size(self, "size", self.size, positive=True)


def _check_sequence(owner: object, sequence: object, minimum: int) -> None:
    if type(sequence) is not int or sequence < minimum:
        raise fail(owner, f"sequence must be an int >= {minimum}, got {sequence!r}")


def _check_ladder(owner: object, name: str, levels: object, descending: bool) -> None:
    if not isinstance(levels, tuple):
        raise fail(owner, f"{name} must be a tuple of BookLevel, got {type(levels).__name__}")
    previous: Price | None = None
    for index, level in enumerate(levels):
        check_type(owner, f"{name}[{index}]", level, BookLevel)
        price = level.price
        if previous is not None and (price >= previous if descending else price <= previous):
            order = "descending" if descending else "ascending"
            raise fail(
                owner,
                f"{name} must be in strictly {order} price order, "
                f"but level {index} price {price} follows {previous}",
            )
        previous = price


class OrderBookSnapshot(Message, frozen=True, kw_only=True):
    """The whole visible book at one instant: ``bids`` best (highest) first, ``asks`` best
    (lowest) first, each price once.

    A crossed snapshot is accepted: during KRX call auctions the displayed book crosses, and the
    book reports it through `OrderBook.is_crossed` rather than refusing the venue's data.
    ``sequence`` is the number of the last delta the snapshot includes (0 when the venue has no
    sequence numbers; such a venue sends snapshots only).
    """

    instrument_id: InstrumentId
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    sequence: int
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        check_type(self, "instrument_id", self.instrument_id, InstrumentId)
        check_timestamps(self, self.ts_event, self.ts_init)
        _check_sequence(self, self.sequence, 0)
        _check_ladder(self, "bids", self.bids, descending=True)
        _check_ladder(self, "asks", self.asks, descending=False)


class OrderBookDelta(Message, frozen=True, kw_only=True):
    """One change to one level, or a clear.

    ``ADD``/``UPDATE`` need ``side``, ``price`` and a positive ``size`` (the new total at that
    price, not a change); ``DELETE`` needs ``side`` and ``price`` and no size (an adapter maps a
    venue's "size 0 means delete" to it); ``CLEAR`` takes neither price nor size and empties
    ``side``, or both sides when ``side`` is None.
    """

    instrument_id: InstrumentId
    action: BookAction
    side: BookSide | None = None
    price: Price | None = None
    size: Quantity | None = None
    sequence: int
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        check_type(self, "instrument_id", self.instrument_id, InstrumentId)
        check_timestamps(self, self.ts_event, self.ts_init)
        _check_sequence(self, self.sequence, 1)
        check_type(self, "action", self.action, BookAction)
        action = self.action
        if action is BookAction.CLEAR:
            if self.price is not None or self.size is not None:
                raise fail(self, f"CLEAR takes no price or size, got {self.price} / {self.size}")
            if self.side is not None:
                check_type(self, "side", self.side, BookSide)
            return
        check_type(self, "side", self.side, BookSide)
        check_price(self, "price", self.price)
        if action is BookAction.DELETE:
            if self.size is not None:
                raise fail(self, f"DELETE takes no size, got {self.size}")
        else:
            check_size(self, "size", self.size, positive=True)


class OrderBookDeltas(Message, frozen=True, kw_only=True):
    """Deltas with consecutive sequence numbers that the book applies as one update.

    ``ts_event``/``ts_init`` are those of the venue message the batch came from.
    """

    instrument_id: InstrumentId
    deltas: tuple[OrderBookDelta, ...]
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        check_type(self, "instrument_id", self.instrument_id, InstrumentId)
        check_timestamps(self, self.ts_event, self.ts_init)
        if not isinstance(self.deltas, tuple) or not self.deltas:
            raise fail(self, f"deltas must be a non-empty tuple, got {self.deltas!r}")
        previous: int | None = None
        for index, delta in enumerate(self.deltas):
            check_type(self, f"deltas[{index}]", delta, OrderBookDelta)
            if delta.instrument_id != self.instrument_id:
                raise fail(
                    self, f"deltas[{index}] is for {delta.instrument_id}, not {self.instrument_id}"
                )
            if previous is not None and delta.sequence != previous + 1:
                raise fail(
                    self,
                    f"deltas[{index}] has sequence {delta.sequence}, expected {previous + 1} "
                    "(sequences in a batch are consecutive)",
                )
            previous = delta.sequence

    @property
    def first_sequence(self) -> int:
        return self.deltas[0].sequence

    @property
    def sequence(self) -> int:
        """The sequence of the last delta: the book's sequence once the batch is applied."""
        return self.deltas[-1].sequence
