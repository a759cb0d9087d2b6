"""A tiny KRX-like calendar for data tests: fast, explicit holidays and late opens.

Weekdays trade 09:00-15:30 KST with the closing auction from 15:20; listed holidays are
closed; listed late-open days trade 10:00-15:30 (the first session of a year); ``close``
moves the close of every day (a CSAT-like late close). The real XKRX
calendar (`jts.calendar.XkrxCalendar`) takes seconds to build, which these tests do not need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from jts.core.time import kst_date, kst_to_ns
from jts.ports.calendar import Session, SessionPhase


class FakeKrxCalendar:
    def __init__(
        self,
        holidays: Iterable[dt.date] = (),
        late_opens: Iterable[dt.date] = (),
        *,
        auction: bool = True,
        close: str = "153000",
    ) -> None:
        self.close = close
        self.holidays = frozenset(holidays)
        self.late_opens = frozenset(late_opens)
        self.auction = auction
        self.session_calls = 0

    def is_session(self, date: dt.date) -> bool:
        return date.weekday() < 5 and date not in self.holidays

    def session(self, date: dt.date) -> Session | None:
        self.session_calls += 1
        if not self.is_session(date):
            return None
        opening = "100000" if date in self.late_opens else "090000"
        return Session(
            date=date,
            open_ns=kst_to_ns(date, opening),
            close_ns=kst_to_ns(date, self.close),
            pre_open_start_ns=kst_to_ns(date, "083000"),
            closing_auction_start_ns=kst_to_ns(date, "152000") if self.auction else None,
        )

    def session_at(self, ts_ns: int) -> Session | None:
        found = self.session(kst_date(ts_ns))
        return found if found is not None and found.contains(ts_ns) else None

    def phase(self, ts_ns: int) -> SessionPhase:
        found = self.session(kst_date(ts_ns))
        if found is None or not found.open_ns <= ts_ns <= found.close_ns:
            return SessionPhase.CLOSED
        return SessionPhase.CONTINUOUS

    def next_session(self, date: dt.date) -> Session:
        day = date + dt.timedelta(days=1)
        while not self.is_session(day):
            day += dt.timedelta(days=1)
        found = self.session(day)
        assert found is not None
        return found

    def previous_session(self, date: dt.date) -> Session:
        day = date - dt.timedelta(days=1)
        while not self.is_session(day):
            day -= dt.timedelta(days=1)
        found = self.session(day)
        assert found is not None
        return found

    def sessions_in_range(self, start: dt.date, end: dt.date) -> list[Session]:
        out = []
        day = start
        while day <= end:
            found = self.session(day)
            if found is not None:
                out.append(found)
            day += dt.timedelta(days=1)
        return out

    def settlement_date(self, trade_date: dt.date, days: int = 2) -> dt.date:
        day = trade_date
        for _ in range(days):
            day = self.next_session(day).date
        return day
