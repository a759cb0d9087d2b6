"""KRX trading hours as data: the hours history, the auction windows, and the late-open days.

`exchange_calendars` knows which days KRX trades, and that part is hard (lunar holidays,
substitute days, elections). The hours are simple, but the library's copy lags: the installed
4.13.2 lists CSAT days only up to 2020, and its own test answers show an unexplained 10:00
open on 2026-12-30. So the hours of a day are computed here from a short, cited table, and the
library is used for session dates only; `XkrxCalendar.library_deviations` reports where the
two disagree (tests pin that they agree on every day from 2000-05-22 to 2020).

Every window is derived from the day's open and close with fixed offsets, which reproduces all
the special schedules the press describes [S: krx.md §1; CSAT and first-day notices below]:

- opening auction order intake: 30 minutes before the open (08:30 on a normal day, 09:30 on a
  late-open day [S: wowtv 2021-01-04, liveissue 2025-11-13]); 08:30 before 2016-08-01 is [M];
- closing auction: the last 10 minutes (15:20-15:30; 14:50-15:00 while the close was 15:00);
- after-hours (closing-price and single-price sessions): from 10 minutes after the close until
  18:00, which stays fixed on CSAT days [S: khan.co.kr 2022-11-16, edaily 2025-11-12] and was
  15:10-18:00 while the close was 15:00 [S: wowtv 2013-01-02].
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_right
from dataclasses import dataclass
from typing import Final

from jts.calendar.errors import CalendarRangeError, InvalidOverrideError, require_date
from jts.core.time import KST, NANOS_PER_SECOND
from jts.ports.calendar import Session

__all__ = [
    "AFTER_HOURS_END",
    "KRX_CSAT_DAYS",
    "KRX_EARLIEST_DATE",
    "KRX_HOURS_HISTORY",
    "HoursEra",
    "SessionTimes",
    "krx_regular_hours",
    "krx_session_times",
]

PRE_OPEN_MINUTES: Final = 30
CLOSING_AUCTION_MINUTES: Final = 10
AFTER_HOURS_GAP_MINUTES: Final = 10
AFTER_HOURS_END: Final = dt.time(18, 0)
#: First trading day of the year (opening ceremony) and CSAT day (exam traffic): +1 hour.
LATE_OPEN_MINUTES: Final = 60


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _shift(value: dt.time, minutes: int) -> dt.time:
    total = _minutes(value) + minutes
    if not 0 <= total < 24 * 60:
        raise InvalidOverrideError(f"{value} shifted by {minutes} min leaves the day")
    return dt.time(total // 60, total % 60, value.second, value.microsecond)


def _require_time(value: object, what: str) -> dt.time:
    if not isinstance(value, dt.time) or value.tzinfo is not None:
        raise InvalidOverrideError(f"{what} must be a naive KST datetime.time, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """The KST wall-clock times of one trading day.

    Kept as local times, not instants, because rules and overrides speak in local times ("CSAT
    day opens at 10:00") and one value serves every date. ``after_hours_*`` bound the off-hours
    sessions after the close (both None where there are none).
    """

    open: dt.time
    close: dt.time
    pre_open_start: dt.time | None = None
    closing_auction_start: dt.time | None = None
    after_hours_start: dt.time | None = None
    after_hours_end: dt.time | None = None

    def __post_init__(self) -> None:
        opening = _require_time(self.open, "open")
        closing = _require_time(self.close, "close")
        if not opening < closing:
            raise InvalidOverrideError(f"open {opening} must be before close {closing}")
        if self.pre_open_start is not None:
            pre = _require_time(self.pre_open_start, "pre_open_start")
            if not pre < opening:
                raise InvalidOverrideError(
                    f"pre-open auction start {pre} must be before the open {opening}"
                )
        if self.closing_auction_start is not None:
            auction = _require_time(self.closing_auction_start, "closing_auction_start")
            if not opening < auction < closing:
                raise InvalidOverrideError(
                    f"closing auction start {auction} must lie strictly between the open "
                    f"{opening} and the close {closing}"
                )
        if (self.after_hours_start is None) != (self.after_hours_end is None):
            raise InvalidOverrideError("after_hours_start and after_hours_end go together")
        if self.after_hours_start is not None and self.after_hours_end is not None:
            start = _require_time(self.after_hours_start, "after_hours_start")
            end = _require_time(self.after_hours_end, "after_hours_end")
            if not closing <= start < end:
                raise InvalidOverrideError(
                    f"after-hours {start}-{end} must start at or after the close {closing} "
                    "and end after it starts"
                )

    @classmethod
    def krx(cls, open: dt.time, close: dt.time) -> SessionTimes:
        """A KRX day from its open and close, with the auction and after-hours windows derived
        by the fixed offsets of the module docstring."""
        _require_time(open, "open")
        _require_time(close, "close")
        after_start = _shift(close, AFTER_HOURS_GAP_MINUTES)
        has_after = after_start < AFTER_HOURS_END
        return cls(
            open=open,
            close=close,
            pre_open_start=_shift(open, -PRE_OPEN_MINUTES),
            closing_auction_start=_shift(close, -CLOSING_AUCTION_MINUTES),
            after_hours_start=after_start if has_after else None,
            after_hours_end=AFTER_HOURS_END if has_after else None,
        )

    def session(self, date: dt.date) -> Session:
        """These times on a date, as the port's `Session` (instants in ns UTC)."""
        return Session(
            date=date,
            open_ns=_kst_ns(date, self.open),
            close_ns=_kst_ns(date, self.close),
            pre_open_start_ns=_opt_ns(date, self.pre_open_start),
            closing_auction_start_ns=_opt_ns(date, self.closing_auction_start),
        )

    def after_hours_ns(self, date: dt.date) -> tuple[int, int] | None:
        """The after-hours window on a date as [start, end) in ns UTC, if any."""
        if self.after_hours_start is None or self.after_hours_end is None:
            return None
        return _kst_ns(date, self.after_hours_start), _kst_ns(date, self.after_hours_end)


_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
#: KST is a fixed offset (a `datetime.timezone`: Korea keeps no daylight saving time), which is
#: what lets `_kst_ns` skip the datetime round trip; a zone with rules would fail here.
_KST_OFFSET_NS: Final = (KST.utcoffset(None) // dt.timedelta(microseconds=1)) * 1_000


def _kst_ns(date: dt.date, at: dt.time) -> int:
    """The instant of a KST wall-clock time, by integer arithmetic on the day number: equal to
    ``dt_to_ns(datetime.combine(date, at, tzinfo=KST))`` for a fixed offset, and a few times
    cheaper, which counts when a backtest asks for thousands of sessions at once."""
    seconds = (date.toordinal() - _EPOCH_ORDINAL) * 86_400 + at.hour * 3_600 + at.minute * 60
    return (seconds + at.second) * NANOS_PER_SECOND + at.microsecond * 1_000 - _KST_OFFSET_NS


def _opt_ns(date: dt.date, at: dt.time | None) -> int | None:
    return None if at is None else _kst_ns(date, at)


@dataclass(frozen=True, slots=True)
class HoursEra:
    """Regular open and close in force from ``effective_from`` (inclusive) to the next era."""

    effective_from: dt.date
    open: dt.time
    close: dt.time


#: Regular KRX hours. Earlier eras had a lunch break, which `Session` cannot express, so the
#: calendar starts at the first day without one.
KRX_HOURS_HISTORY: Final[tuple[HoursEra, ...]] = (
    # lunch break removed, 09:00-15:00 [S: XC exchange_calendar_xkrx.py; donga 2000-05-12]
    HoursEra(dt.date(2000, 5, 22), dt.time(9, 0), dt.time(15, 0)),
    # close moved to 15:30 [S: XC; biz.chosun 2016-07-24; krx.md §9]
    HoursEra(dt.date(2016, 8, 1), dt.time(9, 0), dt.time(15, 30)),
)
KRX_EARLIEST_DATE: Final = KRX_HOURS_HISTORY[0].effective_from
_ERA_STARTS: Final = tuple(era.effective_from for era in KRX_HOURS_HISTORY)

#: CSAT (수능) days since 2000-05-22: the whole regular session moves one hour later.
#: 2000-2020 as listed by XC 4.13.2 (`precomputed_csat_days`, each with a press citation there);
#: 2021-2025 as listed by XC after 4.13.2 (commit 8d34690, hankyung.com citations) and confirmed
#: by the press (donga 2021-11-04, khan 2022-11-16, edaily 2025-11-12); 2026-11-19 announced
#: by the Ministry of Education [S: news1.kr 2023-08-15, sisamirae.com]. 2017-11-16 is kept
#: although the exam itself was postponed to 11-23 the evening before: XC lists both days.
KRX_CSAT_DAYS: Final[frozenset[dt.date]] = frozenset(
    dt.date.fromisoformat(day)
    for day in (
        "2000-11-15",
        "2001-11-07",
        "2002-11-06",
        "2003-11-05",
        "2004-11-17",
        "2005-11-23",
        "2006-11-16",
        "2007-11-15",
        "2008-11-13",
        "2009-11-12",
        "2010-11-18",
        "2011-11-10",
        "2012-11-08",
        "2013-11-07",
        "2014-11-13",
        "2015-11-12",
        "2016-11-17",
        "2017-11-16",
        "2017-11-23",
        "2018-11-15",
        "2019-11-14",
        "2020-12-03",
        "2021-11-18",
        "2022-11-17",
        "2023-11-16",
        "2024-11-14",
        "2025-11-13",
        "2026-11-19",
    )
)


def krx_regular_hours(date: dt.date) -> HoursEra:
    """The hours era in force on a date (refused before the first era)."""
    require_date(date)
    index = bisect_right(_ERA_STARTS, date) - 1
    if index < 0:
        raise CalendarRangeError(
            f"no KRX hours are modelled before {KRX_EARLIEST_DATE} (the session had a lunch "
            f"break then), got {date}"
        )
    return KRX_HOURS_HISTORY[index]


def krx_session_times(date: dt.date, *, first_of_year: bool, csat: bool) -> SessionTimes:
    """The times of a KRX trading day under the rules: CSAT days shift open and close by an
    hour; the year's first trading day opens an hour late and closes as usual."""
    return _rule_times(krx_regular_hours(date), first_of_year, csat)


@functools.cache
def _rule_times(era: HoursEra, first_of_year: bool, csat: bool) -> SessionTimes:
    """The rules give one of a handful of days (an era, late open or not), and `SessionTimes`
    is immutable: built once each rather than validated afresh for every date asked about."""
    if csat:
        return SessionTimes.krx(
            _shift(era.open, LATE_OPEN_MINUTES), _shift(era.close, LATE_OPEN_MINUTES)
        )
    if first_of_year:
        return SessionTimes.krx(_shift(era.open, LATE_OPEN_MINUTES), era.close)
    return SessionTimes.krx(era.open, era.close)
