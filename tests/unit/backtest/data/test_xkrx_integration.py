"""The generator and the feed on the real XKRX calendar (building it takes a few seconds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from jts.backtest.data import (
    BarFeed,
    GapPolicy,
    ReadOptions,
    SessionPolicy,
    generate_bars,
    write_bars,
)
from jts.calendar import XkrxCalendar
from jts.core.time import kst_date

from .helpers import kst

pytestmark = pytest.mark.slow


def test_synthetic_year_end_follows_xkrx_and_reads_back_clean(tmp_path: Path) -> None:
    calendar = XkrxCalendar(start=dt.date(2023, 12, 1), end=dt.date(2024, 1, 31))
    table = generate_bars(
        ["005930.KRX", "069500.KRX"],
        start=dt.date(2023, 12, 27),
        end=dt.date(2024, 1, 3),
        calendar=calendar,
        seed=1,
    )
    stamps = table["timestamp"].cast(pa.int64()).to_pylist()
    days = sorted({kst_date(t) for t in stamps})
    # 2023-12-29 is the year-end closure and 2024-01-01 a holiday
    assert days == [
        dt.date(2023, 12, 27),
        dt.date(2023, 12, 28),
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 3),
    ]
    first_of_2024 = min(t for t in stamps if kst_date(t) == dt.date(2024, 1, 2))
    assert first_of_2024 == kst(2024, 1, 2, 10, 1)  # the first session of the year opens at 10:00
    path = write_bars(table, tmp_path / "bars.parquet")
    strict = ReadOptions(gaps=GapPolicy.ERROR, outside_sessions=SessionPolicy.ERROR)
    feed = BarFeed(path, options=strict, calendar=calendar)
    assert len(list(feed)) == table.num_rows
    assert feed.report.issues == []
