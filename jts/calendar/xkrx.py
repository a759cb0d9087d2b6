"""The KRX (XKRX) trading calendar behind `jts.ports.calendar.TradingCalendar`.

Which days trade comes from `exchange_calendars` (holidays precomputed 1956-2050 from lunar
rules and hand-kept lists); the hours of each day come from `jts.calendar.hours` (hours
history, first-trading-day and CSAT late opens, auction windows); local corrections from
`CalendarOverrides`. The library is imported and its calendar built on the first question, not
at import or construction: importing it pulls in pandas (about 2 s on the dev machine) and
building the calendar takes another 1-4 s (the library evaluates its lunar holiday rules), which
a process that never asks must not pay; `with_overrides` reuses a built library table. The
built table is plain Python data, so a built calendar pickles cheaply to sweep workers.

A date outside the span the object was built for raises `CalendarRangeError` rather than
answering "closed": a silent gap would drop trading days from a backtest.
"""

from __future__ import annotations

import datetime as dt
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from jts.calendar.errors import CalendarRangeError, InvalidOverrideError, NotASessionError
from jts.calendar.errors import require_date as _require_date
from jts.calendar.hours import KRX_CSAT_DAYS, KRX_EARLIEST_DATE, SessionTimes, krx_session_times
from jts.calendar.overrides import KRX_KNOWN_OVERRIDES, CalendarOverrides
from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR
from jts.ports.calendar import Session, SessionPhase

__all__ = ["KRX_LATEST_DATE", "LibraryDeviation", "XkrxCalendar"]

#: `exchange_calendars` precomputes KRX holidays up to the end of 2050.
KRX_LATEST_DATE: Final = dt.date(2050, 12, 31)


@dataclass(frozen=True, slots=True)
class LibraryDeviation:
    """A day on which this calendar and `exchange_calendars` disagree: (open_ns, close_ns) of
    each side, None where that side has no session."""

    date: dt.date
    ours: tuple[int, int] | None
    library: tuple[int, int] | None


#: (pre-open start, open, closing auction start, close, after-hours start, after-hours end) in
#: ns UTC; a missing window is empty (its start equals its end).
_Bounds = tuple[int, int, int, int, int, int]
_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()


def _kst_day(ts_ns: int, day_number: int) -> dt.date:
    """The KST date of an instant from its day number since the epoch (integer arithmetic:
    the datetime round trip of `kst_date` costs microseconds per bar)."""
    try:
        return dt.date.fromordinal(_EPOCH_ORDINAL + day_number)
    except (ValueError, OverflowError):
        raise CalendarRangeError(f"timestamp {ts_ns} is outside the date range") from None


def _bounds_of(times: SessionTimes, day: dt.date) -> _Bounds:
    session = times.session(day)
    after = times.after_hours_ns(day) or (session.close_ns, session.close_ns)
    return (
        session.open_ns if session.pre_open_start_ns is None else session.pre_open_start_ns,
        session.open_ns,
        session.close_ns
        if session.closing_auction_start_ns is None
        else session.closing_auction_start_ns,
        session.close_ns,
        after[0],
        after[1],
    )


@dataclass(frozen=True, slots=True)
class _Table:
    """Everything the queries need, computed once from the library and the overrides."""

    dates: tuple[dt.date, ...]
    index: dict[dt.date, int]
    first_of_year: frozenset[dt.date]


