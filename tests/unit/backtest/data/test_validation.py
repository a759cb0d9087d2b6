"""Row checks: prices and OHLC, time order, duplicates, and the opt-in repair."""

from __future__ import annotations

from pathlib import Path

import pytest

from jts.backtest.data.errors import (
    DataPriceError,
    DataQualityWarning,
    DataValueError,
    DuplicateRowError,
    InconsistentBarError,
    UnsortedDataError,
)
from jts.backtest.data.feed import BarFeed, TradeTickFeed
from jts.backtest.data.report import IssueKind
from jts.backtest.data.schema import ReadOptions
from jts.backtest.data.validation import format_ts
from jts.core.errors import InvalidPriceError

from .helpers import BAR_HEADER, SAMSUNG, kst, minute_rows, write

OPTIONS = ReadOptions(instrument=SAMSUNG)
MULTI_HEADER = "timestamp,instrument,open,high,low,close,volume"


def read_all(path: Path, options: ReadOptions = OPTIONS) -> list[int]:
    return [int(t) for c in BarFeed(path, options=options).iter_bar_arrays() for t in c.ts_event]


def bars_file(tmp_path: Path, *rows: str) -> Path:
    return write(tmp_path, "bars.csv", BAR_HEADER, *rows)


@pytest.mark.parametrize(
    ("row", "error", "column", "message"),
    [
        ("0,1,1,1,1", DataPriceError, "open", "open must be positive, got 0 (005930.KRX)"),
        ("1,1,-5,1,1", DataPriceError, "low", "low must be positive, got -5"),
        ("1,1,1,1,-1", DataValueError, "volume", "volume cannot be negative, got -1"),
        ("10,12,13,11,5", InconsistentBarError, None, "low 13 is above high 12"),
        ("13,12,10,11,5", InconsistentBarError, None, "high 12 is below open 13"),
        ("11,12,10,13,5", InconsistentBarError, None, "high 12 is below close 13"),
        ("9,12,10,11,5", InconsistentBarError, None, "low 10 is above open 9"),
        ("11,12,10,9,5", InconsistentBarError, None, "low 10 is above close 9"),
    ],
)
def test_bad_values_name_file_row_column_and_rule(
    tmp_path: Path, row: str, error: type[Exception], column: str | None, message: str
) -> None:
    good = minute_rows("2024-01-02", 1, 2)
    path = bars_file(tmp_path, *good, f"2024-01-02T09:03:00+09:00,{row}")
    with pytest.raises(error) as caught:
        read_all(path)
    assert caught.value.file == str(path)  # type: ignore[attr-defined]
    assert caught.value.row == 3  # type: ignore[attr-defined]
    assert caught.value.column == column  # type: ignore[attr-defined]
    assert message in str(caught.value)


def test_price_errors_are_also_invalid_price_errors(tmp_path: Path) -> None:
    path = bars_file(tmp_path, "2024-01-02T09:01:00+09:00,0,1,1,1,1")
    with pytest.raises(InvalidPriceError):
        read_all(path)


def test_zero_volume_bars_are_allowed(tmp_path: Path) -> None:
    path = bars_file(tmp_path, "2024-01-02T09:01:00+09:00,5,5,5,5,0")
    assert read_all(path) == [kst(2024, 1, 2, 9, 1)]


def test_timestamps_going_back_are_an_error_naming_both_rows(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 4)
    rows[2], rows[3] = rows[3], rows[2]
    path = bars_file(tmp_path, *rows)
    with pytest.raises(UnsortedDataError) as caught:
        read_all(path)
    assert caught.value.row == 4
    assert caught.value.column == "timestamp"
    assert "2024-01-02T09:03:00+09:00 is before 2024-01-02T09:04:00+09:00 of row 3" in str(
        caught.value
    )
    assert "repair=True" in str(caught.value)


def test_order_is_checked_across_chunk_boundaries(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 3000)
    rows[2048], rows[2047] = rows[2047], rows[2048]  # the swap straddles a chunk edge
    path = bars_file(tmp_path, *rows)
    small = ReadOptions(instrument=SAMSUNG, chunk_rows=1024)
    with pytest.raises(UnsortedDataError) as caught:
        read_all(path, small)
    assert caught.value.row == 2049


def test_duplicate_timestamps_of_one_instrument_are_an_error(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 3)
    path = bars_file(tmp_path, *rows, rows[-1])
    with pytest.raises(DuplicateRowError) as caught:
        read_all(path)
    assert caught.value.row == 4
    assert "duplicate 005930.KRX at 2024-01-02T09:03:00+09:00" in str(caught.value)
    assert "first at row 3" in str(caught.value)


