"""OrderBook: snapshots, deltas, sequencing, reading the top of book, and a model check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import StateError
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import (
    BookAction,
    BookLevel,
    BookSide,
    InvalidMarketDataError,
    OrderBook,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookGapError,
    OrderBookSequenceError,
    OrderBookSnapshot,
    OrderBookStaleError,
)
from jts.domain.values import Price, Quantity

SAMSUNG = InstrumentId("005930.KRX")
TS = 1_704_160_800_000_000_000


def lv(price: str | int | Price, size: str | int | Quantity) -> BookLevel:
    return BookLevel(Price(price), Quantity(size))


def snap(
    bids: Sequence[tuple[str | int | Price, str | int | Quantity]],
    asks: Sequence[tuple[str | int | Price, str | int | Quantity]],
    sequence: int = 0,
    ts: int = TS,
) -> OrderBookSnapshot:
    return OrderBookSnapshot(
        instrument_id=SAMSUNG,
        bids=tuple(lv(p, s) for p, s in bids),
        asks=tuple(lv(p, s) for p, s in asks),
        sequence=sequence,
        ts_event=ts,
        ts_init=ts + 1,
    )


def upd(
    sequence: int,
    side: BookSide,
    price: str | int | Price,
    size: str | int | Quantity,
    ts: int = TS,
) -> OrderBookDelta:
    return OrderBookDelta(
        instrument_id=SAMSUNG,
        action=BookAction.UPDATE,
        side=side,
        price=Price(price),
        size=Quantity(size),
        sequence=sequence,
        ts_event=ts,
        ts_init=ts,
    )


def delete(sequence: int, side: BookSide, price: str | int | Price) -> OrderBookDelta:
    return OrderBookDelta(
        instrument_id=SAMSUNG,
        action=BookAction.DELETE,
        side=side,
        price=Price(price),
        sequence=sequence,
        ts_event=TS,
        ts_init=TS,
    )


def clear(sequence: int, side: BookSide | None = None) -> OrderBookDelta:
    return OrderBookDelta(
        instrument_id=SAMSUNG,
        action=BookAction.CLEAR,
        side=side,
        sequence=sequence,
        ts_event=TS,
        ts_init=TS,
    )


def batch(*deltas: OrderBookDelta, ts: int = TS) -> OrderBookDeltas:
    return OrderBookDeltas(instrument_id=SAMSUNG, deltas=deltas, ts_event=ts, ts_init=ts)


def prices(levels: list[BookLevel]) -> list[str]:
    return [f"{level.price}x{level.size}" for level in levels]


BID, ASK = BookSide.BID, BookSide.ASK
KRX_BOOK = snap(
    bids=[(71000, 50), (70900, 120), (70800, 30)],
    asks=[(71100, 40), (71200, 10), (71300, 7)],
    sequence=10,
)


class TestConstruction:
    def test_new_book_is_empty_at_sequence_zero(self) -> None:
        book = OrderBook(SAMSUNG, depth=10)
        assert (book.sequence, book.depth, book.needs_snapshot) == (0, 10, False)
        assert book.best_bid() is None
        assert book.best_ask_price() is None
        assert book.mid() is None
        assert book.spread() is None
        assert not book.is_crossed()
        assert book.bids() == []

    @pytest.mark.parametrize("depth", [0, -1, True, 2.5])
    def test_depth_must_be_positive_int(self, depth: Any) -> None:
        with pytest.raises(InvalidMarketDataError, match="depth must be a positive int"):
            OrderBook(SAMSUNG, depth=depth)

    def test_instrument_must_be_an_instrument_id(self) -> None:
        with pytest.raises(InvalidMarketDataError, match="needs an InstrumentId"):
            OrderBook("005930.KRX", depth=10)  # type: ignore[arg-type]


class TestSnapshot:
    def test_snapshot_sets_levels_sequence_and_times(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert prices(book.bids()) == ["71000x50", "70900x120", "70800x30"]
        assert prices(book.asks()) == ["71100x40", "71200x10", "71300x7"]
        assert (book.sequence, book.ts_event, book.ts_init) == (10, TS, TS + 1)

    def test_snapshot_replaces_everything(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert book.apply(snap([(500, 1)], [], sequence=10))
        assert prices(book.bids()) == ["500x1"]
        assert book.asks() == []

    def test_older_snapshot_is_ignored(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert not book.apply(snap([(500, 1)], [(600, 1)], sequence=9))
        assert book.best_bid_price() == 71000
        assert book.sequence == 10

    def test_snapshots_without_sequence_numbers_keep_replacing(self) -> None:
        book = OrderBook(SAMSUNG, depth=10)
        assert book.apply(snap([(100, 1)], [(101, 1)]))
        assert book.apply(snap([(99, 1)], [(102, 1)]))
        assert book.best_bid_price() == 99

    def test_to_snapshot_round_trips_and_truncates(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert book.to_snapshot() == KRX_BOOK
        top = book.to_snapshot(depth=2, ts_init=TS + 99)
        assert prices(list(top.bids)) == ["71000x50", "70900x120"]
        assert prices(list(top.asks)) == ["71100x40", "71200x10"]
        assert (top.sequence, top.ts_event, top.ts_init) == (10, TS, TS + 99)
        assert OrderBook.from_snapshot(top, depth=2).to_snapshot() == book.to_snapshot(
            depth=2, ts_init=TS + 99
        )


class TestDeltas:
    def test_update_adds_and_changes_levels_in_price_order(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert book.apply(upd(11, BID, 70950, 5))
        assert book.apply(upd(12, BID, 71000, 60))
        assert book.apply(upd(13, ASK, 71050, 3))
        assert prices(book.bids()) == ["71000x60", "70950x5", "70900x120", "70800x30"]
        assert prices(book.asks(2)) == ["71050x3", "71100x40"]
        assert book.sequence == 13

    def test_add_on_an_existing_level_sets_its_size(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        add = OrderBookDelta(
            instrument_id=SAMSUNG,
            action=BookAction.ADD,
            side=ASK,
            price=Price(71100),
            size=Quantity(1),
            sequence=11,
            ts_event=TS,
            ts_init=TS,
        )
        assert book.apply(add)
        assert prices(book.asks(1)) == ["71100x1"]
        assert book.level_count(ASK) == 3

    def test_delete_removes_the_level_and_the_next_becomes_best(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        book.apply(delete(11, BID, 71000))
        book.apply(delete(12, ASK, 71200))
        assert book.best_bid_price() == 70900
        assert prices(book.asks()) == ["71100x40", "71300x7"]

    def test_delete_of_an_absent_price_changes_no_level_but_advances_sequence(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert book.apply(delete(11, BID, 12345))
        assert book.to_snapshot().bids == KRX_BOOK.bids
        assert book.sequence == 11

    def test_delete_matches_prices_written_with_other_precision(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        book.apply(delete(11, BID, "71000.00"))
        assert book.best_bid_price() == 70900
        book.apply(upd(12, ASK, "71100.0", 9))
        assert prices(book.asks(1)) == ["71100.0x9"]
        assert book.level_count(ASK) == 3

    @pytest.mark.parametrize(
        ("side", "bids", "asks"),
        [(BID, 0, 3), (ASK, 3, 0), (None, 0, 0)],
    )
    def test_clear_empties_one_or_both_sides(
        self, side: BookSide | None, bids: int, asks: int
    ) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        book.apply(clear(11, side))
        assert (book.level_count(BID), book.level_count(ASK)) == (bids, asks)

    def test_deleting_a_whole_side_leaves_a_one_sided_book(self) -> None:
        book = OrderBook.from_snapshot(snap([(100, 1)], [(101, 1)], sequence=1), depth=5)
        book.apply(delete(2, ASK, 101))
        assert book.best_ask() is None
        assert book.mid() is None
        assert book.spread() is None
        assert book.best_bid_price() == 100

    def test_batch_is_applied_as_one_update(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert book.apply(
            batch(delete(11, BID, 71000), upd(12, BID, 70990, 7), clear(13, ASK), ts=TS + 5)
        )
        assert prices(book.bids(2)) == ["70990x7", "70900x120"]
        assert book.asks() == []
        assert (book.sequence, book.ts_event) == (13, TS + 5)

    def test_first_delta_after_an_empty_book_is_sequence_one(self) -> None:
        book = OrderBook(SAMSUNG, depth=3)
        assert book.apply(upd(1, BID, 10, 1))
        assert book.apply(upd(2, ASK, 11, 1))
        assert book.mid() == Price("10.5")

    def test_update_for_another_instrument_is_refused(self) -> None:
        book = OrderBook(InstrumentId("000660.KRX"), depth=10)
        with pytest.raises(
            InvalidMarketDataError, match=r"update for 005930\.KRX sent to the order"
        ):
            book.apply(KRX_BOOK)
        with pytest.raises(InvalidMarketDataError, match=r"sent to the order book of 000660\.KRX"):
            book.apply(upd(1, BID, 1, 1))

    def test_apply_refuses_other_messages(self) -> None:
        book = OrderBook(SAMSUNG, depth=10)
        with pytest.raises(InvalidMarketDataError, match="cannot apply a BookLevel"):
            book.apply(lv(1, 1))  # type: ignore[arg-type]


class TestSequencing:
    def test_old_and_duplicate_deltas_are_ignored(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert not book.apply(upd(10, BID, 71000, 1))
        assert not book.apply(upd(3, BID, 71000, 1))
        assert book.apply(upd(11, BID, 71000, 2))
        assert not book.apply(upd(11, BID, 71000, 3))
        assert prices(book.bids(1)) == ["71000x2"]

    def test_gap_raises_keeps_the_book_and_marks_it(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        before = book.to_snapshot()
        with pytest.raises(OrderBookGapError) as info:
            book.apply(upd(13, BID, 71000, 1))
        assert (info.value.expected, info.value.received) == (11, 13)
        assert "expected delta 11 but got 13: 2 update(s) lost" in str(info.value)
        assert isinstance(info.value, StateError)
        assert book.needs_snapshot
        assert book.to_snapshot() == before

    def test_book_awaiting_snapshot_refuses_new_deltas_until_one_arrives(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        with pytest.raises(OrderBookGapError):
            book.apply(upd(12, BID, 71000, 1))
        with pytest.raises(OrderBookStaleError, match="awaits a snapshot"):
            book.apply(upd(11, BID, 71000, 1))
        with pytest.raises(OrderBookSequenceError):
            book.apply(batch(upd(12, BID, 71000, 1)))
        assert not book.apply(upd(9, BID, 71000, 1))  # old: still just ignored
        # the usual recovery: a snapshot, then the buffered deltas replayed
        book.apply(snap([(71000, 5)], [(71100, 5)], sequence=12))
        assert not book.needs_snapshot
        for buffered in (upd(11, BID, 1, 1), upd(12, BID, 2, 1), upd(13, BID, 70000, 9)):
            book.apply(buffered)
        assert prices(book.bids()) == ["71000x5", "70000x9"]
        assert book.sequence == 13

    def test_gap_in_a_batch_leaves_the_book_untouched(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        with pytest.raises(OrderBookGapError):
            book.apply(batch(clear(12), upd(13, BID, 1, 1)))
        assert book.to_snapshot() == KRX_BOOK
        assert book.needs_snapshot

    def test_batch_overlapping_the_book_skips_the_applied_prefix(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert book.apply(batch(clear(9), clear(10), upd(11, BID, 70000, 1)))
        # the clears were already reflected in the snapshot, so they are not applied again
        assert book.level_count(BID) == 4
        assert book.level_count(ASK) == 3
        assert not book.apply(batch(clear(10), clear(11)))
        assert book.sequence == 11

    def test_reset_accepts_a_restarted_numbering(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert not book.apply(snap([(1, 1)], [(2, 1)], sequence=1))
        book.reset()
        assert (book.sequence, book.level_count(BID), book.needs_snapshot) == (0, 0, False)
        assert book.apply(snap([(1, 1)], [(2, 1)], sequence=1))
        assert book.best_bid_price() == 1


class TestTopOfBook:
    def test_best_mid_and_spread_are_exact(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        best_bid, best_ask = book.best_bid(), book.best_ask()
        assert best_bid == lv(71000, 50)
        assert best_ask == lv(71100, 40)
        assert str(book.spread()) == "100"
        mid = book.mid()
        assert mid is not None
        assert str(mid) == "71050.0"

    def test_mid_needs_one_more_digit_for_an_odd_sum(self) -> None:
        book = OrderBook.from_snapshot(snap([("0.0101", 1)], [("0.0102", 1)]), depth=1)
        assert str(book.mid()) == "0.01015"
        assert str(book.spread()) == "0.0001"

    def test_mixed_precisions_compare_exactly(self) -> None:
        book = OrderBook.from_snapshot(snap([("1.5", 1), ("1.25", 1)], [("1.500001", 1)]), depth=5)
        assert not book.is_crossed()
        assert str(book.spread()) == "0.000001"
        assert str(book.mid()) == "1.5000005"

    @pytest.mark.parametrize(
        ("bid", "ask", "crossed", "locked"),
        [(100, 101, False, False), (101, 101, False, True), (102, 101, True, False)],
    )
    def test_crossed_and_locked_detection(
        self, bid: int, ask: int, crossed: bool, locked: bool
    ) -> None:
        book = OrderBook.from_snapshot(snap([(bid, 1)], [(ask, 1)]), depth=5)
        assert book.is_crossed() is crossed
        assert book.is_locked() is locked
        assert book.spread() == ask - bid

    def test_deltas_can_cross_the_book_which_is_reported_not_refused(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        book.apply(upd(11, BID, 71200, 1))
        assert book.is_crossed()
        assert book.spread() == Price(-100)


class TestDepth:
    def test_reads_are_truncated_to_the_depth_but_levels_are_kept(self) -> None:
        bids: list[tuple[str | int | Price, str | int | Quantity]] = [
            (100 - i, i + 1) for i in range(15)
        ]
        asks: list[tuple[str | int | Price, str | int | Quantity]] = [
            (101 + i, i + 1) for i in range(15)
        ]
        book = OrderBook.from_snapshot(snap(bids, asks), depth=10)
        assert len(book.bids()) == 10
        assert len(book.asks()) == 10
        assert book.level_count(BID) == 15
        assert prices(book.bids(3)) == ["100x1", "99x2", "98x3"]
        assert prices(book.levels(ASK, 2)) == ["101x1", "102x2"]
        assert len(book.bids(50)) == 10  # clipped to the book's depth
        # a deeper level moves into view when a better one goes
        book.apply(delete(1, BID, 100))
        assert prices(book.bids())[-1] == "90x11"

    @pytest.mark.parametrize("depth", [0, -2, True])
    def test_requested_depth_must_be_positive(self, depth: Any) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        with pytest.raises(InvalidMarketDataError, match="depth must be a positive int"):
            book.bids(depth)

    def test_repr_summarises(self) -> None:
        book = OrderBook.from_snapshot(KRX_BOOK, depth=10)
        assert repr(book) == "OrderBook(005930.KRX, depth=10, sequence=10, bids=3, asks=3)"


# ---- model check ---------------------------------------------------------------------------

_OPS = st.lists(
    st.tuples(
        st.sampled_from(["set", "set", "set", "delete", "clear"]),
        st.sampled_from([BID, ASK, None]),
        st.integers(min_value=1, max_value=40),  # price in ticks
        st.booleans(),  # write the price with one decimal more
        st.integers(min_value=1, max_value=1_000),
        st.integers(min_value=1, max_value=4),  # batch size
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(ops=_OPS, depth=st.integers(min_value=1, max_value=12))
def test_random_deltas_match_a_dict_model(
    ops: list[tuple[str, BookSide | None, int, bool, int, int]], depth: int
) -> None:
    """Applying random deltas (singly and in batches) gives the book a fresh snapshot of a plain
    dict model would give, at every depth, with the same best, mid and spread."""
    model: dict[BookSide, dict[int, int]] = {BID: {}, ASK: {}}
    book = OrderBook(SAMSUNG, depth=depth)
    sequence = 0
    pending: list[OrderBookDelta] = []
    for action, maybe_side, tick, wide, size, batch_size in ops:
        sequence += 1
        price = Price.from_raw(tick * 10, 1) if wide else Price(tick)
        side = maybe_side or BID
        if action == "clear":
            pending.append(clear(sequence, maybe_side))
            for cleared in [maybe_side] if maybe_side else [BID, ASK]:
                model[cleared].clear()
        elif action == "set":
            pending.append(upd(sequence, side, price, size))
            model[side][tick] = size
        else:
            pending.append(delete(sequence, side, price))
            model[side].pop(tick, None)
        if len(pending) >= batch_size:
            assert book.apply(batch(*pending) if len(pending) > 1 else pending[0])
            pending = []
    if pending:
        book.apply(batch(*pending))

    expected_bids = [
        (Price(p), Quantity(q)) for p, q in sorted(model[BID].items(), reverse=True)[:depth]
    ]
    expected_asks = [(Price(p), Quantity(q)) for p, q in sorted(model[ASK].items())[:depth]]
    assert [(lvl.price, lvl.size) for lvl in book.bids()] == expected_bids
    assert [(lvl.price, lvl.size) for lvl in book.asks()] == expected_asks
    assert book.sequence == sequence

    rebuilt = OrderBook.from_snapshot(
        snap(expected_bids, expected_asks, sequence=sequence), depth=depth
    )
    rebuilt_snapshot, book_snapshot = rebuilt.to_snapshot(), book.to_snapshot()
    assert rebuilt_snapshot.bids == book_snapshot.bids
    assert rebuilt_snapshot.asks == book_snapshot.asks
    assert rebuilt_snapshot.sequence == book_snapshot.sequence
    assert rebuilt.mid() == book.mid()
    assert rebuilt.spread() == book.spread()
    assert rebuilt.is_crossed() is book.is_crossed()
    if expected_bids and expected_asks:
        bid, ask = expected_bids[0][0], expected_asks[0][0]
        assert book.spread() == ask - bid
        mid = book.mid()
        assert mid is not None
        assert mid.as_decimal() * 2 == (bid + ask).as_decimal()
        assert book.is_crossed() is (bid > ask)
