"""Importing generic OHLCV CSV files (vendor and broker exports) into our schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jts.backtest.data.errors import (
    DataFileError,
    DataPrecisionError,
    DataQualityWarning,
    DuplicateRowError,
    FeedOptionError,
    MissingColumnsError,
    NoDataFilesError,
    UnsortedDataError,
)
from jts.backtest.data.feed import BarFeed
from jts.backtest.data.importer import (
    ENGLISH,
    ColumnNames,
    ImportOptions,
    import_ohlcv_csv,
)
from jts.backtest.data.schema import ONE_DAY, ReadOptions, TimestampConvention, bar_file_schema
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import Bar

from .calendar_fake import FakeKrxCalendar
from .helpers import SAMSUNG, kst

KOREAN_ROWS = [
    "일자,시가,고가,저가,종가,거래량",
    '2024.01.04,"71,000","71,500","70,900","71,200","12,345,678"',
    '2024.01.03,"70,000","71,000","69,900","70,900","10,000,000"',
    '2024.01.02,"69,000","70,100","68,900","70,000","9,000,000"',
]


def text_file(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def daily_bars(path: Path) -> list[Bar]:
    return list(BarFeed(path, options=ReadOptions(bar_spec=ONE_DAY)))


def test_korean_cp949_newest_first_with_thousands_separators(tmp_path: Path) -> None:
    source = text_file(tmp_path, "005930.KRX.csv", KOREAN_ROWS, encoding="cp949")
    result = import_ohlcv_csv(source, tmp_path / "out.parquet")
    assert result.encoding == "cp949"
    assert result.reversed
    assert result.rows == 3
    assert result.columns.close == "종가"
    assert result.instruments == (SAMSUNG,)
    assert pq.read_schema(result.path) == bar_file_schema()
    bars = daily_bars(result.path)
    assert [b.ts_event for b in bars] == [kst(2024, 1, d, 15, 30) for d in (2, 3, 4)]
    assert [int(b.close.raw) for b in bars] == [70_000, 70_900, 71_200]
    assert int(bars[-1].volume.raw) == 12_345_678
    assert result.first_ns == bars[0].ts_event
    assert result.last_ns == bars[-1].ts_event


def test_english_headers_in_any_case_with_a_bom_and_iso_dates(tmp_path: Path) -> None:
    lines = [
        "\ufeffdate,OPEN,High,low,Close,Volume,Adj Close",
        "2024-01-02,100,110,90,105,1000,104.5",
        "2024-01-03,105,115,95,110,2000,109.9",
    ]
    source = text_file(tmp_path, "prices.csv", lines)
    options = ImportOptions(instrument=InstrumentId("069500.KRX"))
    result = import_ohlcv_csv(source, tmp_path / "kodex.csv", options=options)
    assert result.encoding == "utf-8"
    assert not result.reversed
    assert result.columns == ColumnNames("date", "OPEN", "High", "low", "Close", "Volume")
    out = (tmp_path / "kodex.csv").read_text().splitlines()
    assert out[1] == '"2024-01-02T15:30:00+09:00","069500.KRX",100,110,90,105,1000'


def test_minute_rows_with_a_separate_time_column(tmp_path: Path) -> None:
    lines = [
        "일자,시간,시가,고가,저가,종가,거래량",
        "20240102,090100,70000,70100,69900,70000,10",
        "20240102,9:02,70000,70100,69900,70050,20",
        "20240102,09:03:00,70050,70100,70000,70100,30",
    ]
    source = text_file(tmp_path, "005930.KRX.csv", lines)
    result = import_ohlcv_csv(source, tmp_path / "out.parquet")
    stamps = [b.ts_event for b in BarFeed(result.path)]
    assert stamps == [kst(2024, 1, 2, 9, m) for m in (1, 2, 3)]


def test_open_stamped_minutes_are_shifted_to_the_close(tmp_path: Path) -> None:
    lines = ["Date,Open,High,Low,Close,Volume", "2024-01-02 09:00,1,1,1,1,1"]
    source = text_file(tmp_path, "005930.KRX.csv", lines)
    five = ReadOptions().bar_spec.__class__(5, ONE_DAY.aggregation.MINUTE, ONE_DAY.price_type)
    options = ImportOptions(timestamp_convention=TimestampConvention.OPEN, interval=five)
    result = import_ohlcv_csv(source, tmp_path / "out.parquet", options=options)
    assert result.first_ns == kst(2024, 1, 2, 9, 5)


def test_an_explicit_column_map_date_format_and_zone(tmp_path: Path) -> None:
    lines = ["when;symbol;o;h;l;c;v", "02/01/2024 00:01;005930.KRX;1;1;1;1;1"]
    source = text_file(tmp_path, "x.csv", lines)
    columns = ColumnNames("when", "o", "h", "l", "c", "v", instrument="symbol")
    options = ImportOptions(
        columns=columns, date_format="%d/%m/%Y %H:%M", timezone=dt.UTC, delimiter=";"
    )
    result = import_ohlcv_csv(source, tmp_path / "out.parquet", options=options)
    assert result.first_ns == kst(2024, 1, 2, 9, 1)


def test_daily_close_comes_from_the_calendar(tmp_path: Path) -> None:
    source = text_file(tmp_path, "005930.KRX.csv", KOREAN_ROWS)
    late = FakeKrxCalendar(close="163000")
    result = import_ohlcv_csv(source, tmp_path / "out.parquet", calendar=late)
    assert result.first_ns == kst(2024, 1, 2, 16, 30)


def test_unknown_layout_lists_what_was_found(tmp_path: Path) -> None:
    source = text_file(tmp_path, "005930.KRX.csv", ["day,first,top,bottom,last,qty", "x,1,1,1,1,1"])
    with pytest.raises(MissingColumnsError, match="header \\['day', 'first'") as caught:
        import_ohlcv_csv(source, tmp_path / "out.parquet")
    assert "pass columns=ColumnNames" in str(caught.value)
    given = ImportOptions(columns=ColumnNames("day", "first", "top", "bottom", "last", "volume"))
    with pytest.raises(MissingColumnsError, match="missing column\\(s\\) \\['volume'\\]"):
        import_ohlcv_csv(source, tmp_path / "out.parquet", options=given)


@pytest.mark.parametrize(
    ("row", "error", "message", "column"),
    [
        ("2024-01-03,1,1,1,1.5,1", DataPrecisionError, "1.5 has more than the 0 decimals", "Close"),
        ("2024-13-03,1,1,1,1,1", DataFileError, "not a valid date", "Date"),
        ("3 Jan 2024,1,1,1,1,1", DataFileError, "is not YYYYMMDD or YYYY-MM-DD", "Date"),
        ("2024-01-03,abc,1,1,1,1", DataFileError, "not a decimal number", "Open"),
        (",1,1,1,1,1", DataFileError, "missing value", "Date"),
    ],
)
def test_bad_rows_name_row_and_column(
    tmp_path: Path, row: str, error: type[DataFileError], message: str, column: str
) -> None:
    lines = ["Date,Open,High,Low,Close,Volume", "2024-01-02,1,1,1,1,1", row]
    source = text_file(tmp_path, "005930.KRX.csv", lines)
    with pytest.raises(error, match=message) as caught:
        import_ohlcv_csv(source, tmp_path / "out.parquet")
    assert (caught.value.row, caught.value.column) == (2, column)
    assert not (tmp_path / "out.parquet").exists()


def test_rows_out_of_order_or_duplicated_need_repair(tmp_path: Path) -> None:
    lines = [
        "Date,Open,High,Low,Close,Volume",
        "2024-01-02,1,1,1,1,1",
        "2024-01-04,1,1,1,1,1",
        "2024-01-03,1,1,1,1,1",
        "2024-01-03,1,1,1,1,1",
    ]
    source = text_file(tmp_path, "005930.KRX.csv", lines)
    with pytest.raises(UnsortedDataError) as caught:
        import_ohlcv_csv(source, tmp_path / "out.parquet")
    assert caught.value.row == 3
    with pytest.warns(DataQualityWarning):
        result = import_ohlcv_csv(
            source, tmp_path / "out.parquet", options=ImportOptions(repair=True)
        )
    assert result.rows == 3
    doubled = text_file(tmp_path, "d/005930.KRX.csv", [lines[0], lines[1], lines[1]])
    with pytest.raises(DuplicateRowError):
        import_ohlcv_csv(doubled, tmp_path / "d.parquet")


def test_several_instruments_each_newest_first(tmp_path: Path) -> None:
    lines = [
        "Date,Code,Open,High,Low,Close,Volume",
        "2024-01-03,005930.KRX,2,2,2,2,1",
        "2024-01-02,005930.KRX,1,1,1,1,1",
        "2024-01-03,000660.KRX,4,4,4,4,1",
        "2024-01-02,000660.KRX,3,3,3,3,1",
    ]
    source = text_file(tmp_path, "all.csv", lines)
    columns = dataclasses.replace(ENGLISH, instrument="Code")
    result = import_ohlcv_csv(
        source, tmp_path / "out.parquet", options=ImportOptions(columns=columns)
    )
    table = pq.read_table(result.path)
    assert table["instrument"].to_pylist() == ["000660.KRX", "005930.KRX"] * 2
    assert table["close"].to_pylist() == [3, 1, 4, 2]


def test_instrument_must_be_known(tmp_path: Path) -> None:
    source = text_file(tmp_path, "prices.csv", KOREAN_ROWS)
    with pytest.raises(FeedOptionError, match="no instrument column"):
        import_ohlcv_csv(source, tmp_path / "out.parquet")
    unknown = ImportOptions(instrument=InstrumentId("999999.KRX"))
    with pytest.raises(FeedOptionError, match=r"unknown instrument 999999\.KRX"):
        import_ohlcv_csv(source, tmp_path / "out.parquet", options=unknown)
    with pytest.raises(NoDataFilesError):
        import_ohlcv_csv(tmp_path / "missing.csv", tmp_path / "out.parquet")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"thousands": "."}, "option thousands"),
        ({"delimiter": ";;"}, "option delimiter"),
        ({"timestamp_convention": TimestampConvention.OPEN}, "option interval is needed"),
        ({"timezone": dt.UTC}, None),
    ],
)
def test_import_options_are_checked(options: dict[str, object], message: str | None) -> None:
    if message is None:
        ImportOptions(**options)  # type: ignore[arg-type]
        return
    with pytest.raises(FeedOptionError, match=message):
        ImportOptions(**options)  # type: ignore[arg-type]


def test_undecodable_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "005930.KRX.csv"
    path.write_bytes(b"Date,Open\n\xff\xfe\xfa\n")
    with pytest.raises(DataFileError, match="neither UTF-8 nor CP949"):
        import_ohlcv_csv(path, tmp_path / "out.parquet")
