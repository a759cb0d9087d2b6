"""Calendar awareness: rows outside the sessions, gaps inside them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jts.backtest.data.errors import DataGapError, DataQualityWarning, OutsideSessionError
from jts.backtest.data.feed import BarFeed, TradeTickFeed
from jts.backtest.data.report import IssueKind
from jts.backtest.data.schema import ONE_DAY, GapPolicy, ReadOptions, SessionPolicy
from jts.backtest.data.validation import format_ts
from jts.core.time import NANOS_PER_MINUTE

from .calendar_fake import FakeKrxCalendar
from .helpers import BAR_HEADER, SAMSUNG, kst, minute_rows, write

HOLIDAY = dt.date(2024, 1, 1)
LATE = dt.date(2024, 1, 2)  # the first session of 2024 opens at 10:00
CALENDAR = FakeKrxCalendar(holidays=[HOLIDAY], late_opens=[LATE])


def row(ts: int, price: int = 70_000) -> str:
    return f"{format_ts(ts)},{price},{price},{price},{price},10"


def session_rows(day: dt.date, minutes: range, price: int = 70_000) -> list[str]:
    nine = kst(day.year, day.month, day.day, 9)
    return [row(nine + m * NANOS_PER_MINUTE, price) for m in minutes]


def feed(path: Path, **options: object) -> BarFeed:
    return BarFeed(path, options=ReadOptions(instrument=SAMSUNG, **options), calendar=CALENDAR)  # type: ignore[arg-type]


def stamps(f: BarFeed) -> list[int]:
    return [int(t) for c in f.iter_bar_arrays() for t in c.ts_event]


def test_a_full_krx_day_has_no_gaps_even_across_the_closing_auction(tmp_path: Path) -> None:
    day = dt.date(2024, 1, 3)
    # 09:01 .. 15:20 continuous, then the single 15:30 auction bar: what KRX minute data holds
    rows = [*session_rows(day, range(1, 381)), *session_rows(day, range(390, 391))]
    path = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    f = feed(path, gaps=GapPolicy.ERROR, outside_sessions=SessionPolicy.ERROR)
    assert len(stamps(f)) == 381
    assert f.report.gaps_checked
    assert f.report.sessions_checked
    assert f.report.issues == []


def test_bars_during_the_closing_auction_are_neither_expected_nor_refused(tmp_path: Path) -> None:
    day = dt.date(2024, 1, 3)
    path = write(tmp_path, "bars.csv", BAR_HEADER, *session_rows(day, range(1, 391)))
    f = feed(path, gaps=GapPolicy.ERROR, outside_sessions=SessionPolicy.ERROR)
    assert len(stamps(f)) == 390


def test_the_late_open_day_starts_at_ten_without_gaps(tmp_path: Path) -> None:
    rows = session_rows(LATE, range(61, 381))
    path = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    assert (
        len(stamps(feed(path, gaps=GapPolicy.ERROR, outside_sessions=SessionPolicy.ERROR))) == 320
    )
    early = write(tmp_path, "early.csv", BAR_HEADER, *session_rows(LATE, range(1, 3)))
    with pytest.raises(OutsideSessionError) as caught:
        stamps(feed(early, outside_sessions=SessionPolicy.ERROR))
    assert caught.value.row == 1
    assert "005930.KRX at 2024-01-02T09:01:00+09:00 is outside the trading sessions" in str(
        caught.value
    )


def test_gaps_are_a_counted_warning_with_the_first_one_described(tmp_path: Path) -> None:
    day = dt.date(2024, 1, 3)
    minutes = [m for m in range(1, 61) if m not in (10, 11, 12, 30)]
    rows = [row(kst(2024, 1, 3, 9) + m * NANOS_PER_MINUTE) for m in minutes]
    path = write(
        tmp_path, "bars.csv", BAR_HEADER, *rows, *session_rows(day + dt.timedelta(1), range(1, 3))
    )
    f = feed(path)
    with pytest.warns(DataQualityWarning) as warned:
        assert len(stamps(f)) == 58
    assert len(warned) == 1
    assert str(warned[0].message) == (
        f"{path}: 2 gap(s) inside sessions, 4 bar(s) missing; first at row 10 "
        "(005930.KRX: 3 bar(s) missing between 2024-01-03T09:09:00+09:00 and "
        "2024-01-03T09:13:00+09:00)"
    )
    assert f.report.total(IssueKind.GAPS) == 2
    assert f.report.missing_bars == 4


def test_gaps_can_be_errors(tmp_path: Path) -> None:
    rows = [row(kst(2024, 1, 3, 9) + m * NANOS_PER_MINUTE) for m in (1, 2, 5)]
    path = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    with pytest.raises(DataGapError) as caught:
        stamps(feed(path, gaps=GapPolicy.ERROR))
    assert caught.value.row == 3
    assert "2 bar(s) missing between 2024-01-03T09:02:00+09:00 and 2024-01-03T09:05:00+09:00" in (
        str(caught.value)
    )


def test_gaps_across_chunks_and_instruments_are_found(tmp_path: Path) -> None:
    header = "timestamp,instrument,open,high,low,close,volume"
    nine = kst(2024, 1, 3, 9)
    lines = []
    for m in range(1, 301):
        lines.append(f"{format_ts(nine + m * NANOS_PER_MINUTE)},005930.KRX,1,1,1,1,1")
        if m != 250:  # one missing bar of the second instrument, far into the file
            lines.append(f"{format_ts(nine + m * NANOS_PER_MINUTE)},000660.KRX,1,1,1,1,1")
    path = write(tmp_path, "multi.csv", header, *lines)
    f = BarFeed(path, options=ReadOptions(chunk_rows=1024, gaps=GapPolicy.ERROR), calendar=CALENDAR)
    small = BarFeed(path, options=ReadOptions(chunk_rows=64), calendar=CALENDAR)
    with pytest.raises(DataGapError, match=r"000660\.KRX: 1 bar"):
        stamps(f)
    with pytest.warns(DataQualityWarning):
        stamps(small)
    assert small.report.missing_bars == 1


def test_bars_outside_sessions_are_dropped_with_a_count_or_kept(tmp_path: Path) -> None:
    rows = [
        *session_rows(HOLIDAY, range(1, 3)),
        row(kst(2024, 1, 3, 9)),  # stamped at the open: covers 08:59-09:00
        *session_rows(dt.date(2024, 1, 3), range(1, 3)),
        row(kst(2024, 1, 3, 15, 31)),
        row(kst(2024, 1, 6, 10)),  # a Saturday
    ]
    path = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    kept = feed(path, gaps=GapPolicy.IGNORE)
    assert len(stamps(kept)) == 7
    assert not kept.report.sessions_checked
    dropped = feed(path, outside_sessions=SessionPolicy.DROP)
    with pytest.warns(DataQualityWarning, match="5 row\\(s\\) outside the trading sessions"):
        assert stamps(dropped) == [kst(2024, 1, 3, 9, 1), kst(2024, 1, 3, 9, 2)]
    assert dropped.report.total(IssueKind.OUTSIDE_SESSIONS) == 5
    assert dropped.report.issues[0].first_row == 1


def test_daily_bars_count_missing_sessions(tmp_path: Path) -> None:
    rows = [
        row(kst(2024, 1, 2, 15, 30)),
        row(kst(2024, 1, 3, 15, 30)),
        row(kst(2024, 1, 8, 15, 30)),  # Jan 4 and 5 missing; the weekend is not
        row(kst(2024, 1, 9, 15, 30)),
    ]
    path = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    f = feed(path, bar_spec=ONE_DAY)
    with pytest.warns(
        DataQualityWarning, match="1 gap\\(s\\) inside sessions, 2 bar\\(s\\) missing"
    ):
        assert len(stamps(f)) == 4
    holiday = write(
        tmp_path,
        "h.csv",
        BAR_HEADER,
        row(kst(2023, 12, 29, 15, 30)),
        row(kst(2024, 1, 2, 15, 30)),  # over the holiday: no gap
    )
    assert len(stamps(feed(holiday, bar_spec=ONE_DAY, gaps=GapPolicy.ERROR))) == 2


def test_without_a_calendar_nothing_is_checked(tmp_path: Path) -> None:
    rows = [row(kst(2024, 1, 1, 3)), row(kst(2024, 1, 1, 5))]
    path = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    f = BarFeed(path, options=ReadOptions(instrument=SAMSUNG, gaps=GapPolicy.ERROR))
    assert len(stamps(f)) == 2
    assert not f.report.gaps_checked


def test_sessions_are_looked_up_once_per_day(tmp_path: Path) -> None:
    calendar = FakeKrxCalendar()
    path = write(tmp_path, "bars.csv", BAR_HEADER, *minute_rows("2024-01-03", 1, 300))
    f = BarFeed(path, options=ReadOptions(instrument=SAMSUNG, chunk_rows=50), calendar=calendar)
    assert len(stamps(f)) == 300
    assert calendar.session_calls == 1


def test_ticks_at_the_open_and_close_auctions_are_inside(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "005930.KRX.csv",
        "timestamp,price,size",
        f"{format_ts(kst(2024, 1, 3, 8, 59, 59))},1,1",
        f"{format_ts(kst(2024, 1, 3, 9))},1,1",
        f"{format_ts(kst(2024, 1, 3, 15, 30))},1,1",
        f"{format_ts(kst(2024, 1, 3, 15, 30) + 1)},1,1",
    )
    f = TradeTickFeed(
        path, options=ReadOptions(outside_sessions=SessionPolicy.DROP), calendar=CALENDAR
    )
    with pytest.warns(DataQualityWarning, match="2 row"):
        got = [int(t) for c in f.iter_tick_arrays() for t in c.ts_event]
    assert got == [kst(2024, 1, 3, 9), kst(2024, 1, 3, 15, 30)]
