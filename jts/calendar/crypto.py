"""A calendar for venues that never close (Upbit and other crypto exchanges).

Crypto trades around the clock, so every KST date is one continuous session from 00:00 to
24:00 KST, with no auctions, and trades settle at once (`settlement_date` is the trade date).
Cutting days at KST midnight keeps daily bars, daily P&L and the risk engine's daily limits on
the same day boundary as the Korean equity side of a portfolio.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from jts.calendar.errors import CalendarRangeError
from jts.calendar.errors import require_date as _require_date
from jts.core.errors import InvalidInputError
from jts.core.time import KST, NANOS_PER_DAY, dt_to_ns, kst_date
from jts.ports.calendar import Session, SessionPhase

__all__ = ["CryptoCalendar"]

_ONE_DAY: Final = dt.timedelta(days=1)


def _midnight_ns(day: dt.date) -> int:
    return dt_to_ns(dt.datetime(day.year, day.month, day.day, tzinfo=KST))


class CryptoCalendar:
    """Every day a session, 00:00-24:00 KST; settlement immediate.

    Stateless and cheap: sessions are computed on demand, so one instance serves any span.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "CryptoCalendar()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CryptoCalendar)

    def __hash__(self) -> int:
        return hash(CryptoCalendar)

    def is_session(self, date: dt.date) -> bool:
        _require_date(date)
        return True

    def session(self, date: dt.date) -> Session:
        day = _require_date(date)
        open_ns = _midnight_ns(day)
        return Session(date=day, open_ns=open_ns, close_ns=open_ns + NANOS_PER_DAY)

    def session_at(self, ts_ns: int) -> Session:
        return self.session(self._date_of(ts_ns))

    def phase(self, ts_ns: int) -> SessionPhase:
        self._date_of(ts_ns)
        return SessionPhase.CONTINUOUS

    def next_session(self, date: dt.date) -> Session:
        return self.session(self._step(date, 1))

    def previous_session(self, date: dt.date) -> Session:
        return self.session(self._step(date, -1))

    def sessions_in_range(self, start: dt.date, end: dt.date) -> list[Session]:
        first = _require_date(start, "start")
        last = _require_date(end, "end")
        if first > last:
            raise InvalidInputError(f"session range start {first} is after its end {last}")
        count = (last - first).days + 1
        return [self.session(first + dt.timedelta(days=offset)) for offset in range(count)]

    def settlement_date(self, trade_date: dt.date, days: int = 2) -> dt.date:
        """The trade date itself: crypto balances move when the trade executes. ``days`` is
        accepted for the port's sake and checked, but immediate settlement ignores it."""
        if type(days) is not int or days < 0:
            raise InvalidInputError(f"settlement days must be an int >= 0, got {days!r}")
        return _require_date(trade_date, "trade date")

    @staticmethod
    def _date_of(ts_ns: int) -> dt.date:
        if type(ts_ns) is not int:
            raise InvalidInputError(f"timestamp must be int nanoseconds UTC, got {ts_ns!r}")
        try:
            return kst_date(ts_ns)
        except OverflowError:
            raise CalendarRangeError(f"timestamp {ts_ns} is outside the datetime range") from None

    @staticmethod
    def _step(date: dt.date, days: int) -> dt.date:
        day = _require_date(date)
        try:
            return day + days * _ONE_DAY
        except OverflowError:
            raise CalendarRangeError(f"no session {days:+d} day(s) from {day}") from None
