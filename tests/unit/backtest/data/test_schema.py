"""Read options and the written schema."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from jts.backtest.data.errors import FeedOptionError
from jts.backtest.data.schema import (
    ONE_MINUTE,
    DataKind,
    GapPolicy,
    ReadOptions,
    TimestampConvention,
    bar_file_schema,
    value_type,
)
from jts.core.time import KST, NANOS_PER_HOUR, NANOS_PER_MINUTE
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import BarAggregation, BarSpecification, PriceType


def test_defaults_read_close_stamped_one_minute_bars_strictly() -> None:
    options = ReadOptions()
    assert options.timestamp_convention is TimestampConvention.CLOSE
    assert options.bar_spec == ONE_MINUTE
    assert options.interval_ns == NANOS_PER_MINUTE
    assert options.naive_offset_ns is None
    assert not options.repair
    assert options.gaps is GapPolicy.WARN
    assert ReadOptions(naive_timezone=KST).naive_offset_ns == 9 * NANOS_PER_HOUR
    assert ReadOptions(naive_timezone=dt.UTC).naive_offset_ns == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"naive_timezone": ZoneInfo("Asia/Seoul")},
            "option naive_timezone must be a fixed-offset",
        ),
        ({"naive_timezone": "KST"}, "option naive_timezone"),
        ({"instrument": "005930.KRX"}, "option instrument must be an InstrumentId"),
        ({"chunk_rows": 0}, "option chunk_rows must be a positive int"),
        ({"repair": 1}, "option repair must be a bool"),
        ({"gaps": "warn"}, "option gaps must be a GapPolicy"),
        ({"timestamp_convention": "open"}, "option timestamp_convention"),
        ({"bar_spec": BarSpecification(100, BarAggregation.TICK, PriceType.LAST)}, "bar_spec"),
    ],
)
def test_bad_options_name_the_option(options: dict[str, object], message: str) -> None:
    with pytest.raises(FeedOptionError, match=message):
        ReadOptions(**options)  # type: ignore[arg-type]


def test_instrument_option_accepts_an_instrument_id() -> None:
    assert ReadOptions(instrument=InstrumentId("005930.KRX")).instrument == "005930.KRX"


def test_written_schema_is_exact() -> None:
    krx = bar_file_schema()
    assert krx.field("timestamp").type == pa.timestamp("ns", tz="UTC")
    assert krx.field("open").type == pa.int64()
    assert not any(field.nullable for field in krx)
    crypto = bar_file_schema(8, 8)
    assert crypto.field("close").type == pa.decimal128(38, 8)
    assert value_type(2) == pa.decimal128(38, 2)


def test_kinds_know_their_columns() -> None:
    assert DataKind.BARS.required_columns == ("timestamp", "open", "high", "low", "close", "volume")
    assert DataKind.TRADES.optional_columns == ("instrument", "aggressor", "trade_id")
