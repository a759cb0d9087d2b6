"""Exact column conversion: timestamps, prices, instruments, aggressors, trade ids."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.backtest.data.arrays import InstrumentTable
from jts.backtest.data.columns import (
    ColumnRef,
    aggressor_codes,
    exact_raw,
    exact_raw_by_instrument,
    instrument_indices,
    timestamps_ns,
    trade_ids,
)
from jts.backtest.data.errors import (
    DataPrecisionError,
    DataValueError,
    UnknownDataInstrumentError,
)
from jts.core.errors import PrecisionError
from jts.core.time import NANOS_PER_HOUR
from jts.domain.reference import load_reference_instruments

from .helpers import BTC, HYNIX, SAMSUNG, kst

REF = ColumnRef("bars.csv", "timestamp", 1)
KST_OFFSET = 9 * NANOS_PER_HOUR


def owner(_: int) -> str:
    return "005930.KRX"


def table() -> InstrumentTable:
    return InstrumentTable(load_reference_instruments())


# ---- timestamps ---------------------------------------------------------------------------------


def test_iso_text_with_any_offset_and_nanoseconds() -> None:
    text = pa.array(
        [
            "2024-01-02T09:01:00+09:00",
            "2024-01-02T00:02:00Z",
            "2024-01-02 09:03:00.123456789+09:00",
        ]
    )
    got = timestamps_ns(text, REF, None)
    assert got.tolist() == [
        kst(2024, 1, 2, 9, 1),
        kst(2024, 1, 2, 9, 2),
        kst(2024, 1, 2, 9, 3) + 123_456_789,
    ]
    assert got.dtype == np.int64


def test_epoch_nanoseconds_as_text_and_as_integers() -> None:
    ns = kst(2024, 1, 2, 9, 1)
    assert timestamps_ns(pa.array([str(ns)]), REF, None).tolist() == [ns]
    assert timestamps_ns(pa.array([ns], pa.int64()), REF, None).tolist() == [ns]


def test_arrow_timestamps_with_zone_and_naive_ones_only_with_a_zone() -> None:
    ns = kst(2024, 1, 2, 9, 1)
    aware = pa.array([ns], pa.timestamp("ns", tz="UTC"))
    assert timestamps_ns(aware, REF, None).tolist() == [ns]
    micros = pa.array([ns // 1000], pa.timestamp("us", tz="Asia/Seoul"))
    assert timestamps_ns(micros, REF, None).tolist() == [ns]
    naive = pa.array([ns + KST_OFFSET], pa.timestamp("ns"))
    with pytest.raises(DataValueError, match="no time zone"):
        timestamps_ns(naive, REF, None)
    assert timestamps_ns(naive, REF, KST_OFFSET).tolist() == [ns]


def test_naive_text_is_refused_unless_the_zone_is_given() -> None:
    text = pa.array(["2024-01-02T09:01:00+09:00", "2024-01-02T09:02:00"])
    with pytest.raises(DataValueError) as caught:
        timestamps_ns(text, REF, None)
    error = caught.value
    assert (error.file, error.row, error.column) == ("bars.csv", 2, "timestamp")
    assert "no UTC offset" in str(error)
    assert "naive_timezone=KST" in str(error)
    got = timestamps_ns(text, REF, KST_OFFSET)  # a mix: the slow path reads each row
    assert got.tolist() == [kst(2024, 1, 2, 9, 1), kst(2024, 1, 2, 9, 2)]
    only_naive = pa.array(["2024-01-02T09:01:00", "2024-01-02 09:02:00"])
    assert timestamps_ns(only_naive, REF, KST_OFFSET).tolist() == got.tolist()


def test_first_row_offset_is_added_to_the_reported_row() -> None:
    ref = ColumnRef("bars.csv", "timestamp", 1001)
    with pytest.raises(DataValueError) as caught:
        timestamps_ns(pa.array(["2024-01-02T09:01:00Z", "yesterday"]), ref, None)
    assert caught.value.row == 1002
    assert str(caught.value).startswith("bars.csv, row 1002, column 'timestamp': ")
    assert "'yesterday'" in str(caught.value)


@pytest.mark.parametrize(
    ("values", "kind", "message"),
    [
        (["2024-01-02T09:01:00Z", None], pa.string(), "missing value"),
        ([1.5], pa.float64(), "got type double"),
        ([-5], pa.int64(), "before 1970"),
        (["99999999999999999999"], pa.string(), "do not fit int64"),
    ],
)
def test_bad_timestamps_name_the_problem(
    values: list[object], kind: pa.DataType, message: str
) -> None:
    with pytest.raises(DataValueError, match=message):
        timestamps_ns(pa.array(values, kind), REF, None)


# ---- exact values -------------------------------------------------------------------------------


def test_prices_are_parsed_exactly_at_the_instrument_precision() -> None:
    ref = ColumnRef("bars.csv", "open", 1)
    assert exact_raw(pa.array(["70000", "70000.0", "+1"]), 0, ref, owner).tolist() == [
        70000,
        70000,
        1,
    ]
    assert exact_raw(pa.array(["1.5", "0.00000001", "123"]), 8, ref, owner).tolist() == [
        150_000_000,
        1,
        12_300_000_000,
    ]
    decimals = pa.array([Decimal("1.50"), Decimal("2")], pa.decimal128(10, 2))
    assert exact_raw(decimals, 2, ref, owner).tolist() == [150, 200]
    assert exact_raw(pa.array([7, 8], pa.int32()), 2, ref, owner).tolist() == [700, 800]
    assert exact_raw(pa.array([-3, 4], pa.int64()), 0, ref, owner).tolist() == [-3, 4]


def test_more_decimals_than_allowed_is_a_precision_error_naming_row_and_instrument() -> None:
    ref = ColumnRef("bars.csv", "close", 1)
    with pytest.raises(DataPrecisionError) as caught:
        exact_raw(pa.array(["70000", "70000.5"]), 0, ref, owner)
    assert caught.value.row == 2
    assert caught.value.column == "close"
    assert "70000.5 has more than the 0 decimals 005930.KRX allows" in str(caught.value)
    assert isinstance(caught.value, PrecisionError)
    decimals = pa.array([Decimal("1.25")], pa.decimal128(10, 2))
    with pytest.raises(DataPrecisionError):
        exact_raw(decimals, 1, ref, owner)


def test_text_arrow_does_not_read_goes_through_the_exact_slow_path() -> None:
    ref = ColumnRef("bars.csv", "open", 1)
    assert exact_raw(pa.array([" 70000 ", "7e4", "7.00E4"]), 0, ref, owner).tolist() == [70000] * 3


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1,000", "--1", "1.2.3"])
def test_unparsable_numbers_name_the_row(bad: str) -> None:
    ref = ColumnRef("bars.csv", "high", 1)
    with pytest.raises(DataValueError) as caught:
        exact_raw(pa.array(["1", bad]), 0, ref, owner)
    assert caught.value.row == 2
    assert caught.value.column == "high"


def test_floats_are_refused_and_overflow_is_an_error() -> None:
    ref = ColumnRef("bars.parquet", "close", 1)
    with pytest.raises(DataValueError, match="never as floats"):
        exact_raw(pa.array([70000.0]), 0, ref, owner)
    with pytest.raises(DataValueError, match="too large"):
        exact_raw(pa.array([2**62], pa.int64()), 8, ref, owner)
    with pytest.raises(DataValueError, match="too large"):
        exact_raw(pa.array(["100000000000000000000"]), 0, ref, owner)
    with pytest.raises(DataValueError, match="too large") as unsigned:
        exact_raw(pa.array([1, 2**63], pa.uint64()), 0, ref, owner)
    assert unsigned.value.row == 2
    with pytest.raises(DataValueError, match="missing value"):
        exact_raw(pa.array(["1", None]), 0, ref, owner)
    with pytest.raises(DataValueError, match="expected numbers"):
        exact_raw(pa.array([True]), 0, ref, owner)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4),
        min_size=1,
        max_size=20,
    ),
    st.integers(min_value=4, max_value=8),
)
def test_decimal_text_round_trips_exactly(values: list[Decimal], precision: int) -> None:
    ref = ColumnRef("bars.csv", "open", 1)
    got = exact_raw(pa.array([str(v) for v in values]), precision, ref, owner)
    assert got.tolist() == [int(v.scaleb(precision)) for v in values]


def test_mixed_precisions_are_converted_per_instrument_and_errors_keep_the_row() -> None:
    known = table()
    iid = np.array(
        [known.index_of(SAMSUNG), known.index_of(BTC), known.index_of(HYNIX)], dtype=np.int32
    )
    ref = ColumnRef("mixed.csv", "open", 11)
    got = exact_raw_by_instrument(
        pa.array(["70000", "0.5", "130000"]), iid, known, ref, prices=True
    )
    assert got.tolist() == [70000, 50_000_000, 130000]
    with pytest.raises(DataPrecisionError) as caught:
        exact_raw_by_instrument(pa.array(["1", "0.5", "130000.5"]), iid, known, ref, prices=True)
    assert caught.value.row == 13
    assert "000660.KRX" in str(caught.value)


# ---- instruments, aggressors, trade ids ---------------------------------------------------------


def test_instrument_ids_map_to_stable_table_indices() -> None:
    known = table()
    ref = ColumnRef("bars.csv", "instrument", 1)
    got = instrument_indices(pa.array(["000660.KRX", "005930.KRX", "000660.KRX"]), ref, known)
    assert got.tolist() == [0, 1, 0]
    assert known.ids == (HYNIX, SAMSUNG)
    dictionary = pa.array(["005930.KRX"]).dictionary_encode()
    assert instrument_indices(dictionary, ref, known).tolist() == [1]


def test_unknown_or_malformed_instruments_name_the_row() -> None:
    ref = ColumnRef("bars.csv", "instrument", 1)
    with pytest.raises(UnknownDataInstrumentError) as caught:
        instrument_indices(pa.array(["005930.KRX", "999999.KRX"]), ref, table())
    assert caught.value.row == 2
    assert "999999.KRX" in str(caught.value)
    with pytest.raises(DataValueError, match=r"SYMBOL\.VENUE") as malformed:
        instrument_indices(pa.array(["005930.KRX", "005930.KRX", "SAMSUNG"]), ref, table())
    assert malformed.value.row == 3
    with pytest.raises(DataValueError, match="must be text"):
        instrument_indices(pa.array([5930]), ref, table())


def test_aggressor_letters_names_and_blanks() -> None:
    ref = ColumnRef("ticks.csv", "aggressor", 1)
    got = aggressor_codes(pa.array(["B", "S", "N", None, "buyer", "SELLER", " b "]), ref)
    assert got.tolist() == [1, 2, 0, 0, 1, 2, 1]
    with pytest.raises(DataValueError, match="B, S or N") as caught:
        aggressor_codes(pa.array(["B", "X"]), ref)
    assert caught.value.row == 2


def test_trade_ids_keep_text_and_blank_means_none() -> None:
    ref = ColumnRef("ticks.csv", "trade_id", 1)
    assert trade_ids(pa.array(["T-1", None, "  "]), ref).tolist() == ["T-1", None, None]
    with pytest.raises(DataValueError, match="printable ASCII"):
        trade_ids(pa.array(["체결-1"]), ref)
    with pytest.raises(DataValueError, match="longer than 64"):
        trade_ids(pa.array(["x" * 65]), ref)
