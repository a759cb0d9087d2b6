from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from jts.analytics.curve import Curve, daily_equity, kst_day_number
from jts.analytics.errors import AnalyticsInputError
from jts.core.errors import CurrencyMismatchError, InvalidInputError
from jts.core.time import dt_to_ns, kst_to_ns
from jts.domain.values import KRW, USD, Money, Price, Quantity

from .builders import curve


def utc(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return dt_to_ns(dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC))


def test_days_are_kst_calendar_days_not_utc_days() -> None:
    # 2024-01-02 14:59 UTC is 23:59 KST on the 2nd; 15:00 UTC is 00:00 KST on the 3rd
    ts = [utc(2024, 1, 1, 23, 0), utc(2024, 1, 2, 14, 59), utc(2024, 1, 2, 15, 0)]
    daily = daily_equity(ts, [100, 110, 120])
    assert daily.days == (dt.date(2024, 1, 2), dt.date(2024, 1, 3))
    assert daily.closes == (Decimal(110), Decimal(120))
    assert kst_day_number(utc(2024, 1, 2, 15, 0)) - kst_day_number(utc(2024, 1, 2, 14, 59)) == 1


def test_intraday_points_collapse_to_the_days_last_value() -> None:
    day = dt.date(2024, 3, 4)
    ts = [kst_to_ns(day, t) for t in ("090000", "100000", "153000")]
    ts.append(kst_to_ns(day + dt.timedelta(days=1), "120000"))
    daily = daily_equity(ts, [1000, 900, 1100, 1050])
    assert daily.days == (day, day + dt.timedelta(days=1))
    assert daily.closes == (Decimal(1100), Decimal(1050))
    assert daily.opening == 1000
    assert daily.opening_ns == ts[0]
    assert daily.close_ns == (ts[2], ts[3])


def test_equal_timestamps_keep_the_later_point() -> None:
    ts = [kst_to_ns(dt.date(2024, 1, 2), "090000")] * 3
    assert daily_equity(ts, [100, 101, 102]).closes == (Decimal(102),)


def test_single_point_is_one_day_whose_close_is_the_opening() -> None:
    daily = daily_equity([kst_to_ns(dt.date(2024, 1, 2), "090000")], [5_000_000])
    assert len(daily) == 1
    assert daily.opening == daily.final == 5_000_000


def test_accepts_every_exact_type_and_keeps_the_currency() -> None:
    ts, _ = curve(1, [1, 1, 1, 1])
    money = [Money("100.50", USD), Money("101", USD), Money("99.99", USD), Money("100", USD)]
    daily = daily_equity(ts, [*money, Money("1", USD)])
    assert daily.currency == USD
    assert daily.opening == Decimal("100.50")
    mixed = daily_equity(ts, [100, Decimal("100.5"), Price("101.25"), Quantity("7"), np.int64(9)])
    assert mixed.closes == (Decimal("100.5"), Decimal("101.25"), Decimal(7), Decimal(9))
    assert mixed.currency is None


def test_numpy_arrays_are_accepted() -> None:
    ts, eq = curve(1_000, [1_010, 990])
    daily = daily_equity(np.asarray(ts, dtype=np.int64), np.asarray(eq, dtype=np.int64))
    assert daily.closes == (Decimal(1010), Decimal(990))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([100, 100.5, 101], "value #1"),
        ([100, True, 101], "bool"),
        ([100, "101", 102], "not exact"),
        ([100, Decimal("NaN"), 102], "finite"),
    ],
)
def test_refuses_inexact_values_naming_the_index(values: list[object], message: str) -> None:
    ts, _ = curve(1, [1, 1])
    with pytest.raises(AnalyticsInputError, match=message):
        daily_equity(ts, values)  # type: ignore[arg-type]


def test_refuses_unsorted_timestamps_naming_both_points() -> None:
    ts, eq = curve(100, [101, 102, 103])
    ts[2], ts[3] = ts[3], ts[2]
    with pytest.raises(AnalyticsInputError, match=r"#3 \(2024-01-03T06:30:00.000000000Z\)"):
        daily_equity(ts, eq)


@pytest.mark.parametrize(
    "timestamps",
    [[0, 1.5], [0, True], [0, 2**63], np.asarray([0.0, 1.0])],
    ids=["float", "bool", "overflow", "float-array"],
)
def test_refuses_malformed_timestamps(timestamps: object) -> None:
    with pytest.raises(AnalyticsInputError, match="timestamp"):
        daily_equity(timestamps, [1, 2])  # type: ignore[arg-type]


def test_refuses_float_arrays_and_unsigned_overflow() -> None:
    ts, _ = curve(1, [1])
    with pytest.raises(AnalyticsInputError, match="values must be a 1-D integer array"):
        daily_equity(ts, np.asarray([1.0, 2.0]))
    with pytest.raises(AnalyticsInputError, match="overflows int64"):
        daily_equity(np.asarray([0, 2**63], dtype=np.uint64), [1, 2])


def test_refuses_empty_and_mismatched_inputs() -> None:
    with pytest.raises(AnalyticsInputError, match="empty"):
        daily_equity([], [])
    with pytest.raises(AnalyticsInputError, match="2 timestamps but 1 values"):
        daily_equity([1, 2], [1])


def test_refuses_mixed_currencies() -> None:
    ts, _ = curve(1, [1])
    with pytest.raises(CurrencyMismatchError, match="value #1 is in KRW"):
        daily_equity(ts, [Money("1", USD), Money("1", KRW)])


def test_a_non_positive_base_is_refused_but_ending_at_zero_is_a_loss() -> None:
    ts, _ = curve(1, [1, 1, 1])
    with pytest.raises(AnalyticsInputError, match=r"value 0 at .* is not positive"):
        daily_equity(ts, [100, 50, 0, 10])
    with pytest.raises(AnalyticsInputError, match="value -5"):
        daily_equity(ts, [-5, 50, 60, 10])
    assert daily_equity(ts, [100, 50, 10, 0]).final == 0


def test_errors_are_invalid_input() -> None:
    assert issubclass(AnalyticsInputError, InvalidInputError)


def test_as_of_reads_the_last_value_at_or_before_each_instant() -> None:
    raw = Curve.of([10, 20, 20, 30], [1, 2, 3, 4])
    assert raw.as_of([5, 10, 20, 25, 99]) == [None, 1, 3, 3, 4]
