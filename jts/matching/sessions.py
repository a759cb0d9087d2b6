"""Which data may fill orders, and when orders end: the session rules of the matching engine.

With a `TradingCalendar` (KRX), only regular-hours data matches orders:

- A **bar** is taken to cover ``(ts_event - interval, ts_event]`` (bars are stamped at their
  close; daily bars must be stamped at the session close). Bars that end at or before the
  open, start at or after the close, or fall on a holiday match nothing.
- The **opening auction** price is the open of the session's first bar: the first bar that
  starts at or before the open, or the first bar after data that ended before the open.
- A bar that lies inside the closing auction (from ``closing_auction_start_ns``) matches
  nothing until the bar that reaches the close, whose close is the **closing auction** price
  and its only tradable price. A bar that spans continuous trading and the close (a daily
  bar, a 30-minute bar ending 15:30) trades continuously and ends in the closing auction.
- A **trade tick** is the opening auction print when it is the session's first tick at or
  after the open, and the closing auction print when it is the first tick at or after the
  closing auction start (KRX ends auctions at a random moment up to 30 s late, so the print
  may be stamped after the close). Later ticks are off-hours trading and match nothing.
- A **book snapshot** matches only during continuous trading (auction books are indicative).

Without a calendar (crypto), every data point trades continuously and there are no auctions.

**DAY orders** expire at the close of their session: the session in progress when the order
was accepted, or, for an order accepted after the close or on a holiday, the next session
(an order sent after a daily bar stamped at the close works the next day). Without a
calendar a DAY order ends at the next midnight KST.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import NamedTuple

from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, kst_date, kst_to_ns
from jts.ports.calendar import Session, TradingCalendar

__all__ = ["BarWindow", "SessionRules", "TickPhase", "TradingDay"]

_ONE_DAY = dt.timedelta(days=1)
_KST_OFFSET_NS = 9 * NANOS_PER_HOUR
_DAYS_KEPT = 64  # days several instruments are on at once (their data may lag each other)


@dataclass(frozen=True, slots=True)
class TradingDay:
    """One KST calendar day as the engine sees it.

    ``start_ns`` is its midnight KST and ``end_ns`` the next (data at or after it starts a
    new day);
    ``regular_end_ns`` is the last instant whose prices count toward the day's close (the
    session close; the whole day without a calendar; never on a holiday).
    """

    date: dt.date
    start_ns: int
    end_ns: int
    session: Session | None
    regular_end_ns: int

    def __contains__(self, ts_ns: object) -> bool:
        return isinstance(ts_ns, int) and self.start_ns <= ts_ns < self.end_ns


_new_tuple = tuple.__new__


class BarWindow(NamedTuple):
    """The tradable part of one bar (a tuple: one is built per bar with working orders).

    ``first_ns`` is when its first tradable price happened (the open, or the closing auction
    for a bar inside it); an order that arrived by then sees the whole bar.
    """

    first_ns: int
    end_ns: int
    open_auction: bool
    close_auction: bool
    close_only: bool


class TickPhase(enum.Enum):
    CONTINUOUS = "CONTINUOUS"
    OPENING_AUCTION = "OPENING_AUCTION"
    CLOSING_AUCTION = "CLOSING_AUCTION"


class SessionRules:
    """Session questions of the matching engine, answered from a calendar (or none).

    Calendar answers are cached per date: orders ask them on every submission, and a
    backtest sends many orders on few dates. Callers that know the `TradingDay` an instant
    falls in pass it as ``day`` and save the date conversion. The engines of one venue share
    one `SessionRules`, so a day (`day_of`) is worked out once for all their instruments: a
    backtest of daily bars starts a new day on every bar.
    """

    __slots__ = ("_calendar", "_days", "_next", "_sessions")

    def __init__(self, calendar: TradingCalendar | None) -> None:
        self._calendar = calendar
        self._sessions: dict[dt.date, Session | None] = {}
        self._next: dict[dt.date, Session] = {}
        self._days: dict[int, TradingDay] = {}  # by day number since the epoch, KST

    @property
    def calendar(self) -> TradingCalendar | None:
        return self._calendar

    def _session(self, calendar: TradingCalendar, date: dt.date) -> Session | None:
        if date not in self._sessions:
            self._sessions[date] = calendar.session(date)
        return self._sessions[date]

    def _next_session(self, calendar: TradingCalendar, date: dt.date) -> Session:
        found = self._next.get(date)
        if found is None:
            found = self._next[date] = calendar.next_session(date)
        return found

    def _locate(self, ts_ns: int, day: TradingDay | None) -> tuple[dt.date, Session | None]:
        """The KST date of ``ts_ns`` and its session (calendar required)."""
        if day is not None and ts_ns in day:
            return day.date, day.session
        calendar = self._calendar
        assert calendar is not None
        date = kst_date(ts_ns)
        return date, self._session(calendar, date)

    # ---- days -------------------------------------------------------------------------------
    def day_of(self, ts_ns: int) -> TradingDay:
        number = (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY
        found = self._days.get(number)
        if found is None:
            if len(self._days) >= _DAYS_KEPT:
                self._days.clear()
            found = self._days[number] = self._day_of(ts_ns)
        return found

    def _day_of(self, ts_ns: int) -> TradingDay:
        date = kst_date(ts_ns)
        start, end = kst_to_ns(date), kst_to_ns(date + _ONE_DAY)
        if self._calendar is None:
            return TradingDay(date, start, end, None, end - 1)
        session = self._session(self._calendar, date)
        regular_end = -1 if session is None else session.close_ns
        return TradingDay(date, start, end, session, regular_end)

    def day_order_expiry(self, ts_ns: int, day: TradingDay | None = None) -> int:
        """When a DAY order accepted at ``ts_ns`` expires (see the module docstring)."""
        calendar = self._calendar
        if calendar is None:
            if day is not None and ts_ns in day:
                return day.end_ns
            return kst_to_ns(kst_date(ts_ns) + _ONE_DAY)
        date, session = self._locate(ts_ns, day)
        if session is not None and ts_ns < session.close_ns:
            return session.close_ns
        return self._next_session(calendar, date).close_ns

    def trading_date(self, ts_ns: int, day: TradingDay | None = None) -> tuple[dt.date, bool]:
        """The date of the session an order accepted at ``ts_ns`` trades in, and whether that
        is a later session than today's (after the close or on a holiday), in which case its
        base price is today's close rather than today's base price."""
        calendar = self._calendar
        if calendar is None:
            return (day.date if day is not None and ts_ns in day else kst_date(ts_ns)), False
        date, session = self._locate(ts_ns, day)
        if session is not None and ts_ns < session.close_ns:
            return date, False
        return self._next_session(calendar, date).date, True

    # ---- data -------------------------------------------------------------------------------
    def bar_window(
        self, day: TradingDay, start_ns: int, end_ns: int, previous_end_ns: int | None
    ) -> BarWindow | None:
        """The tradable part of a bar covering ``(start_ns, end_ns]``; None if it has none."""
        if self._calendar is None:
            return BarWindow(start_ns, end_ns, False, False, False)
        session = day.session
        if session is None or end_ns <= session.open_ns or start_ns >= session.close_ns:
            return None
        auction_start = session.closing_auction_start_ns
        if auction_start is not None and start_ns >= auction_start:
            if end_ns < session.close_ns:
                return None  # orders are being collected; the uncrossing is at the close
            return BarWindow(session.close_ns, end_ns, False, True, True)
        opening = start_ns <= session.open_ns or (
            previous_end_ns is None or previous_end_ns < session.open_ns
        )
        closing = auction_start is not None and end_ns >= session.close_ns
        # the common case, built without the named tuple's Python-level ``__new__``
        return _new_tuple(
            BarWindow, (max(start_ns, session.open_ns), end_ns, opening, closing, False)
        )

    def tick_phase(self, day: TradingDay, ts_ns: int, previous_ns: int | None) -> TickPhase | None:
        """How a trade tick at ``ts_ns`` matches, given the previous data time (None: none)."""
        if self._calendar is None:
            return TickPhase.CONTINUOUS
        session = day.session
        if session is None or ts_ns < session.open_ns:
            return None
        before = -1 if previous_ns is None else previous_ns
        auction_start = session.closing_auction_start_ns
        if auction_start is None:
            if ts_ns >= session.close_ns:
                return None
        elif ts_ns >= auction_start:
            return TickPhase.CLOSING_AUCTION if before < auction_start else None
        return TickPhase.OPENING_AUCTION if before < session.open_ns else TickPhase.CONTINUOUS

    def book_tradable(self, day: TradingDay, ts_ns: int) -> bool:
        """Whether a book snapshot at ``ts_ns`` shows continuous trading."""
        if self._calendar is None:
            return True
        session = day.session
        if session is None:
            return False
        end = session.closing_auction_start_ns or session.close_ns
        return session.open_ns <= ts_ns < end
