"""Calendar awareness: rows outside the sessions, gaps inside them, daily bar stamps.

Sessions are looked up by local (KST) date through the `TradingCalendar` port and cached, so a
chunk of a million rows costs one lookup per distinct day. Rules, with bar timestamps at the
bar close:

- an intraday bar is inside a session when ``open < ts <= close`` (the 09:01 bar is the first,
  the bar stamped at the close is the last); a daily bar when its local date is a session; a
  trade tick when ``open <= ts <= close`` (the auction prints at the open and at the close);
- a gap is a bar time missing between two bars of one instrument in the same session. The
  expected bar times are ``open + k x interval`` up to the start of the closing auction, and
  the close: KRX does not trade continuously during the 15:20-15:30 auction, so bars there are
  neither expected nor refused. Daily bars miss a session when one lies strictly between two
  consecutive bars. Sessions with no bar at all, and the edges of a session, are not gaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import numpy as np

from jts.backtest.data.arrays import InstrumentTable, Int64Array
from jts.backtest.data.errors import DataGapError, OutsideSessionError
from jts.backtest.data.frames import Frame
from jts.backtest.data.report import FeedReport, IssueKind
from jts.backtest.data.schema import DataKind, GapPolicy, SessionPolicy
from jts.backtest.data.validation import format_ts
from jts.core.time import NANOS_PER_DAY, kst_to_ns
from jts.domain.market_data import BarAggregation, BarSpecification
from jts.ports.calendar import Session, TradingCalendar

__all__ = ["SessionChecker", "SessionTable", "stamp_daily_close"]

_EPOCH_DATE: Final = dt.date(1970, 1, 1)
#: Session dates are KST dates (KRX); Korea has one fixed offset, no daylight saving.
_KST_OFFSET_NS: Final = 9 * 3_600 * 1_000_000_000
#: Without a calendar a date-only daily bar is stamped at the regular KRX close.
DEFAULT_DAILY_CLOSE: Final = "153000"


class SessionTable:
    """Sessions by local day number (days since 1970-01-01 in KST), cached."""

    def __init__(self, calendar: TradingCalendar, offset_ns: int = _KST_OFFSET_NS) -> None:
        self._calendar = calendar
        self._offset = offset_ns
        self._cache: dict[int, Session | None] = {}

    def day_numbers(self, ts: Int64Array) -> Int64Array:
        return (ts + self._offset) // NANOS_PER_DAY

    def session(self, day: int) -> Session | None:
        if day not in self._cache:
            self._cache[day] = self._calendar.session(_EPOCH_DATE + dt.timedelta(days=day))
        return self._cache[day]

    def bounds(self, days: Int64Array) -> tuple[np.ndarray, Int64Array, Int64Array, Int64Array]:
        """Per row: is the day a session, its open, the end of continuous trading, its close."""
        unique, inverse = np.unique(days, return_inverse=True)
        has = np.zeros(len(unique), dtype=bool)
        opens = np.zeros(len(unique), dtype=np.int64)
        cuts = np.zeros(len(unique), dtype=np.int64)
        closes = np.zeros(len(unique), dtype=np.int64)
        for position, day in enumerate(unique.tolist()):
            found = self.session(day)
            if found is not None:
                has[position] = True
                opens[position] = found.open_ns
                closes[position] = found.close_ns
                cut = found.closing_auction_start_ns
                cuts[position] = found.close_ns if cut is None else cut
        return has[inverse], opens[inverse], cuts[inverse], closes[inverse]

    def ordinals(self, days: Int64Array) -> Int64Array:
        """A session counter for each (session) day: consecutive sessions differ by one."""
        first = _EPOCH_DATE + dt.timedelta(days=int(days.min()))
        last = _EPOCH_DATE + dt.timedelta(days=int(days.max()))
        sessions = self._calendar.sessions_in_range(first, last)
        numbers = np.array([(s.date - _EPOCH_DATE).days for s in sessions], dtype=np.int64)
        return np.searchsorted(numbers, days, side="left").astype(np.int64)


def stamp_daily_close(
    ts: Int64Array, calendar: TradingCalendar | None, offset_ns: int = _KST_OFFSET_NS
) -> Int64Array:
    """Daily bars stamped with a date only (local midnight) get the session close of that day
    (15:30 KST without a calendar, or on a day the calendar has no session for)."""
    midnight = (ts + offset_ns) % NANOS_PER_DAY == 0
    if not bool(np.any(midnight)):
        return ts
    out = ts.copy()
    days = (ts[midnight] + offset_ns) // NANOS_PER_DAY
    closes: dict[int, int] = {}
    for day in np.unique(days).tolist():
        date = _EPOCH_DATE + dt.timedelta(days=day)
        session = calendar.session(date) if calendar is not None else None
        closes[day] = session.close_ns if session else kst_to_ns(date, DEFAULT_DAILY_CLOSE)
    out[midnight] = np.array([closes[d] for d in days.tolist()], dtype=np.int64)
    return out


class SessionChecker:
    """Applies the outside-session and gap policies to merged frames, in time order.

    Keeps the last bar time of every instrument, so gaps are found across chunk (and file)
    boundaries.
    """

    def __init__(
        self,
        calendar: TradingCalendar,
        *,
        kind: DataKind,
        spec: BarSpecification,
        outside: SessionPolicy,
        gaps: GapPolicy,
        files: Sequence[str],
        table: InstrumentTable,
        report: FeedReport,
    ) -> None:
        self._sessions = SessionTable(calendar)
        self._kind = kind
        self._daily = spec.aggregation is BarAggregation.DAY
        self._interval = spec.interval_ns()
        self._outside = outside
        checkable = kind is DataKind.BARS and (not self._daily or spec.step == 1)
        self._gaps = gaps if checkable else GapPolicy.IGNORE
        self._files = files
        self._table = table
        self._report = report
        self._last_ts: dict[int, int] = {}
        report.sessions_checked = outside is not SessionPolicy.KEEP
        report.gaps_checked = self._gaps is not GapPolicy.IGNORE

    def apply(self, frame: Frame) -> Frame:
        """The frame without rows a DROP policy removes; raises for ERROR policies."""
        if not len(frame) or (
            self._outside is SessionPolicy.KEEP and self._gaps is GapPolicy.IGNORE
        ):
            return frame
        ts = frame.ts
        days = self._sessions.day_numbers(ts)
        has, opens, cuts, closes = self._sessions.bounds(days)
        if self._kind is DataKind.TRADES:
            inside = has & (ts >= opens) & (ts <= closes)
        elif self._daily:
            inside = has
        else:
            inside = has & (ts > opens) & (ts <= closes)
        analysed = frame
        if not bool(np.all(inside)):
            if self._outside is not SessionPolicy.KEEP:
                self._outside_rows(frame, inside)
            analysed = frame.take(inside)
            opens, cuts = opens[inside], cuts[inside]
            if self._outside is SessionPolicy.DROP:
                frame = analysed
        if self._gaps is not GapPolicy.IGNORE and len(analysed):
            self._find_gaps(analysed, opens, cuts)
        return frame

    def _outside_rows(self, frame: Frame, inside: np.ndarray) -> None:
        outside = np.flatnonzero(~inside)
        if self._outside is SessionPolicy.ERROR:
            first = int(outside[0])
            raise OutsideSessionError(
                f"{self._describe(frame, first)} is outside the trading sessions "
                "(outside_sessions=DROP drops such rows with a warning)",
                file=self._files[int(frame.source[first])],
                row=int(frame.rows[first]),
            )
        sources = frame.source[outside]
        for source in np.unique(sources).tolist():
            mine = outside[sources == source]
            at = int(mine[0])
            self._report.note(
                self._files[source],
                IssueKind.OUTSIDE_SESSIONS,
                len(mine),
                row=int(frame.rows[at]),
                detail=self._describe(frame, at),
            )

    def _describe(self, frame: Frame, index: int) -> str:
        instrument = self._table.ids[int(frame.iid[index])]
        return f"{instrument} at {format_ts(int(frame.ts[index]))}"

    def _find_gaps(self, frame: Frame, opens: Int64Array, cuts: Int64Array) -> None:
        """Count missing bars between consecutive bars of each instrument."""
        ts, iid = frame.ts, frame.iid
        order = np.argsort(iid, kind="stable")
        ts_o, iid_o = ts[order], iid[order]
        prev = np.empty_like(ts_o)
        prev[1:] = ts_o[:-1]
        starts = np.ones(len(ts_o), dtype=bool)
        starts[1:] = iid_o[1:] != iid_o[:-1]
        prev[starts] = [self._last_ts.get(i, -1) for i in iid_o[starts].tolist()]
        ends = np.ones(len(ts_o), dtype=bool)
        ends[:-1] = starts[1:]
        for i, last in zip(iid_o[ends].tolist(), ts_o[ends].tolist(), strict=True):
            self._last_ts[i] = last
        valid = prev >= 0
        if self._daily:
            missing = self._missing_sessions(prev, ts_o, valid)
        else:
            missing = self._missing_intraday(prev, ts_o, valid, opens[order], cuts[order])
        gaps = np.flatnonzero(missing > 0)
        if gaps.size:
            by_time = np.argsort(order[gaps], kind="stable")
            gaps = gaps[by_time]
            self._record_gaps(frame, order[gaps], missing[gaps], prev[gaps])

    def _missing_intraday(
        self,
        prev: Int64Array,
        ts: Int64Array,
        valid: np.ndarray,
        opens: Int64Array,
        cuts: Int64Array,
    ) -> Int64Array:
        step = self._interval
        same_session = valid & (prev > opens)  # the previous bar closed in this session
        grid_prev = (prev - opens) // step
        grid_last = np.minimum((ts - 1 - opens) // step, (cuts - opens) // step)
        missing = np.where(same_session, grid_last - grid_prev, 0)
        return np.maximum(missing, 0).astype(np.int64)

    def _missing_sessions(self, prev: Int64Array, ts: Int64Array, valid: np.ndarray) -> Int64Array:
        missing = np.zeros(len(ts), dtype=np.int64)
        if not bool(np.any(valid)):
            return missing
        days_prev = self._sessions.day_numbers(prev[valid])
        days_now = self._sessions.day_numbers(ts[valid])
        ordinals = self._sessions.ordinals(np.concatenate([days_prev, days_now]))
        gap = ordinals[len(days_prev) :] - ordinals[: len(days_prev)] - 1
        missing[valid] = np.maximum(gap, 0)
        return missing

    def _record_gaps(
        self, frame: Frame, rows: np.ndarray, missing: Int64Array, prev: Int64Array
    ) -> None:
        """``rows`` index the frame in time order; one note per file, with the first gap."""

        def detail(k: int) -> str:
            at = int(rows[k])
            return (
                f"{self._table.ids[int(frame.iid[at])]}: {int(missing[k])} bar(s) missing "
                f"between {format_ts(int(prev[k]))} and {format_ts(int(frame.ts[at]))}"
            )

        sources = frame.source[rows]
        if self._gaps is GapPolicy.ERROR:
            raise DataGapError(
                f"{detail(0)} (gaps=WARN makes gaps a counted warning)",
                file=self._files[int(sources[0])],
                row=int(frame.rows[rows[0]]),
            )
        for source in np.unique(sources).tolist():
            mine = np.flatnonzero(sources == source)
            k = int(mine[0])
            self._report.note(
                self._files[source],
                IssueKind.GAPS,
                len(mine),
                row=int(frame.rows[rows[k]]),
                detail=detail(k),
                missing=int(missing[mine].sum()),
            )
