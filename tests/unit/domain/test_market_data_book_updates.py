"""Validation of the order book messages: levels, snapshots, deltas and delta batches."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import (
    BookAction,
    BookLevel,
    BookSide,
    InvalidMarketDataError,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookSnapshot,
)
from jts.domain.values import Price, Quantity

BTC = InstrumentId("KRW-BTC.UPBIT")
TS = 1_704_160_800_000_000_000


def lv(price: str, size: str) -> BookLevel:
    return BookLevel(Price(price), Quantity(size))


def snapshot(
    bids: tuple[BookLevel, ...], asks: tuple[BookLevel, ...], **kw: Any
) -> OrderBookSnapshot:
    fields: dict[str, Any] = {"instrument_id": BTC, "sequence": 0, "ts_event": TS, "ts_init": TS}
    fields.update(kw)
    return OrderBookSnapshot(bids=bids, asks=asks, **fields)


def delta(action: BookAction, sequence: int = 1, **kw: Any) -> OrderBookDelta:
    fields: dict[str, Any] = {"instrument_id": BTC, "ts_event": TS, "ts_init": TS}
    fields.update(kw)
    return OrderBookDelta(action=action, sequence=sequence, **fields)


class TestBookLevel:
    def test_valid_level(self) -> None:
        level = lv("95000000", "0.5")
        assert level.price == Price(95_000_000)
        assert level.size == Quantity("0.5")

    @pytest.mark.parametrize(
        ("price", "size", "message"),
        [
            ("0", "1", "price must be positive, got 0"),
            ("-5", "1", "price must be positive, got -5"),
            ("100", "0", "size must be positive, got 0"),
            ("100", "0.000", "size must be positive, got 0.000"),
        ],
    )
    def test_empty_or_non_positive_levels_are_refused(
        self, price: str, size: str, message: str
    ) -> None:
        with pytest.raises(InvalidMarketDataError, match=message):
            lv(price, size)

    def test_encodes_as_a_pair(self) -> None:
        raw = msgspec.json.encode(lv("100", "2"), enc_hook=str)
        assert raw == b'["100","2"]'


class TestSnapshot:
    def test_valid_snapshot_including_empty_and_crossed(self) -> None:
        s = snapshot((lv("101", "1"), lv("100", "2")), (lv("102", "1"), lv("103", "5")))
        assert s.bids[0].price == 101
        assert snapshot((), ()).bids == ()
        crossed = snapshot((lv("105", "1"),), (lv("100", "1"),))
        assert crossed.asks[0].price == 100

    @pytest.mark.parametrize(
        ("bids", "asks", "message"),
        [
            (
                (lv("100", "1"), lv("101", "1")),
                (),
                "bids must be in strictly descending price order, but level 1 price 101 follows",
            ),
            (
                (lv("100", "1"), lv("100.0", "1")),
                (),
                "bids must be in strictly descending price order, but level 1 price 100.0",
            ),
            (
                (),
                (lv("102", "1"), lv("101", "1")),
                "asks must be in strictly ascending price order, but level 1 price 101 follows 102",
            ),
        ],
    )
    def test_levels_must_be_sorted_best_first_without_duplicates(
        self, bids: tuple[BookLevel, ...], asks: tuple[BookLevel, ...], message: str
    ) -> None:
        with pytest.raises(InvalidMarketDataError) as info:
            snapshot(bids, asks)
        assert message in str(info.value)
        assert str(info.value).startswith("OrderBookSnapshot KRW-BTC.UPBIT at ")

    def test_levels_must_be_book_levels_in_a_tuple(self) -> None:
        with pytest.raises(InvalidMarketDataError, match="bids must be a tuple of BookLevel"):
            snapshot([lv("1", "1")], ())  # type: ignore[arg-type]
        with pytest.raises(InvalidMarketDataError, match=r"asks\[0\] must be a BookLevel"):
            snapshot((), (("1", "1"),))  # type: ignore[arg-type]

    @pytest.mark.parametrize("sequence", [-1, True, "3"])
    def test_sequence_must_be_a_non_negative_int(self, sequence: object) -> None:
        with pytest.raises(InvalidMarketDataError, match="sequence must be an int >= 0"):
            snapshot((), (), sequence=sequence)


class TestDelta:
    def test_valid_deltas_of_each_action(self) -> None:
        add = delta(BookAction.ADD, side=BookSide.BID, price=Price(100), size=Quantity(3))
        assert add.size == 3
        assert delta(BookAction.UPDATE, side=BookSide.ASK, price=Price(101), size=Quantity(1))
        assert delta(BookAction.DELETE, side=BookSide.ASK, price=Price(101)).size is None
        assert delta(BookAction.CLEAR).side is None
        assert delta(BookAction.CLEAR, side=BookSide.BID).side is BookSide.BID

    @pytest.mark.parametrize(
        ("action", "fields", "message"),
        [
            (BookAction.ADD, {"price": Price(100), "size": Quantity(1)}, "side must be a BookSide"),
            (
                BookAction.ADD,
                {"side": BookSide.BID, "size": Quantity(1)},
                "price must be a Price, got NoneType",
            ),
            (
                BookAction.UPDATE,
                {"side": BookSide.BID, "price": Price(1)},
                "size must be a Quantity, got NoneType",
            ),
            (
                BookAction.UPDATE,
                {"side": BookSide.BID, "price": Price(1), "size": Quantity(0)},
                "size must be positive, got 0",
            ),
            (
                BookAction.DELETE,
                {"side": BookSide.BID, "price": Price(1), "size": Quantity(0)},
                "DELETE takes no size, got 0",
            ),
            (BookAction.DELETE, {"side": BookSide.BID}, "price must be a Price"),
            (BookAction.CLEAR, {"price": Price(1)}, "CLEAR takes no price or size"),
            (BookAction.CLEAR, {"size": Quantity(1)}, "CLEAR takes no price or size"),
            (BookAction.CLEAR, {"side": "BID"}, "side must be a BookSide"),
            (
                BookAction.ADD,
                {"side": BookSide.BID, "price": Price(-1), "size": Quantity(1)},
                "price must be positive",
            ),
        ],
    )
    def test_fields_must_fit_the_action(
        self, action: BookAction, fields: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(InvalidMarketDataError, match=message):
            delta(action, **fields)

    @pytest.mark.parametrize("sequence", [0, -3, True])
    def test_delta_sequences_start_at_one(self, sequence: object) -> None:
        with pytest.raises(InvalidMarketDataError, match="sequence must be an int >= 1"):
            delta(BookAction.CLEAR, sequence=sequence)  # type: ignore[arg-type]

    def test_action_must_be_a_book_action(self) -> None:
        with pytest.raises(InvalidMarketDataError, match="action must be a BookAction"):
            delta("CLEAR")  # type: ignore[arg-type]


class TestDeltas:
    def test_batch_of_consecutive_deltas(self) -> None:
        batch = OrderBookDeltas(
            instrument_id=BTC,
            deltas=(delta(BookAction.CLEAR, 7), delta(BookAction.CLEAR, 8)),
            ts_event=TS,
            ts_init=TS,
        )
        assert (batch.first_sequence, batch.sequence) == (7, 8)

    @pytest.mark.parametrize(
        ("deltas", "message"),
        [
            ((), "deltas must be a non-empty tuple"),
            (
                (delta(BookAction.CLEAR, 1), delta(BookAction.CLEAR, 3)),
                r"deltas\[1\] has sequence 3, expected 2",
            ),
            (
                (delta(BookAction.CLEAR, 2), delta(BookAction.CLEAR, 2)),
                r"deltas\[1\] has sequence 2, expected 3",
            ),
            (
                (delta(BookAction.CLEAR, 1, instrument_id=InstrumentId("005930.KRX")),),
                r"deltas\[0\] is for 005930.KRX, not KRW-BTC.UPBIT",
            ),
            (("x",), r"deltas\[0\] must be a OrderBookDelta"),
        ],
    )
    def test_invalid_batches(self, deltas: tuple[Any, ...], message: str) -> None:
        with pytest.raises(InvalidMarketDataError, match=message):
            OrderBookDeltas(instrument_id=BTC, deltas=deltas, ts_event=TS, ts_init=TS)

    def test_round_trips_through_msgspec(self) -> None:
        def enc(obj: object) -> object:
            if isinstance(obj, (Price, Quantity, str)):
                return str(obj)
            raise NotImplementedError

        def dec(kind: type, obj: object) -> object:
            if kind in (Price, Quantity, InstrumentId):
                assert isinstance(obj, str)
                return kind(obj)
            raise NotImplementedError

        batch = OrderBookDeltas(
            instrument_id=BTC,
            deltas=(
                delta(
                    BookAction.ADD, 4, side=BookSide.BID, price=Price("0.0012"), size=Quantity(9)
                ),
                delta(BookAction.DELETE, 5, side=BookSide.ASK, price=Price("0.0013")),
                delta(BookAction.CLEAR, 6),
            ),
            ts_event=TS,
            ts_init=TS + 1,
        )
        raw = msgspec.msgpack.encode(batch, enc_hook=enc)
        assert msgspec.msgpack.decode(raw, type=OrderBookDeltas, dec_hook=dec) == batch
        snap = snapshot((lv("2", "1"),), (lv("3", "4"),), sequence=9)
        raw = msgspec.json.encode(snap, enc_hook=enc)
        assert msgspec.json.decode(raw, type=OrderBookSnapshot, dec_hook=dec) == snap
