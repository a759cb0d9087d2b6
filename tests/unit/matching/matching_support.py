"""Shared builders for the matching and venue tests: a KRX stock, bars, ticks, books and a
small calendar (a plain module, not a conftest: it defines no fixtures).

`FakeCalendar` implements `jts.ports.calendar.TradingCalendar` with KRX-like hours (09:00-15:30
KST, closing auction from 15:20) on weekdays, plus holidays and special hours given per test,
so session rules can be tested without the XKRX library.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from jts.core.time import NANOS_PER_MINUTE, kst_date, kst_to_ns
from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.identifiers import TradeId
from jts.domain.instruments import Instrument, Market, krx_equity, upbit_spot
from jts.domain.market_data import (
    AggressorSide,
    Bar,
    BarType,
    BookLevel,
    OrderBookSnapshot,
    TradeTick,
)
from jts.domain.values import Price, Quantity
from jts.matching.engine import MatchingEngine
from jts.matching.models import MatchingConfig
from jts.matching.orders import OrderRequest
from jts.matching.results import MatchResult
from jts.ports.calendar import Session, SessionPhase

DAY = dt.date(2024, 3, 4)  # a Monday
NEXT_DAY = dt.date(2024, 3, 5)
SAMSUNG: Instrument = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
BTC: Instrument = upbit_spot("KRW-BTC")
MINUTE = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
DAILY = BarType.parse("005930.KRX-1-DAY-LAST-EXTERNAL")


def at(hhmmss: str, day: dt.date = DAY) -> int:
    """A KST wall-clock time on ``day`` in ns (``"0901"`` or ``"090100"``)."""
    return kst_to_ns(day, hhmmss.ljust(6, "0"))


def bar(
    end: str,
    o: int,
    h: int,
    low: int,
    c: int,
    volume: int = 10_000,
    *,
    day: dt.date = DAY,
    bar_type: BarType = MINUTE,
) -> Bar:
    """A bar stamped at its close ``end`` (KST ``HHMM``)."""
    ts = at(end, day)
    return Bar(
        bar_type=bar_type,
        open=Price(o),
        high=Price(h),
        low=Price(low),
        close=Price(c),
        volume=Quantity(volume),
        ts_event=ts,
        ts_init=ts,
    )


def daily(o: int, h: int, low: int, c: int, day: dt.date, volume: int = 1_000_000) -> Bar:
    """A daily bar stamped at the session close (15:30)."""
    return bar("1530", o, h, low, c, volume, day=day, bar_type=DAILY)


_TRADES = iter(range(1, 10**9))


def tick(ts: int, price: int, size: int = 100) -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG.id,
        price=Price(price),
        size=Quantity(size),
        aggressor_side=AggressorSide.NO_AGGRESSOR,
        trade_id=TradeId(f"X{next(_TRADES)}"),
        ts_event=ts,
        ts_init=ts,
    )


def book(
    ts: int, bids: Iterable[tuple[int, int]] = (), asks: Iterable[tuple[int, int]] = ()
) -> OrderBookSnapshot:
    return OrderBookSnapshot(
        instrument_id=SAMSUNG.id,
        bids=tuple(BookLevel(Price(p), Quantity(s)) for p, s in bids),
        asks=tuple(BookLevel(Price(p), Quantity(s)) for p, s in asks),
        sequence=0,
        ts_event=ts,
        ts_init=ts,
    )


def request(
    order_id: str,
    side: OrderSide,
    qty: int,
    *,
    price: int | None = None,
    trigger: int | None = None,
    order_type: OrderType | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    expire_ns: int | None = None,
) -> OrderRequest:
    if order_type is None:
        if trigger is not None:
            order_type = OrderType.STOP_LIMIT if price is not None else OrderType.STOP_MARKET
        else:
            order_type = OrderType.LIMIT if price is not None else OrderType.MARKET
    return OrderRequest(
        order_id,
        side,
        order_type,
        Quantity(qty),
        None if price is None else Price(price),
        None if trigger is None else Price(trigger),
        tif,
        expire_ns,
    )


BUY, SELL = OrderSide.BUY, OrderSide.SELL


def engine(
    config: MatchingConfig | None = None,
    calendar: FakeCalendar | None = None,
    instrument: Instrument = SAMSUNG,
) -> MatchingEngine:
    return MatchingEngine(instrument, config, calendar)


def kinds(results: Iterable[MatchResult]) -> list[str]:
    return [type(r).__name__ for r in results]


class FakeCalendar:
    """Weekday sessions 09:00-15:30 KST with a closing auction from 15:20 (see module doc).

    ``hours`` overrides a date's (open, close) as ``HHMMSS`` strings; the closing auction still
    starts 10 minutes before the close.
    """

    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        hours: Mapping[dt.date, tuple[str, str]] | None = None,
        *,
        closing_auction: bool = True,
    ) -> None:
        self._holidays = frozenset(holidays)
        self._hours = dict(hours or {})
        self._closing_auction = closing_auction

    def is_session(self, date: dt.date) -> bool:
        return date.weekday() < 5 and date not in self._holidays

    def session(self, date: dt.date) -> Session | None:
        if not self.is_session(date):
            return None
        open_hms, close_hms = self._hours.get(date, ("090000", "153000"))
        close_ns = kst_to_ns(date, close_hms)
        return Session(
            date=date,
            open_ns=kst_to_ns(date, open_hms),
            close_ns=close_ns,
            pre_open_start_ns=kst_to_ns(date, open_hms) - 30 * NANOS_PER_MINUTE,
            closing_auction_start_ns=(
                close_ns - 10 * NANOS_PER_MINUTE if self._closing_auction else None
            ),
        )

    def session_at(self, ts_ns: int) -> Session | None:
        session = self.session(kst_date(ts_ns))
        return session if session is not None and session.contains(ts_ns) else None

    def phase(self, ts_ns: int) -> SessionPhase:
        session = self.session(kst_date(ts_ns))
        if session is None:
            return SessionPhase.CLOSED
        if session.pre_open_start_ns is not None and session.pre_open_start_ns <= ts_ns < (
            session.open_ns
        ):
            return SessionPhase.PRE_OPEN_AUCTION
        auction = session.closing_auction_start_ns
        if auction is not None and auction <= ts_ns < session.close_ns:
            return SessionPhase.CLOSING_AUCTION
        if session.contains(ts_ns):
            return SessionPhase.CONTINUOUS
        return SessionPhase.CLOSED

    def next_session(self, date: dt.date) -> Session:
        day = date + dt.timedelta(days=1)
        while not self.is_session(day):
            day += dt.timedelta(days=1)
        session = self.session(day)
        assert session is not None
        return session

    def previous_session(self, date: dt.date) -> Session:
        day = date - dt.timedelta(days=1)
        while not self.is_session(day):
            day -= dt.timedelta(days=1)
        session = self.session(day)
        assert session is not None
        return session

    def sessions_in_range(self, start: dt.date, end: dt.date) -> list[Session]:
        sessions = []
        day = start
        while day <= end:
            session = self.session(day)
            if session is not None:
                sessions.append(session)
            day += dt.timedelta(days=1)
        return sessions

    def settlement_date(self, trade_date: dt.date, days: int = 2) -> dt.date:
        day = trade_date
        for _ in range(days):
            day = self.next_session(day).date
        return day
