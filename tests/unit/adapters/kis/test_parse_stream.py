from __future__ import annotations

import datetime as dt

import pytest

from jts.adapters.kis.errors import KisFrameError
from jts.adapters.kis.parse_stream import (
    KisNotice,
    StreamParser,
    normalize_odno,
    parse_price,
    tick_records,
)
from jts.core.time import KST, dt_to_ns
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.market_data import AggressorSide, OrderBookSnapshot, TradeTick
from jts.domain.values import Price, Quantity
from tests.unit.adapters.kis.wire import book_record, notice_record, payload, tick_record

T0 = dt_to_ns(dt.datetime(2026, 3, 2, 9, 30, 5, tzinfo=KST))


def test_one_tick_record_becomes_a_trade_tick():
    result = StreamParser().trade_ticks(payload(tick_record()), 1, T0)
    assert result.errors == []
    assert result.extra_fields == 0
    (tick,) = result.items
    assert tick == TradeTick(
        instrument_id=InstrumentId("005930.KRX"),
        price=Price("70100"),
        size=Quantity("5"),
        aggressor_side=AggressorSide.BUYER,
        trade_id=TradeId("20260302-1000"),
        ts_event=dt_to_ns(dt.datetime(2026, 3, 2, 9, 30, 1, tzinfo=KST)),
        ts_init=T0,
    )


def test_multi_record_frames_keep_order_and_map_aggressors():
    records = [
        tick_record(side="1", acml_vol="10"),
        tick_record(side="5", acml_vol="15", price="70000"),
        tick_record(side="3", acml_vol="20", symbol="000660", price="180500"),
    ]
    result = StreamParser().trade_ticks(payload(*records), 3, T0)
    sides = [t.aggressor_side for t in result.items]
    assert sides == [AggressorSide.BUYER, AggressorSide.SELLER, AggressorSide.NO_AGGRESSOR]
    assert [str(t.trade_id) for t in result.items] == ["20260302-10", "20260302-15", "20260302-20"]
    assert result.items[2].instrument_id == InstrumentId("000660.KRX")


def test_trade_ids_are_deterministic_across_parsers():
    text = payload(tick_record(acml_vol="777"))
    first = StreamParser().trade_ticks(text, 1, T0).items[0]
    again = StreamParser().trade_ticks(text, 1, T0 + 10).items[0]
    assert first.trade_id == again.trade_id


def test_schema_drift_more_fields_is_parsed_and_reported():
    result = StreamParser().trade_ticks(payload(tick_record(), tick_record(), extra=3), 2, T0)
    assert result.extra_fields == 3
    assert len(result.items) == 2
    assert not result.errors


def test_schema_drift_fewer_fields_is_an_error_for_the_frame():
    short = tick_record()[:40]
    with pytest.raises(KisFrameError, match="fewer"):
        StreamParser().trade_ticks(payload(short), 1, T0)


def test_a_bad_record_is_reported_and_the_others_survive():
    records = [
        tick_record(acml_vol="1"),
        tick_record(qty="0", acml_vol="2"),
        tick_record(acml_vol="3"),
    ]
    result = StreamParser().trade_ticks(payload(*records), 3, T0)
    assert [str(t.trade_id) for t in result.items] == ["20260302-1", "20260302-3"]
    assert len(result.errors) == 1
    assert "record 1" in str(result.errors[0])


@pytest.mark.parametrize(
    "record",
    [
        tick_record(hhmmss="99xx99"),
        tick_record(date="2026-3-2"),
        tick_record(price="abc"),
        tick_record(acml_vol="1e3"),
    ],
)
def test_malformed_fields_are_record_errors(record):
    result = StreamParser().trade_ticks(payload(record), 1, T0)
    assert result.items == []
    assert len(result.errors) == 1


def test_decimal_prices_stay_exact():
    assert parse_price("70050.0000") == Price("70050.0000")
    tick = StreamParser().trade_ticks(payload(tick_record(price="1234.5")), 1, T0).items[0]
    assert tick.price == Price("1234.5")


def test_tick_records_are_cheap_structs():
    records, extra = tick_records(payload(tick_record(), tick_record(acml_vol="9"), extra=1), 2)
    assert extra == 1
    assert records[1].acml_vol == "9"
    assert records[0].symbol == "005930"
    assert records[0].date == "20260302"
    assert records[0].side == "1"


def test_book_record_becomes_a_snapshot_without_empty_levels():
    result = StreamParser().books(payload(book_record()), 1, T0)
    (book,) = result.items
    assert isinstance(book, OrderBookSnapshot)
    assert [(str(lv.price), str(lv.size)) for lv in book.asks] == [("70100", "10"), ("70200", "20")]
    assert [(str(lv.price), str(lv.size)) for lv in book.bids] == [("70000", "15"), ("69900", "25")]
    assert book.ts_event == dt_to_ns(dt.datetime(2026, 3, 2, 9, 30, 1, tzinfo=KST))
    assert book.sequence == 0


def test_book_stamped_before_midnight_and_received_after_keeps_its_day():
    after_midnight = dt_to_ns(dt.datetime(2026, 3, 3, 0, 0, 2, tzinfo=KST))
    book = StreamParser().books(payload(book_record(hhmmss="235959")), 1, after_midnight).items[0]
    assert book.ts_event == dt_to_ns(dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=KST))


def test_quote_from_book_and_one_sided_book():
    parser = StreamParser()
    book = parser.books(payload(book_record()), 1, T0).items[0]
    quote = parser.quote_from_book(book)
    assert quote is not None
    assert (quote.bid_price, quote.ask_price) == (Price("70000"), Price("70100"))
    assert (quote.bid_size, quote.ask_size) == (Quantity("15"), Quantity("10"))
    limit_up = parser.books(payload(book_record(asks=())), 1, T0).items[0]
    assert parser.quote_from_book(limit_up) is None


def test_crossed_book_quote_is_refused_outside_auctions_and_allowed_inside():
    parser = StreamParser()
    crossed = parser.books(payload(book_record(asks=((69900, 1),), bids=((70000, 1),))), 1, T0)
    book = crossed.items[0]
    with pytest.raises(Exception, match="crossed"):
        parser.quote_from_book(book)
    assert parser.quote_from_book(book, in_auction=True).is_crossed()


def test_notice_record_fields():
    record = notice_record(
        odno="123", orig_odno="", side="01", qty=4, price=70100, cntg_yn="2", acpt_yn="2"
    )
    result = StreamParser().notices("H0STCNI9", payload(record), 1)
    (notice,) = result.items
    assert isinstance(notice, KisNotice)
    assert notice.odno == "0000000123"
    assert notice.orig_odno == ""
    assert notice.side is OrderSide.SELL
    assert notice.is_fill
    assert (notice.qty, notice.price) == (4, Price("70100"))
    assert notice.order_price == Price("70000")
    assert notice.order_qty == 10
    assert notice.account_no == "5000000101"
    assert notice.symbol == "005930"


def test_notice_with_market_price_zero_has_no_price():
    record = notice_record(price=0, order_price=0)
    notice = StreamParser().notices("H0STCNI9", payload(record), 1).items[0]
    assert notice.price is None
    assert notice.order_price is None


def test_notice_with_bad_side_is_a_record_error():
    result = StreamParser().notices("H0STCNI0", payload(notice_record(side="03")), 1)
    assert result.items == []
    assert "SELN_BYOV_CLS" in str(result.errors[0])


def test_normalize_odno():
    assert normalize_odno(" 42 ") == "0000000042"
    assert normalize_odno("0000000042") == "0000000042"
    assert normalize_odno("A1") == "A1"
