from __future__ import annotations

import httpx
import pytest

from jts.adapters.kis.config import KisAppKey, KisClientConfig
from jts.adapters.kis.data import KisMarketDataClient, aggregate_minutes
from jts.adapters.kis.errors import KisUnsupportedError
from jts.adapters.kis.frames import DataFrame
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.parse import kst_ns
from jts.adapters.kis.pool import AppKeyPool
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import BarType, OrderBookSnapshot, QuoteTick, TradeTick
from jts.domain.values import Price, Quantity
from tests.unit.adapters.kis.fakes import FakeTime, rest_client
from tests.unit.adapters.kis.wire import book_record, payload, tick_record

APP = KisAppKey("PSappkey0001", "secret")
IID = InstrumentId("005930.KRX")
NOW = kst_ns("20260302", "150000")


class RecordingStreams:
    """Stands in for `KisStreamManager`: records registrations and keeps the handlers."""

    def __init__(self) -> None:
        self.subscribed: list[tuple[str, str]] = []
        self.unsubscribed: list[tuple[str, str]] = []
        self.handlers: dict[str, list] = {}

    async def subscribe(self, tr_id: str, tr_key: str, *, app_key: str | None = None) -> str:
        self.subscribed.append((tr_id, tr_key))
        return APP.app_key

    async def unsubscribe(self, tr_id: str, tr_key: str) -> None:
        self.unsubscribed.append((tr_id, tr_key))

    def add_handler(self, tr_id, handler) -> None:
        self.handlers.setdefault(tr_id, []).append(handler)

    def remove_handler(self, tr_id, handler) -> None:
        self.handlers[tr_id].remove(handler)

    def push(self, tr_id: str, records: list[list[str]], extra: int = 0) -> None:
        frame = DataFrame(False, tr_id, len(records), payload(*records, extra=extra))
        for handler in self.handlers.get(tr_id, []):
            handler(frame, NOW)


def make(handler=None) -> tuple[KisMarketDataClient, RecordingStreams, list, KisMetrics]:
    time = FakeTime(NOW)
    rest = rest_client(handler or (lambda r: httpx.Response(500)), APP, time=time)
    pool = AppKeyPool([rest], KisClientConfig())
    streams = RecordingStreams()
    metrics = KisMetrics()
    client = KisMarketDataClient(
        KisClientConfig(), pool, streams, metrics=metrics, clock_ns=time.now
    )  # type: ignore[arg-type]
    sink: list = []
    client.bind(sink.append)
    return client, streams, sink, metrics


async def test_ticks_books_and_quotes_reach_the_sink_for_subscribers_only():
    client, streams, sink, metrics = make()
    await client.connect()
    client.subscribe_trade_ticks(IID)
    client.subscribe_quotes(IID)
    client.subscribe_order_book(IID)
    client.subscribe_trade_ticks(IID)  # idempotent
    await client.drain()
    assert streams.subscribed == [("H0STCNT0", "005930"), ("H0STASP0", "005930")]
    streams.push("H0STCNT0", [tick_record(), tick_record(symbol="000660", acml_vol="5")])
    streams.push("H0STASP0", [book_record()])
    assert [type(x).__name__ for x in sink] == ["TradeTick", "OrderBookSnapshot", "QuoteTick"]
    tick, book, quote = sink
    assert isinstance(tick, TradeTick)
    assert tick.instrument_id == IID
    assert isinstance(book, OrderBookSnapshot)
    assert isinstance(quote, QuoteTick)
    assert metrics.records.get("H0STCNT0") == 2


async def test_drifted_and_broken_frames_are_counted_not_fatal():
    client, streams, sink, metrics = make()
    await client.connect()
    client.subscribe_trade_ticks(IID)
    await client.drain()
    streams.push("H0STCNT0", [tick_record(), tick_record(acml_vol="2000")], extra=2)
    streams.push("H0STCNT0", [tick_record()[:30]])  # fewer fields: the frame is dropped
    streams.push("H0STCNT0", [tick_record(acml_vol="3000")])
    assert [str(t.trade_id) for t in sink] == ["20260302-1000", "20260302-2000", "20260302-3000"]
    assert metrics.schema_drift.get("H0STCNT0") == 1
    assert metrics.frame_errors.get("H0STCNT0") == 1


async def test_unsubscribe_releases_both_streams():
    client, streams, sink, _ = make()
    await client.connect()
    client.subscribe_trade_ticks(IID)
    client.subscribe_quotes(IID)
    await client.drain()
    client.unsubscribe(IID)
    await client.drain()
    assert sorted(streams.unsubscribed) == [("H0STASP0", "005930"), ("H0STCNT0", "005930")]
    streams.push("H0STCNT0", [tick_record()])
    assert sink == []
    await client.disconnect()
    assert streams.handlers == {"H0STCNT0": [], "H0STASP0": []}


async def test_internal_bars_subscribe_ticks_and_external_day_bars_are_refused():
    client, streams, _, _ = make()
    client.subscribe_bars(BarType.parse("005930.KRX-5-MINUTE-LAST-INTERNAL"))
    await client.drain()
    assert streams.subscribed == [("H0STCNT0", "005930")]
    with pytest.raises(KisUnsupportedError):
        client.subscribe_bars(BarType.parse("005930.KRX-1-DAY-LAST-EXTERNAL"))


