"""Reading CSV and Parquet files: discovery, columns, instruments, stamps, ranges."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jts.backtest.data.errors import (
    DataFileError,
    DataValueError,
    MissingColumnsError,
    NoDataFilesError,
    UnknownDataInstrumentError,
)
from jts.backtest.data.feed import BarFeed, TradeTickFeed
from jts.backtest.data.readers import discover_files
from jts.backtest.data.schema import (
    ONE_DAY,
    ReadOptions,
    TimestampConvention,
)
from jts.core.time import KST
from jts.domain.market_data import BarAggregation, BarSpecification, PriceType

from .calendar_fake import FakeKrxCalendar
from .helpers import BAR_HEADER, BTC, SAMSUNG, kst, minute_rows, write

SAMSUNG_OPTIONS = ReadOptions(instrument=SAMSUNG)


def closes(feed: BarFeed) -> list[int]:
    return [int(x) for chunk in feed.iter_bar_arrays() for x in chunk.close]


def stamps(feed: BarFeed) -> list[int]:
    return [int(x) for chunk in feed.iter_bar_arrays() for x in chunk.ts_event]


# ---- discovery ----------------------------------------------------------------------------------


def test_a_folder_gives_all_data_files_inside_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b/2024.csv", BAR_HEADER)
    write(tmp_path, "a.parquet.csv", BAR_HEADER)
    write(tmp_path, "b/2023.csv.gz", BAR_HEADER)
    (tmp_path / "c.pq").write_bytes(b"")
    write(tmp_path, "README.md", "notes")
    write(tmp_path, ".hidden/x.csv", BAR_HEADER)
    write(tmp_path, ".DS_Store", "")
    files, ignored = discover_files(tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == [
        "a.parquet.csv",
        "b/2023.csv.gz",
        "b/2024.csv",
        "c.pq",
    ]
    assert [f.format.value for f in files] == ["csv", "csv", "csv", "parquet"]
    assert [p.name for p in ignored] == ["README.md"]
    assert files[1].stem == "2023"


@pytest.mark.parametrize("name", ["missing.csv", "empty_dir", "notes.txt", "only_readme"])
def test_no_data_is_an_error_naming_the_path(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty_dir").mkdir()
    write(tmp_path, "notes.txt", "x")
    write(tmp_path, "only_readme/README.md", "x")
    with pytest.raises(NoDataFilesError) as caught:
        discover_files(tmp_path / name)
    assert caught.value.file == str(tmp_path / name)
    with pytest.raises(NoDataFilesError, match="no data path"):
        discover_files([])


def test_ignored_files_in_a_folder_are_a_counted_warning(tmp_path: Path) -> None:
    write(tmp_path, "005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 2))
    write(tmp_path, "notes.txt", "x")
    feed = BarFeed(tmp_path)
    with pytest.warns(UserWarning, match=r"1 file\(s\) without a .csv or .parquet suffix"):
        assert len(closes(feed)) == 2


# ---- columns and instruments --------------------------------------------------------------------


def test_missing_columns_say_which_are_missing_and_which_were_found(tmp_path: Path) -> None:
    path = write(tmp_path, "bars.csv", "timestamp,Open,high,low,Close,vol", "x,1,1,1,1,1")
    with pytest.raises(MissingColumnsError) as caught:
        closes(BarFeed(path, options=SAMSUNG_OPTIONS))
    text = str(caught.value)
    assert text.startswith(f"{path}: missing required column(s) ['open', 'close', 'volume']")
    assert "found ['timestamp', 'Open', 'high', 'low', 'Close', 'vol']" in text
    assert "case-sensitive: rename 'Open' for 'open', 'Close' for 'close'" in text


def test_duplicate_and_empty_headers_are_errors(tmp_path: Path) -> None:
    doubled = write(tmp_path, "d.csv", "timestamp,open,open,high,low,close,volume")
    with pytest.raises(MissingColumnsError, match="duplicate column names \\['open'\\]"):
        closes(BarFeed(doubled, options=SAMSUNG_OPTIONS))
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(MissingColumnsError, match="empty"):
        closes(BarFeed(empty, options=SAMSUNG_OPTIONS))


def test_header_only_file_gives_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", BAR_HEADER)
    assert closes(BarFeed(path, options=SAMSUNG_OPTIONS)) == []


def test_instrument_from_option_then_file_name_else_error(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 2)
    named = write(tmp_path, "005930.KRX.csv", BAR_HEADER, *rows)
    feed = BarFeed(named)
    assert closes(feed) == [70000, 70100]
    assert feed.instrument_ids == (SAMSUNG,)
    anonymous = write(tmp_path, "bars.csv", BAR_HEADER, *rows)
    with pytest.raises(MissingColumnsError, match="no 'instrument' column"):
        closes(BarFeed(anonymous))
    assert closes(BarFeed(anonymous, options=SAMSUNG_OPTIONS)) == [70000, 70100]
    unknown = ReadOptions(instrument=type(SAMSUNG)("999999.KRX"))
    with pytest.raises(DataFileError, match=r"unknown instrument 999999\.KRX"):
        closes(BarFeed(anonymous, options=unknown))


def test_instrument_column_with_an_unknown_id_names_the_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "multi.csv",
        "timestamp,instrument,open,high,low,close,volume",
        "2024-01-02T09:01:00+09:00,005930.KRX,1,1,1,1,1",
        "2024-01-02T09:01:00+09:00,123456.KRX,1,1,1,1,1",
    )
    with pytest.raises(UnknownDataInstrumentError) as caught:
        closes(BarFeed(path))
    assert (caught.value.file, caught.value.row) == (str(path), 2)


# ---- CSV and Parquet specifics ------------------------------------------------------------------


def test_ragged_csv_row_is_reported_with_its_number(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 3), "2024,1,2")
    with pytest.raises(DataFileError) as caught:
        closes(BarFeed(path, options=SAMSUNG_OPTIONS))
    assert caught.value.row == 4
    assert "cannot read CSV" in str(caught.value)


def test_gzip_csv_and_a_utf8_bom_are_read(tmp_path: Path) -> None:
    text = "\ufeff" + "\n".join([BAR_HEADER, *minute_rows("2024-01-02", 1, 3)]) + "\n"
    path = tmp_path / "005930.KRX.csv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    assert closes(BarFeed(path)) == [70000, 70100, 70200]


def test_non_utf8_csv_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "005930.KRX.csv"
    path.write_bytes("timestamp,시가\n".encode("cp949"))
    with pytest.raises(DataFileError, match="not UTF-8"):
        closes(BarFeed(path))


def _parquet(path: Path, **columns: pa.Array) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_parquet_types_are_read_exactly(tmp_path: Path) -> None:
    ts = pa.array([kst(2024, 1, 2, 9, 1), kst(2024, 1, 2, 9, 2)], pa.timestamp("ns", tz="UTC"))
    path = _parquet(
        tmp_path / "KRW-BTC.UPBIT.parquet",
        timestamp=ts,
        open=pa.array(["60000000.5", "60000001"]),
        high=pa.array([60000002, 60000003], pa.int64()),
        low=pa.array([60000000, 60000000], pa.int32()),
        close=pa.array([60000001, 60000002], pa.int64()),
        volume=pa.array(["0.00000001", "1.5"]),
    )
    feed = BarFeed(path)
    chunks = list(feed.iter_bar_arrays())
    assert feed.instrument_ids == (BTC,)
    assert [x for c in chunks for x in c.open.tolist()] == [
        6_000_000_050_000_000,
        6_000_000_100_000_000,
    ]
    assert [x for c in chunks for x in c.volume.tolist()] == [1, 150_000_000]


def test_parquet_float_prices_are_refused(tmp_path: Path) -> None:
    path = _parquet(
        tmp_path / "005930.KRX.parquet",
        timestamp=pa.array([kst(2024, 1, 2, 9, 1)], pa.int64()),
        open=pa.array([70000.0]),
        high=pa.array([70000.0]),
        low=pa.array([70000.0]),
        close=pa.array([70000.0]),
        volume=pa.array([1], pa.int64()),
    )
    with pytest.raises(DataValueError, match="never as floats") as caught:
        closes(BarFeed(path))
    assert caught.value.column == "open"


def test_a_file_that_is_not_parquet_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "005930.KRX.parquet"
    path.write_text("timestamp,open\n")
    with pytest.raises(DataFileError, match="not a readable Parquet file"):
        closes(BarFeed(path))


def test_parquet_row_groups_outside_the_range_are_skipped(tmp_path: Path) -> None:
    times = [kst(2024, 1, 2, 9, 1 + n) for n in range(10)]
    table = pa.table(
        {
            "timestamp": pa.array(times, pa.timestamp("ns", tz="UTC")),
            "open": pa.array(range(1, 11), pa.int64()),
            "high": pa.array(range(1, 11), pa.int64()),
            "low": pa.array(range(1, 11), pa.int64()),
            "close": pa.array(range(1, 11), pa.int64()),
            "volume": pa.array([1] * 10, pa.int64()),
        }
    )
    path = tmp_path / "005930.KRX.parquet"
    pq.write_table(table, path, row_group_size=3)
    feed = BarFeed(path, start=times[4], end=times[5])
    assert closes(feed) == [5, 6]
    # rows 1-3 skipped by statistics, row 4 read and dropped; 7-10 never read
    assert feed.report.rows_out_of_range == 4
    assert feed.report.rows_read == 3


# ---- timestamp conventions ----------------------------------------------------------------------


def test_open_stamped_files_are_shifted_by_the_interval(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 0, 2))
    five = BarSpecification(5, BarAggregation.MINUTE, PriceType.LAST)
    assert stamps(BarFeed(path)) == [kst(2024, 1, 2, 9, 0), kst(2024, 1, 2, 9, 1)]
    shifted = ReadOptions(timestamp_convention=TimestampConvention.OPEN, bar_spec=five)
    assert stamps(BarFeed(path, options=shifted)) == [kst(2024, 1, 2, 9, 5), kst(2024, 1, 2, 9, 6)]


def test_naive_text_needs_the_zone_option(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER, "2024-01-02 09:01:00,1,1,1,1,1")
    with pytest.raises(DataValueError, match="no UTC offset"):
        closes(BarFeed(path))
    assert stamps(BarFeed(path, options=ReadOptions(naive_timezone=KST))) == [kst(2024, 1, 2, 9, 1)]


def test_date_only_daily_bars_are_stamped_at_the_session_close(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "005930.KRX.csv",
        BAR_HEADER,
        "2024-01-02,70000,71000,69000,70500,10",
        "2024-01-03T00:00:00+09:00,70500,71000,70000,70800,10",
    )
    daily = ReadOptions(bar_spec=ONE_DAY, naive_timezone=KST)
    assert stamps(BarFeed(path, options=daily)) == [
        kst(2024, 1, 2, 15, 30),
        kst(2024, 1, 3, 15, 30),
    ]

    assert stamps(BarFeed(path, options=daily, calendar=FakeKrxCalendar(close="163000"))) == [
        kst(2024, 1, 2, 16, 30),
        kst(2024, 1, 3, 16, 30),
    ]


def test_open_stamped_daily_bars_move_to_the_close_of_their_day(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER, "2024-01-02T09:00:00+09:00,1,1,1,1,1")
    opts = ReadOptions(bar_spec=ONE_DAY, timestamp_convention=TimestampConvention.OPEN)
    assert stamps(BarFeed(path, options=opts)) == [kst(2024, 1, 2, 15, 30)]


# ---- trade ticks --------------------------------------------------------------------------------


def test_tick_files_need_price_and_size(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", "timestamp,price,volume", "x,1,1")
    with pytest.raises(MissingColumnsError, match=r"\['size'\]"):
        list(TradeTickFeed(path).iter_tick_arrays())
