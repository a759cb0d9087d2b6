"""`KisMarketDataClient`: KIS quotes behind the `MarketDataClient` port.

- Trade ticks: H0STCNT0 records -> `TradeTick` (deterministic trade ids, see `parse_stream`).
- Order books and quotes: H0STASP0 -> `OrderBookSnapshot` (10 levels); the quote is its top
  level, a `QuoteTick`, for subscribers of quotes.
- Bars: INTERNAL bars are aggregated by the kernel from the ticks this client delivers, so
  subscribing them subscribes ticks. EXTERNAL one-minute bars are KIS's own minute chart, polled
  once a minute (KIS has no bar stream). History (`request_bars`) pages through the daily chart
  (100 rows a call, shifting the end date) and the minute chart (30 rows a call, today only;
  earlier days through the real-only daily minute chart), and N-minute bars are aggregated
  exactly from one-minute bars.

Subscription methods are called on the kernel's loop and return at once; the registration runs
as a task (failures are logged and counted). A schema-drifted frame (more fields) is parsed and
counted; a broken record is dropped and counted; the stream survives both.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final

from jts.adapters.kis.config import KisClientConfig
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.errors import KisError, KisUnsupportedError
from jts.adapters.kis.frames import BOOK_TR, TICK_TR, DataFrame
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.parse import KisPriceSnapshot, daily_bar, minute_bar, price_snapshot
from jts.adapters.kis.parse_stream import ParseResult, StreamParser
from jts.adapters.kis.pool import AppKeyPool
from jts.adapters.kis.schemas import DailyChartReply, MinuteChartReply, PriceReply
from jts.adapters.kis.streams import KisStreamManager
from jts.core.time import KST, NANOS_PER_MINUTE, ns_to_dt
from jts.domain.identifiers import KRX, InstrumentId, Venue
from jts.domain.market_data import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarType,
    OrderBookSnapshot,
    PriceType,
    TradeTick,
)
from jts.ports.market_data import MarketData, MarketDataSink

__all__ = ["KisMarketDataClient", "aggregate_minutes"]

_log = logging.getLogger(__name__)
_DAILY_ROWS: Final = 100
_MINUTE_ROWS: Final = 30
_MINUTE_DAILY_ROWS: Final = 120
_KIND_TICKS, _KIND_BOOK, _KIND_QUOTES = "ticks", "book", "quotes"
_TICK_STREAM, _BOOK_STREAM = "tick-stream", "book-stream"


def _always_continuous(ts_ns: int) -> bool:
    return False


def aggregate_minutes(bars: Sequence[Bar], bar_type: BarType) -> list[Bar]:
    """One-minute bars into ``step``-minute bars aligned to the KST day, exactly (no bar is
    invented for minutes without trades)."""
    step = bar_type.spec.step
    out: list[Bar] = []
    group: list[Bar] = []
    current: int | None = None

    def flush() -> None:
        if group and current is not None:
            day_start = _kst_day_start(group[0].ts_event - NANOS_PER_MINUTE)
            close_ns = day_start + (current + 1) * step * NANOS_PER_MINUTE
            out.append(
                Bar(
                    bar_type=bar_type,
                    open=group[0].open,
                    high=max(b.high for b in group),
                    low=min(b.low for b in group),
                    close=group[-1].close,
                    volume=sum((b.volume for b in group[1:]), group[0].volume),
                    ts_event=close_ns,
                    ts_init=group[-1].ts_init,
                )
            )

    for bar in sorted(bars, key=lambda b: b.ts_event):
        start = bar.ts_event - NANOS_PER_MINUTE
        minute_of_day = (start - _kst_day_start(start)) // NANOS_PER_MINUTE
        bucket = minute_of_day // step
        if current is not None and (bucket != current or not _same_day(group[0], bar)):
            flush()
            group = []
        current = bucket
        group.append(bar)
    flush()
    return out


def _kst_day_start(ts_ns: int) -> int:
    offset = 9 * 60 * NANOS_PER_MINUTE
    day = 24 * 60 * NANOS_PER_MINUTE
    return (ts_ns + offset) // day * day - offset


def _same_day(a: Bar, b: Bar) -> bool:
    return _kst_day_start(a.ts_event - 1) == _kst_day_start(b.ts_event - 1)


class KisMarketDataClient:
    """Quotes of KRX symbols through KIS (see module doc)."""

    def __init__(
        self,
        config: KisClientConfig,
        pool: AppKeyPool,
        streams: KisStreamManager,
        *,
        venue: Venue = KRX,
        metrics: KisMetrics | None = None,
        in_auction: Callable[[int], bool] = _always_continuous,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._config = config
        self._pool = pool
        self._streams = streams
        self._venue = venue
        self._metrics = metrics or KisMetrics()
        self._in_auction = in_auction
        self._now = clock_ns
        self._parser = StreamParser(venue)
        self._sink: MarketDataSink | None = None
        self._subs: dict[InstrumentId, set[str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._bar_polls: dict[BarType, asyncio.Task[None]] = {}
        self._connected = False

    @property
    def venue(self) -> Venue:
        return self._venue

    def bind(self, sink: MarketDataSink) -> None:
        self._sink = sink

    async def connect(self) -> None:
        if not self._connected:
            self._streams.add_handler(TICK_TR, self._on_ticks)
            self._streams.add_handler(BOOK_TR, self._on_books)
            self._connected = True

    async def disconnect(self) -> None:
        for task in [*self._tasks, *self._bar_polls.values()]:
            task.cancel()
        for task in [*self._tasks, *self._bar_polls.values()]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._bar_polls.clear()
        for instrument_id in list(self._subs):
            for tr_id in (TICK_TR, BOOK_TR):
                with contextlib.suppress(KisError):
                    await self._streams.unsubscribe(tr_id, str(instrument_id.symbol))
        self._subs.clear()
        if self._connected:
            self._streams.remove_handler(TICK_TR, self._on_ticks)
            self._streams.remove_handler(BOOK_TR, self._on_books)
            self._connected = False

    async def drain(self) -> None:
        """Wait until every scheduled (un)subscription is done (tests, start-up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ---- subscriptions ------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, object], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as exc:
                self._metrics.errors.inc("subscribe")
                _log.error("KIS %s failed: %s", what, exc)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _want(self, instrument_id: InstrumentId, kind: str) -> None:
        """Note what the caller wants; register the stream it needs once (books and quotes
        share H0STASP0)."""
        kinds = self._subs.setdefault(instrument_id, set())
        if kind in kinds:
            return
        kinds.add(kind)
        stream = _TICK_STREAM if kind == _KIND_TICKS else _BOOK_STREAM
        if stream in kinds:
            return
        kinds.add(stream)
        tr_id = TICK_TR if stream == _TICK_STREAM else BOOK_TR
        symbol = str(instrument_id.symbol)
        self._spawn(self._streams.subscribe(tr_id, symbol), f"subscribe {tr_id} {symbol}")

    def subscribe_trade_ticks(self, instrument_id: InstrumentId) -> None:
        self._want(instrument_id, _KIND_TICKS)

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._want(instrument_id, _KIND_QUOTES)

    def subscribe_order_book(self, instrument_id: InstrumentId, depth: int = 10) -> None:
        self._want(instrument_id, _KIND_BOOK)

    def subscribe_bars(self, bar_type: BarType) -> None:
        if bar_type.is_internal:
            self.subscribe_trade_ticks(bar_type.instrument_id)
            return
        spec = bar_type.spec
        if spec.aggregation is not BarAggregation.MINUTE or spec.step != 1:
            raise KisUnsupportedError(
                f"KIS publishes no {spec} bars; subscribe INTERNAL bars (aggregated from ticks)"
            )
        if bar_type not in self._bar_polls:
            self._bar_polls[bar_type] = asyncio.get_running_loop().create_task(
                self._poll_minute_bars(bar_type)
            )

    def unsubscribe(self, instrument_id: InstrumentId) -> None:
        kinds = self._subs.pop(instrument_id, set())
        symbol = str(instrument_id.symbol)
        if _TICK_STREAM in kinds:
            self._spawn(self._streams.unsubscribe(TICK_TR, symbol), f"unsubscribe ticks {symbol}")
        if _BOOK_STREAM in kinds:
            self._spawn(self._streams.unsubscribe(BOOK_TR, symbol), f"unsubscribe book {symbol}")
        for bar_type in [b for b in self._bar_polls if b.instrument_id == instrument_id]:
            self._bar_polls.pop(bar_type).cancel()

    # ---- frames -------------------------------------------------------------------------------
    def _deliver(self, result: ParseResult, tr_id: str) -> list[Any]:
        if result.extra_fields:
            self._metrics.schema_drift.inc(tr_id)
            _log.warning("KIS %s records carry %d unknown fields", tr_id, result.extra_fields)
        for error in result.errors:
            self._metrics.frame_errors.inc(tr_id)
            _log.warning("KIS record dropped: %s", error)
        self._metrics.records.inc(tr_id, len(result.items))
        return result.items

    def _push(self, item: MarketData) -> None:
        if self._sink is not None:
            self._sink(item)

    def _on_ticks(self, frame: DataFrame, ts_init: int) -> None:
        try:
            result = self._parser.trade_ticks(frame.payload, frame.records, ts_init)
        except KisError as exc:
            self._metrics.frame_errors.inc(frame.tr_id)
            _log.warning("KIS tick frame dropped: %s", exc)
            return
        subs = self._subs
        for tick in self._deliver(result, frame.tr_id):
            assert isinstance(tick, TradeTick)
            kinds = subs.get(tick.instrument_id)
            if kinds is not None and _KIND_TICKS in kinds:
                self._push(tick)

    def _on_books(self, frame: DataFrame, ts_init: int) -> None:
        try:
            result = self._parser.books(frame.payload, frame.records, ts_init)
        except KisError as exc:
            self._metrics.frame_errors.inc(frame.tr_id)
            _log.warning("KIS book frame dropped: %s", exc)
            return
        for book in self._deliver(result, frame.tr_id):
            assert isinstance(book, OrderBookSnapshot)
            kinds = self._subs.get(book.instrument_id)
            if kinds is None:
                continue
            if _KIND_BOOK in kinds:
                self._push(book)
            if _KIND_QUOTES in kinds:
                try:
                    quote = self._parser.quote_from_book(book, self._in_auction(book.ts_event))
                except KisError as exc:
                    self._metrics.frame_errors.inc("quote")
                    _log.warning("KIS quote dropped: %s", exc)
                    continue
                except Exception as exc:  # a crossed book in continuous trading
                    self._metrics.frame_errors.inc("quote")
                    _log.warning("KIS quote dropped: %s", exc)
                    continue
                if quote is not None:
                    self._push(quote)

    # ---- REST quotations ----------------------------------------------------------------------
    async def inquire_price(self, instrument_id: InstrumentId) -> KisPriceSnapshot:
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": str(instrument_id.symbol)}
        reply = await self._pool.request(ENDPOINTS[Operation.PRICE], PriceReply, params=params)
        if reply.body.output is None:
            raise KisError(f"KIS inquire-price for {instrument_id} returned no output")
        return price_snapshot(reply.body.output, instrument_id=instrument_id, ts=self._now())

    async def request_bars(self, bar_type: BarType, start_ns: int, end_ns: int) -> Sequence[Bar]:
        spec = bar_type.spec
        if spec.price_type is not PriceType.LAST:
            raise KisUnsupportedError(f"KIS charts are trade prices; {spec} is not available")
        if spec.aggregation is BarAggregation.DAY and spec.step == 1:
            bars = await self._daily_bars(bar_type, start_ns, end_ns)
        elif spec.aggregation is BarAggregation.MINUTE:
            one = BarType(
                bar_type.instrument_id,
                type(spec)(1, BarAggregation.MINUTE, PriceType.LAST),
                AggregationSource.EXTERNAL,
            )
            minutes = await self._minute_bars(one, start_ns, end_ns)
            bars = minutes if spec.step == 1 else aggregate_minutes(minutes, bar_type)
            if spec.step == 1 and one != bar_type:
                bars = [_retype(b, bar_type) for b in bars]
        else:
            raise KisUnsupportedError(f"KIS has no {spec} history (daily and minute charts only)")
        return [b for b in bars if start_ns <= b.ts_event <= end_ns]

    async def _daily_bars(self, bar_type: BarType, start_ns: int, end_ns: int) -> list[Bar]:
        start = ns_to_dt(start_ns, KST).date()
        end = ns_to_dt(end_ns, KST).date()
        found: dict[int, Bar] = {}
        symbol = str(bar_type.instrument_id.symbol)
        while start <= end:
            params = {
                "FID_COND_MRKT_DIV_CODE": "J",
                "FID_INPUT_ISCD": symbol,
                "FID_INPUT_DATE_1": start.strftime("%Y%m%d"),
                "FID_INPUT_DATE_2": end.strftime("%Y%m%d"),
                "FID_PERIOD_DIV_CODE": "D",
                "FID_ORG_ADJ_PRC": self._config.adjusted_price_code,
            }
            reply = await self._pool.request(
                ENDPOINTS[Operation.DAILY_CHART], DailyChartReply, params=params
            )
            rows = reply.body.output2
            ts = self._now()
            dates = []
            for row in rows:
                bar = daily_bar(
                    row, bar_type=bar_type, close_hhmmss=self._config.daily_bar_close_hhmmss, ts=ts
                )
                dates.append(row.stck_bsop_date.strip())
                if bar is not None:
                    found[bar.ts_event] = bar
            if len(rows) < _DAILY_ROWS or not dates:
                break
            oldest = dt.datetime.strptime(min(dates), "%Y%m%d").date()  # noqa: DTZ007 - a date
            if oldest <= start:
                break
            end = oldest - dt.timedelta(days=1)
        return [found[k] for k in sorted(found)]

    async def _minute_bars(self, bar_type: BarType, start_ns: int, end_ns: int) -> list[Bar]:
        today = ns_to_dt(self._now(), KST).date()
        first = ns_to_dt(start_ns, KST).date()
        last = min(ns_to_dt(end_ns, KST).date(), today)
        found: dict[int, Bar] = {}
        day = first
        while day <= last:
            until = (
                "153000"
                if day < last
                else ns_to_dt(min(end_ns, self._now()), KST).strftime("%H%M%S")
            )
            found.update(await self._minute_day(bar_type, day, until, today, start_ns))
            day += dt.timedelta(days=1)
        return [found[k] for k in sorted(found)]

    async def _minute_day(
        self, bar_type: BarType, day: dt.date, until: str, today: dt.date, start_ns: int
    ) -> dict[int, Bar]:
        """One day's minute bars, paging backwards from ``until``."""
        symbol = str(bar_type.instrument_id.symbol)
        past = day < today
        operation = Operation.TIME_CHART_DAILY if past else Operation.TIME_CHART
        page_rows = _MINUTE_DAILY_ROWS if past else _MINUTE_ROWS
        found: dict[int, Bar] = {}
        hour = until
        seen: set[str] = set()
        while hour not in seen:
            seen.add(hour)
            params = {
                "FID_ETC_CLS_CODE": "",
                "FID_COND_MRKT_DIV_CODE": "J",
                "FID_INPUT_ISCD": symbol,
                "FID_INPUT_HOUR_1": hour,
                "FID_PW_DATA_INCU_YN": "Y",
            }
            if past:
                params["FID_INPUT_DATE_1"] = day.strftime("%Y%m%d")
                params["FID_FAKE_TICK_INCU_YN"] = ""
            reply = await self._pool.request(ENDPOINTS[operation], MinuteChartReply, params=params)
            rows = [
                r for r in reply.body.output2 if r.stck_bsop_date.strip() == day.strftime("%Y%m%d")
            ]
            ts = self._now()
            for row in rows:
                bar = minute_bar(
                    row, bar_type=bar_type, label_is_start=self._config.minute_label_is_start, ts=ts
                )
                if bar is not None:
                    found[bar.ts_event] = bar
            if len(reply.body.output2) < page_rows or not rows:
                break
            oldest = min(r.stck_cntg_hour.strip() for r in rows)
            if found and min(found) - NANOS_PER_MINUTE < start_ns:
                break
            moment = dt.datetime.strptime(oldest, "%H%M%S") - dt.timedelta(minutes=1)  # noqa: DTZ007
            hour = moment.strftime("%H%M%S")
        return found

    async def _poll_minute_bars(self, bar_type: BarType) -> None:
        """Emit KIS's one-minute bars as each minute completes (KIS has no bar stream)."""
        last_emitted = 0
        while True:
            now = self._now()
            next_minute = (now // NANOS_PER_MINUTE + 1) * NANOS_PER_MINUTE
            await asyncio.sleep((next_minute - now) / 1e9 + 2.0)
            try:
                today = ns_to_dt(self._now(), KST).date()
                since = self._now() - 30 * NANOS_PER_MINUTE
                bars = await self._minute_day(bar_type, today, "999999", today, since)
            except KisError as exc:
                _log.warning("KIS minute bars for %s: %s", bar_type, exc)
                continue
            cutoff = self._now()
            for ts_event in sorted(bars):
                if last_emitted < ts_event <= cutoff:
                    self._push(bars[ts_event])
                    last_emitted = ts_event


def _retype(bar: Bar, bar_type: BarType) -> Bar:
    return Bar(
        bar_type=bar_type,
        open=bar.open,
        high=bar.high,
        low=bar.low,
        close=bar.close,
        volume=bar.volume,
        ts_event=bar.ts_event,
        ts_init=bar.ts_init,
    )