def chart_row(day: str, o: int, h: int, low: int, c: int, v: int) -> dict:
    return {
        "stck_bsop_date": day,
        "stck_oprc": str(o),
        "stck_hgpr": str(h),
        "stck_lwpr": str(low),
        "stck_clpr": str(c),
        "acml_vol": str(v),
    }


async def test_daily_history_pages_by_shifting_the_end_date():
    import datetime as dt

    asked: list[tuple[str, str]] = []
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(150)]

    def handler(request: httpx.Request) -> httpx.Response:
        start, end = request.url.params["FID_INPUT_DATE_1"], request.url.params["FID_INPUT_DATE_2"]
        asked.append((start, end))
        rows = [d for d in days if start <= d.strftime("%Y%m%d") <= end][-100:]
        body = [chart_row(d.strftime("%Y%m%d"), 100, 110, 90, 105, 1) for d in reversed(rows)]
        return httpx.Response(
            200,
            json={"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok", "output1": {}, "output2": body},
        )

    client, _, _, _ = make(handler)
    bar_type = BarType.parse("005930.KRX-1-DAY-LAST-EXTERNAL")
    bars = await client.request_bars(
        bar_type, kst_ns("20250101", "000000"), kst_ns("20250530", "235959")
    )
    assert len(bars) == 150
    assert [b.ts_event for b in bars] == sorted(b.ts_event for b in bars)
    assert asked[0] == ("20250101", "20250530")
    assert asked[1][1] == "20250219"


def minute_row(hhmmss: str, close: int) -> dict:
    return {
        "stck_bsop_date": "20260302",
        "stck_cntg_hour": hhmmss,
        "stck_prpr": str(close),
        "stck_oprc": str(close),
        "stck_hgpr": str(close + 10),
        "stck_lwpr": str(close - 10),
        "cntg_vol": "3",
    }


async def test_minute_history_pages_backwards_and_aggregates_exactly():
    import datetime as dt

    minutes = [
        (dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=i)).strftime("%H%M%S")
        for i in range(70)
    ]
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hour = request.url.params["FID_INPUT_HOUR_1"]
        asked.append(hour)
        rows = [m for m in minutes if m <= hour][-30:]
        body = [minute_row(m, 70000 + i * 10) for i, m in enumerate(reversed(rows))]
        return httpx.Response(
            200,
            json={"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "ok", "output1": {}, "output2": body},
        )

    client, _, _, _ = make(handler)
    one = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
    bars = await client.request_bars(
        one, kst_ns("20260302", "090000"), kst_ns("20260302", "101000")
    )
    assert len(bars) == 70
    assert bars[0].ts_event == kst_ns("20260302", "090100")
    assert asked[:2] == ["101000", "093900"]  # the next page ends before the oldest row
    five = BarType.parse("005930.KRX-5-MINUTE-LAST-EXTERNAL")
    fives = await client.request_bars(
        five, kst_ns("20260302", "090000"), kst_ns("20260302", "101000")
    )
    assert len(fives) == 14
    first = fives[0]
    assert first.ts_event == kst_ns("20260302", "090500")
    assert first.volume == Quantity(15)
    assert first.open == bars[0].open
    assert first.close == bars[4].close
    assert first.high == max(b.high for b in bars[:5])


def test_aggregate_minutes_skips_empty_minutes_and_day_boundaries():
    one = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
    from jts.domain.market_data import Bar

    def bar(day: str, hhmmss: str) -> Bar:
        return Bar(
            bar_type=one,
            open=Price(1),
            high=Price(2),
            low=Price(1),
            close=Price(2),
            volume=Quantity(1),
            ts_event=kst_ns(day, hhmmss),
            ts_init=0,
        )

    three = BarType.parse("005930.KRX-3-MINUTE-LAST-EXTERNAL")
    out = aggregate_minutes(
        [
            bar("20260302", "090100"),
            bar("20260302", "090300"),
            bar("20260302", "090700"),
            bar("20260303", "090100"),
        ],
        three,
    )
    assert [b.ts_event for b in out] == [
        kst_ns("20260302", "090300"),
        kst_ns("20260302", "090900"),
        kst_ns("20260303", "090300"),
    ]
    assert out[0].volume == Quantity(2)


async def test_price_inquiry_through_the_pool():
    def handler(request):
        assert request.url.params["FID_INPUT_ISCD"] == "005930"
        return httpx.Response(
            200,
            json={
                "rt_cd": "0",
                "msg_cd": "MCA00000",
                "msg1": "ok",
                "output": {"stck_prpr": "70100", "aspr_unit": "100"},
            },
        )

    client, _, _, _ = make(handler)
    snapshot = await client.inquire_price(IID)
    assert snapshot.last == Price(70100)
    assert snapshot.tick_size == Price(100)


async def test_history_kinds_kis_does_not_have_are_refused():
    client, _, _, _ = make()
    with pytest.raises(KisUnsupportedError):
        await client.request_bars(BarType.parse("005930.KRX-100-TICK-LAST-INTERNAL"), 0, 1)
    with pytest.raises(KisUnsupportedError):
        await client.request_bars(BarType.parse("005930.KRX-1-MINUTE-MID-EXTERNAL"), 0, 1)