def test_duplicates_straddling_a_chunk_edge_are_found(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 1024)
    path = bars_file(tmp_path, *rows, rows[-1], *minute_rows("2024-01-02", 1025, 5))
    with pytest.raises(DuplicateRowError) as caught:
        read_all(path, ReadOptions(instrument=SAMSUNG, chunk_rows=1024))
    assert caught.value.row == 1025


def test_equal_timestamps_of_different_instruments_are_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "multi.csv",
        MULTI_HEADER,
        "2024-01-02T09:01:00+09:00,005930.KRX,1,1,1,1,1",
        "2024-01-02T09:01:00+09:00,000660.KRX,1,1,1,1,1",
    )
    assert len(read_all(path, ReadOptions())) == 2


def test_repair_sorts_and_drops_exact_duplicates_with_counted_warnings(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 5)
    shuffled = [rows[0], rows[3], rows[1], rows[1], rows[2], rows[4], rows[4], rows[4]]
    path = bars_file(tmp_path, *shuffled)
    feed = BarFeed(path, options=ReadOptions(instrument=SAMSUNG, repair=True))
    with pytest.warns(DataQualityWarning) as warned:
        got = [int(t) for c in feed.iter_bar_arrays() for t in c.ts_event]
    assert got == [kst(2024, 1, 2, 9, m) for m in range(1, 6)]
    messages = sorted(str(w.message) for w in warned)
    assert messages == [
        f"{path}: 3 exact duplicate row(s) were dropped (repair); first at row 4",
        f"{path}: 3 row(s) out of time order were sorted (repair); first at row 3",
    ]
    assert feed.report.total(IssueKind.REORDERED) == 3
    assert feed.report.total(IssueKind.DUPLICATES_DROPPED) == 3


def test_repair_never_chooses_between_different_duplicates(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 2)
    conflicting = rows[1].rsplit(",", 1)[0] + ",999"
    path = bars_file(tmp_path, rows[1], rows[0], conflicting)
    with pytest.raises(DuplicateRowError, match="values differ from the first at row 1") as caught:
        read_all(path, ReadOptions(instrument=SAMSUNG, repair=True))
    assert caught.value.row == 3


def test_nothing_is_silently_fixed_without_repair(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 2)
    path = bars_file(tmp_path, rows[0], rows[0])
    with pytest.raises(DuplicateRowError, match="repair=True"):
        read_all(path)


def test_tick_duplicates_need_the_same_trade_id(tmp_path: Path) -> None:
    header = "timestamp,price,size,aggressor,trade_id"
    fine = write(
        tmp_path,
        "005930.KRX.csv",
        header,
        "2024-01-02T09:00:00.001+09:00,70000,10,B,",
        "2024-01-02T09:00:00.001+09:00,70000,10,B,",
        "2024-01-02T09:00:00.001+09:00,70000,10,S,T2",
        "2024-01-02T09:00:00.001+09:00,70000,10,S,T3",
    )
    ticks = list(TradeTickFeed(fine).iter_trade_ticks())
    assert [t.trade_id for t in ticks] == [
        f"{kst(2024, 1, 2, 9) + 1_000_000}-0",
        f"{kst(2024, 1, 2, 9) + 1_000_000}-1",
        "T2",
        "T3",
    ]
    doubled = write(
        tmp_path,
        "sub/005930.KRX.csv",
        header,
        "2024-01-02T09:00:00+09:00,70000,10,S,T2",
        "2024-01-02T09:00:00+09:00,70100,10,S,T2",
    )
    with pytest.raises(DuplicateRowError, match="trade id 'T2'") as caught:
        list(TradeTickFeed(doubled).iter_tick_arrays())
    assert caught.value.row == 2


def test_tick_sizes_must_be_positive(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", "timestamp,price,size", "2024-01-02T09:00:00Z,1,0")
    with pytest.raises(DataValueError, match="trade size must be positive, got 0"):
        list(TradeTickFeed(path).iter_tick_arrays())


def test_format_ts_is_korean_time_with_fractions() -> None:
    assert format_ts(kst(2024, 1, 2, 9, 1)) == "2024-01-02T09:01:00+09:00"
    assert format_ts(kst(2024, 1, 2, 9, 1) + 1_500) == "2024-01-02T09:01:00.0000015+09:00"