class XkrxCalendar:
    """KRX sessions, phases and T+n settlement dates between ``start`` and ``end`` (KST dates).

    ``start`` may not precede 2000-05-22, the first day without a lunch break (a `Session` has
    no break), nor ``end`` follow 2050-12-31, the end of the library's holiday data.
    """

    def __init__(
        self,
        start: dt.date = KRX_EARLIEST_DATE,
        end: dt.date = KRX_LATEST_DATE,
        overrides: CalendarOverrides | None = None,
        *,
        known_overrides: bool = True,
    ) -> None:
        start = _require_date(start, "start")
        end = _require_date(end, "end")
        if start < KRX_EARLIEST_DATE:
            raise CalendarRangeError(
                f"XKRX calendar start {start} is before {KRX_EARLIEST_DATE}; earlier sessions "
                "had a lunch break, which is not modelled"
            )
        if end > KRX_LATEST_DATE:
            raise CalendarRangeError(
                f"XKRX calendar end {end} is after {KRX_LATEST_DATE}, where the holiday data "
                "of exchange_calendars ends"
            )
        if start > end:
            raise InvalidInputError(f"XKRX calendar start {start} is after its end {end}")
        if overrides is not None and not isinstance(overrides, CalendarOverrides):
            raise InvalidInputError(f"overrides must be CalendarOverrides, got {overrides!r}")
        self._start = start
        self._end = end
        self._known_overrides = known_overrides
        given = overrides or CalendarOverrides()
        self._overrides = KRX_KNOWN_OVERRIDES.merged(given) if known_overrides else given
        self._csat_days = KRX_CSAT_DAYS | self._overrides.csat_days
        self._library_hours: Mapping[dt.date, tuple[int, int]] | None = None
        self._table: _Table | None = None
        self._times: dict[dt.date, SessionTimes] = {}
        self._sessions: dict[dt.date, Session] = {}
        self._last_bounds: tuple[int, _Bounds | None] | None = None

    def __getstate__(self) -> dict[str, object]:
        # the per-day caches refill in microseconds; the library data is what is worth shipping
        state = dict(self.__dict__)
        state["_times"] = {}
        state["_sessions"] = {}
        state["_last_bounds"] = None
        return state

    def __repr__(self) -> str:
        state = "built" if self._table is not None else "not built"
        return f"XkrxCalendar({self._start}..{self._end}, {state})"

    # ---- building -----------------------------------------------------------------------------
    @property
    def start(self) -> dt.date:
        return self._start

    @property
    def end(self) -> dt.date:
        return self._end

    @property
    def overrides(self) -> CalendarOverrides:
        """The overrides in force: the given ones plus `KRX_KNOWN_OVERRIDES` unless
        ``known_overrides=False``."""
        return self._overrides

    @property
    def is_built(self) -> bool:
        """Whether the library calendar has been built (it is, on the first question)."""
        return self._table is not None

    def build(self) -> XkrxCalendar:
        """Build now (e.g. at start-up, so the first bar of a live session does not wait)."""
        self._get_table()
        return self

    def with_overrides(self, overrides: CalendarOverrides) -> XkrxCalendar:
        """A calendar over the same span with other overrides, sharing this one's library data
        (so it costs milliseconds, not a rebuild): for an ad-hoc closure learned at run time,
        e.g. from KIS ``chk-holiday``. Contradictory overrides fail here, not on first use."""
        other = XkrxCalendar(
            self._start, self._end, overrides, known_overrides=self._known_overrides
        )
        other._library_hours = self._get_library_hours()
        other.build()
        return other

    def _get_table(self) -> _Table:
        if self._table is None:
            self._table = self._build_table(self._get_library_hours())
        return self._table

    def _get_library_hours(self) -> Mapping[dt.date, tuple[int, int]]:
        """Session dates and (open_ns, close_ns) from the library, from January of the first
        year (so that year's first trading day is known) to the end."""
        if self._library_hours is None:
            # Imported here: pandas and the calendar registry cost seconds (module docstring).
            from exchange_calendars.exchange_calendar_xkrx import (  # noqa: PLC0415
                XKRXExchangeCalendar,
            )

            with warnings.catch_warnings():
                # exchange-calendars 4.13 calls an API pandas 3.1 deprecates; not ours to fix
                warnings.filterwarnings(
                    "ignore", message="Series.values returning", category=DeprecationWarning
                )
                library = XKRXExchangeCalendar(
                    start=dt.date(self._start.year, 1, 1).isoformat(), end=self._end.isoformat()
                )
            # a plain dict, not a read-only proxy: a built calendar must pickle (sweep workers)
            self._library_hours = {
                label.date(): (int(opens.value), int(closes.value))
                for label, opens, closes in zip(
                    library.sessions, library.opens, library.closes, strict=True
                )
            }
        return self._library_hours

    def _build_table(self, library_hours: Mapping[dt.date, tuple[int, int]]) -> _Table:
        overrides = self._overrides
        days = (set(library_hours) - overrides.closures) | {
            day for day in overrides.extra_sessions if day.year >= self._start.year
        }
        ordered = sorted(day for day in days if day <= self._end)
        first_of_year = frozenset(
            day
            for position, day in enumerate(ordered)
            if position == 0 or ordered[position - 1].year != day.year
        )
        dates = tuple(day for day in ordered if day >= self._start)
        index = {day: position for position, day in enumerate(dates)}
        for day in sorted(overrides.special_hours):
            if self._start <= day <= self._end and day not in index:
                raise InvalidOverrideError(
                    f"special hours given for {day}, which is not a trading day; "
                    "add it to extra_sessions too"
                )
        return _Table(dates=dates, index=index, first_of_year=first_of_year)

    # ---- checks -------------------------------------------------------------------------------
    def _check(self, date: object, what: str = "date") -> dt.date:
        day = _require_date(date, what)
        if not self._start <= day <= self._end:
            raise CalendarRangeError(
                f"{what} {day} is outside this XKRX calendar's span {self._start}..{self._end}"
            )
        return day

    def _check_ts(self, ts_ns: object) -> dt.date:
        if type(ts_ns) is not int:
            raise InvalidInputError(f"timestamp must be int nanoseconds UTC, got {ts_ns!r}")
        return self._check(
            _kst_day(ts_ns, (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY), "KST date of the timestamp"
        )

    # ---- the port -----------------------------------------------------------------------------
    def is_session(self, date: dt.date) -> bool:
        return self._check(date) in self._get_table().index

    def session_times(self, date: dt.date) -> SessionTimes | None:
        """The day's KST wall-clock times (auction and after-hours windows), None on a holiday."""
        return self._times_of(self._check(date))

    def _times_of(self, day: dt.date) -> SessionTimes | None:
        """`session_times` of a date already checked to lie in the span."""
        cached = self._times.get(day)
        if cached is not None:
            return cached
        table = self._get_table()
        if day not in table.index:
            return None
        times = self._overrides.special_hours.get(day) or krx_session_times(
            day, first_of_year=day in table.first_of_year, csat=day in self._csat_days
        )
        self._times[day] = times
        return times

    def session(self, date: dt.date) -> Session | None:
        return self._session_in_span(self._check(date))

    def _session_in_span(self, day: dt.date) -> Session | None:
        """`session` of a date already checked to lie in the span (`sessions_in_range` asks
        for thousands at once and checks its two ends, not every day between)."""
        cached = self._sessions.get(day)
        if cached is not None:
            return cached
        times = self._times_of(day)
        if times is None:
            return None
        built = times.session(day)
        self._sessions[day] = built
        return built

    def session_at(self, ts_ns: int) -> Session | None:
        found = self.session(self._check_ts(ts_ns))
        return found if found is not None and found.contains(ts_ns) else None

    def phase(self, ts_ns: int) -> SessionPhase:
        """The trading phase at an instant; every window is [start, end), so 09:00:00 exactly
        is continuous trading, 15:20 the closing auction and 15:30 closed.

        Asked once per bar or tick, so it runs on integer bounds cached for the last KST day
        asked about (about a microsecond) rather than converting datetimes each time.
        """
        bounds = self._bounds_at(ts_ns)
        if bounds is None:
            return SessionPhase.CLOSED
        pre_open, opens, auction, closes, after_start, after_end = bounds
        if ts_ns < opens:
            return SessionPhase.PRE_OPEN_AUCTION if ts_ns >= pre_open else SessionPhase.CLOSED
        if ts_ns < auction:
            return SessionPhase.CONTINUOUS
        if ts_ns < closes:
            return SessionPhase.CLOSING_AUCTION
        if after_start <= ts_ns < after_end:
            return SessionPhase.AFTER_HOURS
        return SessionPhase.CLOSED

    def _bounds_at(self, ts_ns: object) -> _Bounds | None:
        if type(ts_ns) is not int:
            raise InvalidInputError(f"timestamp must be int nanoseconds UTC, got {ts_ns!r}")
        day_number = (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY
        memo = self._last_bounds
        if memo is not None and memo[0] == day_number:
            return memo[1]
        day = self._check(_kst_day(ts_ns, day_number), "KST date of the timestamp")
        times = self.session_times(day)
        bounds = None if times is None else _bounds_of(times, day)
        self._last_bounds = (day_number, bounds)  # one assignment: safe to read concurrently
        return bounds

    def next_session(self, date: dt.date) -> Session:
        day = self._check(date)
        dates = self._get_table().dates
        position = bisect_right(dates, day)
        if position == len(dates):
            raise CalendarRangeError(
                f"no XKRX session after {day} within this calendar's span (ends {self._end})"
            )
        return self._session_of(dates[position])

    def previous_session(self, date: dt.date) -> Session:
        day = self._check(date)
        dates = self._get_table().dates
        position = bisect_left(dates, day) - 1
        if position < 0:
            raise CalendarRangeError(
                f"no XKRX session before {day} within this calendar's span (starts {self._start})"
            )
        return self._session_of(dates[position])

    def sessions_in_range(self, start: dt.date, end: dt.date) -> list[Session]:
        first = self._check(start, "start")
        last = self._check(end, "end")
        if first > last:
            raise InvalidInputError(f"session range start {first} is after its end {last}")
        dates = self._get_table().dates
        chosen = dates[bisect_left(dates, first) : bisect_right(dates, last)]
        return [self._session_of(day) for day in chosen]

    def settlement_date(self, trade_date: dt.date, days: int = 2) -> dt.date:
        """The session ``days`` sessions after ``trade_date``: KRX equities settle T+2, and the
        sell tax follows this date (krx.md §5). The trade date must itself be a session."""
        if type(days) is not int or days < 0:
            raise InvalidInputError(f"settlement days must be an int >= 0, got {days!r}")
        day = self._check(trade_date, "trade date")
        table = self._get_table()
        position = table.index.get(day)
        if position is None:
            raise NotASessionError(f"trade date {day} is not an XKRX trading day")
        target = position + days
        if target >= len(table.dates):
            raise CalendarRangeError(
                f"T+{days} of {day} falls after this calendar's span (ends {self._end})"
            )
        return table.dates[target]

    # ---- diagnostics --------------------------------------------------------------------------
    def library_deviations(self) -> list[LibraryDeviation]:
        """Days where these sessions differ from `exchange_calendars` (dates or open/close):
        the overrides and the hour rules of `jts.calendar.hours` (e.g. CSAT days the library
        does not list yet), in date order."""
        library_hours = self._get_library_hours()
        in_span = {day for day in library_hours if self._start <= day <= self._end}
        deviations = []
        for day in sorted(set(self._get_table().dates) | in_span):
            session = self.session(day)
            ours = None if session is None else (session.open_ns, session.close_ns)
            library = library_hours.get(day)
            if ours != library:
                deviations.append(LibraryDeviation(day, ours, library))
        return deviations

    def _session_of(self, day: dt.date) -> Session:
        found = self._session_in_span(day)
        assert found is not None  # only called with dates taken from the table
        return found
