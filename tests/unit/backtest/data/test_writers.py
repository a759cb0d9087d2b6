"""Writing the schema: ISO text, exact decimals, atomic files, round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.backtest.data.arrays import InstrumentTable
from jts.backtest.data.errors import FeedOptionError
from jts.backtest.data.feed import BarFeed
from jts.backtest.data.schema import FileFormat, bar_file_schema
from jts.backtest.data.validation import format_ts
from jts.backtest.data.writers import (
    bar_table,
    bar_table_from_arrays,
    kst_iso_text,
    raw_to_arrow,
    write_bars,
)
from jts.domain.reference import load_reference_instruments

from .helpers import BAR_HEADER, kst, minute_rows, write


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 4_102_444_800), min_size=1, max_size=50))
def test_iso_text_matches_the_scalar_formatter(seconds: list[int]) -> None:
    ts = np.array(seconds, dtype=np.int64) * 1_000_000_000
    assert kst_iso_text(ts).to_pylist() == [format_ts(int(t)) for t in ts]


def test_iso_text_keeps_fractions_and_handles_empty() -> None:
    ts = np.array([kst(2024, 2, 29, 23, 59, 59) + 5], dtype=np.int64)
    assert kst_iso_text(ts).to_pylist() == ["2024-02-29T23:59:59.000000005+09:00"]
    assert kst_iso_text(np.array([], dtype=np.int64)).to_pylist() == []


def test_raw_values_become_int64_or_exact_decimals() -> None:
    raw = np.array([150, -1, 0, 2**62], dtype=np.int64)
    assert raw_to_arrow(raw, 0).type == pa.int64()
    decimals = raw_to_arrow(raw, 2)
    assert decimals.type == pa.decimal128(38, 2)
    assert decimals.to_pylist() == [
        Decimal("1.50"),
        Decimal("-0.01"),
        Decimal("0.00"),
        Decimal(2**62).scaleb(-2),
    ]


def test_parquet_and_csv_round_trip_through_the_feed(tmp_path: Path) -> None:
    source = write(tmp_path, "in/005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 50))
    table = BarFeed(source).to_table()
    assert table.schema == bar_file_schema()
    assert table.num_rows == 50
    for name in ("005930.KRX.parquet", "005930.KRX.csv"):
        out = write_bars(table, tmp_path / "out" / name)
        assert BarFeed(out).to_table().equals(table), name
    text = (tmp_path / "out" / "005930.KRX.csv").read_text().splitlines()
    assert text[0] == '"timestamp","instrument","open","high","low","close","volume"'
    assert text[1] == '"2024-01-02T09:01:00+09:00","005930.KRX",70000,70100,69900,70000,100'


def test_instruments_of_different_precisions_cannot_share_a_table(tmp_path: Path) -> None:
    write(tmp_path, "005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 2))
    write(tmp_path, "KRW-BTC.UPBIT.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 2))
    with pytest.raises(FeedOptionError, match="different precisions"):
        BarFeed(tmp_path).to_table()
    feed = BarFeed(tmp_path / "005930.KRX.csv")
    table = InstrumentTable(load_reference_instruments())
    assert bar_table_from_arrays(iter(()), table).num_rows == 0
    assert feed.to_table().num_rows == 2


def test_decimal_instruments_are_written_as_decimals(tmp_path: Path) -> None:
    ts = np.array([kst(2024, 1, 2, 9, 1)], dtype=np.int64)
    raw = np.array([6_000_000_050_000_000], dtype=np.int64)
    table = bar_table(
        ts,
        pa.array(["KRW-BTC.UPBIT"]),
        (raw, raw, raw, raw, np.array([12_345_678], dtype=np.int64)),
        price_precision=8,
        size_precision=8,
    )
    path = write_bars(table, tmp_path / "btc.parquet")
    read = pq.read_table(path)
    assert read.schema.field("open").type == pa.decimal128(38, 8)
    assert read["open"][0].as_py() == Decimal("60000000.50000000")
    assert [b.volume for b in BarFeed(path)] == [Decimal("0.12345678")]


def test_a_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = bar_file_schema().empty_table()

    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        write_bars(table, tmp_path / "bars.parquet")
    assert list(tmp_path.iterdir()) == []


def test_bad_destinations_and_tables_are_refused(tmp_path: Path) -> None:
    table = bar_file_schema().empty_table()
    with pytest.raises(FeedOptionError, match=r"must end in \.parquet"):
        write_bars(table, tmp_path / "bars.txt")
    assert write_bars(table, tmp_path / "bars.txt", file_format=FileFormat.CSV).exists()
    with pytest.raises(FeedOptionError, match="columns must be"):
        write_bars(table.drop_columns(["volume"]), tmp_path / "x.parquet")
