"""`OrderBook`: the current price-level book of one instrument, kept from snapshots and deltas.

The book is a mutable aggregate, not a message: the data engine owns one per subscribed
instrument, feeds it every update in order, and publishes `to_snapshot` when others need the
state. Each side is a list of integer price keys kept sorted with `bisect` plus a dict from key
to level, so an update costs a binary search (and a short list shift for a new or removed level)
instead of a re-sort, and the best price is the end of a list.

Sequencing (the rules `apply` follows):

* A snapshot replaces the whole book and sets its sequence, unless it is older than the book
  (a lower sequence), which happens when a REST snapshot arrives after newer stream updates; it
  is then ignored (even while the book needs a snapshot: an older one cannot repair it). A
  snapshot also ends the "needs snapshot" state. When the feed's numbering restarts
  (reconnect, new session), call `OrderBook.reset` first.
* A delta whose sequence is at or below the book's is already reflected and is ignored, which
  lets the caller replay everything it buffered while fetching a snapshot.
* A delta with exactly the next sequence is applied.
* A delta that skips numbers means updates were lost: the book keeps its last consistent state,
  sets `needs_snapshot` and raises `OrderBookGapError`. Until a snapshot arrives every newer
  delta raises `OrderBookStaleError`, so a forgotten gap cannot silently corrupt the book;
  the caller is expected to buffer deltas while it fetches the snapshot.

``apply*`` return True when the book changed state and False when the update was ignored.

Readers of a book that `needs_snapshot` get its last consistent (now outdated) state.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from typing import Final

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data.book_updates import (
    BookAction,
    BookLevel,
    BookSide,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
)
from jts.domain.market_data.errors import (
    InvalidMarketDataError,
    OrderBookGapError,
    OrderBookStaleError,
)
from jts.domain.market_data.ticks import mid_price
from jts.domain.values import MAX_PRECISION, Price

#: Keys are prices scaled to the finest precision, so prices written with different numbers of
#: decimals (``100`` and ``100.50``) land on one exact integer grid.
_KEY_SCALE: Final[tuple[int, ...]] = tuple(
    10 ** (MAX_PRECISION - p) for p in range(MAX_PRECISION + 1)
)


def _key(price: Price) -> int:
    return price.raw * _KEY_SCALE[price.precision]


class _Ladder:
    """One side of the book: ascending keys; the best level is the last key for bids and the
    first for asks."""

    __slots__ = ("_bids", "_keys", "_levels")

    def __init__(self, *, bids: bool) -> None:
        self._bids = bids
        self._keys: list[int] = []
        self._levels: dict[int, BookLevel] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def set(self, level: BookLevel) -> None:
        key = _key(level.price)
        if key not in self._levels:
            insort(self._keys, key)
        self._levels[key] = level

    def delete(self, price: Price) -> None:
        key = _key(price)
        if self._levels.pop(key, None) is not None:
            del self._keys[bisect_left(self._keys, key)]

    def clear(self) -> None:
        self._keys.clear()
        self._levels.clear()

    def load(self, levels: Iterable[BookLevel]) -> None:
        self._levels = {_key(level.price): level for level in levels}
        self._keys = sorted(self._levels)

    def best(self) -> BookLevel | None:
        if not self._keys:
            return None
        return self._levels[self._keys[-1] if self._bids else self._keys[0]]

    def top(self, depth: int) -> list[BookLevel]:
        """Up to ``depth`` levels, best first."""
        levels = self._levels
        if self._bids:
            start = max(len(self._keys) - depth, 0)
            return [levels[key] for key in reversed(self._keys[start:])]
        return [levels[key] for key in self._keys[:depth]]


class OrderBook:
    """The depth-``depth`` level book of one instrument (see the module docstring for the rules).

    The book stores every level it is told about, because only a delete from the venue proves a
    level gone; ``depth`` is how many levels a side it shows (`levels`, `to_snapshot`), set to
    what the venue publishes (10 for KRX, 15 or 30 for Upbit). Asking for more is clipped to it.
    """

    __slots__ = (
        "_asks",
        "_bids",
        "_depth",
        "_instrument_id",
        "_needs_snapshot",
        "_sequence",
        "_ts_event",
        "_ts_init",
    )

    def __init__(self, instrument_id: InstrumentId, depth: int) -> None:
        if not isinstance(instrument_id, InstrumentId):
            raise InvalidMarketDataError(
                f"order book needs an InstrumentId, got {type(instrument_id).__name__} "
                f"{instrument_id!r}"
            )
        if type(depth) is not int or depth < 1:
            raise InvalidMarketDataError(
                f"order book depth must be a positive int, got {depth!r} for {instrument_id}"
            )
        self._instrument_id = instrument_id
        self._depth = depth
        self._bids = _Ladder(bids=True)
        self._asks = _Ladder(bids=False)
        self._sequence = 0
        self._ts_event = 0
        self._ts_init = 0
        self._needs_snapshot = False

    @classmethod
    def from_snapshot(cls, snapshot: OrderBookSnapshot, depth: int) -> OrderBook:
        book = cls(snapshot.instrument_id, depth)
        book.apply_snapshot(snapshot)
        return book

    # ---- state ------------------------------------------------------------------------------
    @property
    def instrument_id(self) -> InstrumentId:
        return self._instrument_id

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def sequence(self) -> int:
        """The sequence of the last applied update (0 for a book never updated)."""
        return self._sequence

    @property
    def ts_event(self) -> int:
        """Venue time of the last applied update (0 before the first)."""
        return self._ts_event

    @property
    def ts_init(self) -> int:
        return self._ts_init

    @property
    def needs_snapshot(self) -> bool:
        """True after a sequence gap, until a snapshot repairs the book."""
        return self._needs_snapshot

    def __repr__(self) -> str:
        return (
            f"OrderBook({self._instrument_id}, depth={self._depth}, sequence={self._sequence}, "
            f"bids={len(self._bids)}, asks={len(self._asks)}"
            f"{', needs_snapshot' if self._needs_snapshot else ''})"
        )

    # ---- updates ----------------------------------------------------------------------------
    def apply(self, update: OrderBookSnapshot | OrderBookDelta | OrderBookDeltas) -> bool:
        """Apply any book message; True when the book changed, False when it was ignored."""
        if isinstance(update, OrderBookDelta):
            return self.apply_delta(update)
        if isinstance(update, OrderBookDeltas):
            return self.apply_deltas(update)
        if isinstance(update, OrderBookSnapshot):
            return self.apply_snapshot(update)
        raise InvalidMarketDataError(
            f"order book {self._instrument_id} cannot apply a {type(update).__name__}"
        )

    def apply_snapshot(self, snapshot: OrderBookSnapshot) -> bool:
        self._check_instrument(snapshot.instrument_id)
        if snapshot.sequence < self._sequence:
            return False
        self._bids.load(snapshot.bids)
        self._asks.load(snapshot.asks)
        self._sequence = snapshot.sequence
        self._ts_event = snapshot.ts_event
        self._ts_init = snapshot.ts_init
        self._needs_snapshot = False
        return True

    def reset(self) -> None:
        """Forget everything: an empty book at sequence 0, ready for a new numbering.

        For when the feed's numbering restarts (an adapter reconnects, a new trading day):
        a snapshot numbered below the book's sequence would otherwise be ignored as old.
        """
        self._bids.clear()
        self._asks.clear()
        self._sequence = 0
        self._ts_event = 0
        self._ts_init = 0
        self._needs_snapshot = False

    def apply_delta(self, delta: OrderBookDelta) -> bool:
        self._check_instrument(delta.instrument_id)
        if delta.sequence <= self._sequence:
            return False
        self._check_next(delta.sequence)
        self._mutate(delta)
        self._sequence = delta.sequence
        self._ts_event = delta.ts_event
        self._ts_init = delta.ts_init
        return True

    def apply_deltas(self, deltas: OrderBookDeltas) -> bool:
        """Apply a batch as one update; deltas already reflected (a replayed prefix) are skipped.

        The batch is checked before anything changes, so a gap leaves the book untouched.
        """
        self._check_instrument(deltas.instrument_id)
        if deltas.sequence <= self._sequence:
            return False
        # sequences in a batch are consecutive, so the first new delta is found by arithmetic
        first_new = self._sequence + 1 - deltas.first_sequence
        pending = deltas.deltas[first_new:] if first_new > 0 else deltas.deltas
        self._check_next(pending[0].sequence)
        for delta in pending:
            self._mutate(delta)
        self._sequence = deltas.sequence
        self._ts_event = deltas.ts_event
        self._ts_init = deltas.ts_init
        return True

    def _check_instrument(self, instrument_id: InstrumentId) -> None:
        if instrument_id != self._instrument_id:
            raise InvalidMarketDataError(
                f"update for {instrument_id} sent to the order book of {self._instrument_id}"
            )

    def _check_next(self, sequence: int) -> None:
        if self._needs_snapshot:
            raise OrderBookStaleError(
                f"order book {self._instrument_id} awaits a snapshot after a sequence gap; "
                f"delta {sequence} cannot be applied to sequence {self._sequence}"
            )
        expected = self._sequence + 1
        if sequence != expected:
            self._needs_snapshot = True
            raise OrderBookGapError(
                f"order book {self._instrument_id} expected delta {expected} but got {sequence}: "
                f"{sequence - expected} update(s) lost, the book needs a snapshot",
                expected=expected,
                received=sequence,
            )

    def _mutate(self, delta: OrderBookDelta) -> None:
        """One level change. A DELETE of a price the book does not hold changes nothing: deleting
        is idempotent, and feeds that publish a window delete levels we may never have seen."""
        side = delta.side
        if delta.action is BookAction.CLEAR:
            if side is not BookSide.ASK:
                self._bids.clear()
            if side is not BookSide.BID:
                self._asks.clear()
            return
        ladder = self._bids if side is BookSide.BID else self._asks
        price = delta.price
        assert price is not None  # guaranteed by OrderBookDelta's validation
        if delta.action is BookAction.DELETE:
            ladder.delete(price)
        else:
            assert delta.size is not None
            ladder.set(BookLevel(price, delta.size))

    # ---- reading ----------------------------------------------------------------------------
    def best_bid(self) -> BookLevel | None:
        return self._bids.best()

    def best_ask(self) -> BookLevel | None:
        return self._asks.best()

    def best_bid_price(self) -> Price | None:
        level = self._bids.best()
        return None if level is None else level.price

    def best_ask_price(self) -> Price | None:
        level = self._asks.best()
        return None if level is None else level.price

    def spread(self) -> Price | None:
        """``best ask - best bid``, exact; negative when crossed, None if a side is empty."""
        bid, ask = self._bids.best(), self._asks.best()
        if bid is None or ask is None:
            return None
        return ask.price - bid.price

    def mid(self) -> Price | None:
        """The exact mid, one decimal finer than the prices (see `mid_price`); None if a side
        is empty."""
        bid, ask = self._bids.best(), self._asks.best()
        if bid is None or ask is None:
            return None
        return mid_price(bid.price, ask.price)

    def is_crossed(self) -> bool:
        """Best bid above best ask: normal only in an auction, otherwise a sign of lost updates."""
        bid, ask = self._bids.best(), self._asks.best()
        return bid is not None and ask is not None and bid.price > ask.price

    def is_locked(self) -> bool:
        """Best bid equal to best ask (not crossed, but no spread)."""
        bid, ask = self._bids.best(), self._asks.best()
        return bid is not None and ask is not None and bid.price == ask.price

    def levels(self, side: BookSide, depth: int | None = None) -> list[BookLevel]:
        """Up to ``depth`` levels of ``side``, best first (default and maximum: the depth)."""
        ladder = self._bids if side is BookSide.BID else self._asks
        return ladder.top(self._clip(depth))

    def bids(self, depth: int | None = None) -> list[BookLevel]:
        return self._bids.top(self._clip(depth))

    def asks(self, depth: int | None = None) -> list[BookLevel]:
        return self._asks.top(self._clip(depth))

    def level_count(self, side: BookSide) -> int:
        """How many levels the book holds on ``side`` (may exceed `depth`)."""
        return len(self._bids if side is BookSide.BID else self._asks)

    def _clip(self, depth: int | None) -> int:
        if depth is None:
            return self._depth
        if type(depth) is not int or depth < 1:
            raise InvalidMarketDataError(f"depth must be a positive int, got {depth!r}")
        return min(depth, self._depth)

    def to_snapshot(
        self, depth: int | None = None, *, ts_init: int | None = None
    ) -> OrderBookSnapshot:
        """The visible book as a message, stamped with the last update's sequence and
        ``ts_event``; ``ts_init`` defaults to the last update's too."""
        clipped = self._clip(depth)
        return OrderBookSnapshot(
            instrument_id=self._instrument_id,
            bids=tuple(self._bids.top(clipped)),
            asks=tuple(self._asks.top(clipped)),
            sequence=self._sequence,
            ts_event=self._ts_event,
            ts_init=self._ts_init if ts_init is None else ts_init,
        )
