from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest

from jts.analytics.curve import Curve, daily_equity
from jts.analytics.returns import (
    benchmark_returns,
    daily_returns,
    monthly_returns,
    simple_return,
)
from jts.core.time import kst_to_ns

from .builders import curve


def test_simple_return_is_rounded_once_from_the_exact_ratio() -> None:
    assert simple_return(1_000_000_001, 1_000_000_000) == float(Fraction(1, 1_000_000_000))  # type: ignore[arg-type]
    # the float route would give 0.10000000000000009
    assert simple_return(110, 100) == 0.1  # type: ignore[arg-type]


def test_day_one_is_measured_from_the_opening_value() -> None:
    ts, eq = curve(1_000_000, [990_000, 1_000_000, 1_030_000])
    returns = daily_returns(daily_equity(ts, eq))
    assert list(returns.values) == [-0.01, float(Fraction(10_000, 990_000)), 0.03]
    assert len(returns) == 3
    assert returns.days[0] == dt.date(2024, 1, 2)


def test_returns_are_read_only() -> None:
    ts, eq = curve(100, [101, 102])
    values = daily_returns(daily_equity(ts, eq)).values
    with pytest.raises(ValueError, match="read-only"):
        values[0] = 0.5


def _month_curve() -> tuple[list[int], list[int]]:
    points = [
        (dt.date(2023, 12, 28), "090000", 1_000),
        (dt.date(2023, 12, 28), "153000", 1_100),
        (dt.date(2024, 1, 31), "153000", 990),
        (dt.date(2024, 3, 4), "153000", 1_089),
        (dt.date(2024, 3, 29), "153000", 1_200),
    ]
    return [kst_to_ns(d, t) for d, t, _ in points], [v for _, _, v in points]


def test_monthly_returns_chain_month_end_closes_and_leave_missing_months_empty() -> None:
    monthly = monthly_returns(daily_equity(*_month_curve()))
    assert monthly.years == (2023, 2024)
    assert monthly.cell(2023, 12) == pytest.approx(0.1, rel=1e-15)
    assert monthly.cell(2024, 1) == pytest.approx(990 / 1100 - 1, rel=1e-15)
    assert monthly.cell(2024, 2) is None  # no day in February
    assert monthly.cell(2024, 3) == pytest.approx(1200 / 990 - 1, rel=1e-15)
    assert monthly.rows[0][:11] == (None,) * 11
    assert len(monthly.year_totals) == 2
    assert monthly.year_totals[0] == pytest.approx(0.1)
    assert monthly.year_totals[1] == pytest.approx(1200 / 1100 - 1)


def test_monthly_cells_compound_to_the_year_total() -> None:
    monthly = monthly_returns(daily_equity(*_month_curve()))
    product = math.prod(1 + v for v in monthly.rows[1] if v is not None)
    assert product - 1 == pytest.approx(monthly.year_totals[1], rel=1e-12)


def test_benchmark_is_read_as_of_the_strategy_close_instants() -> None:
    ts, eq = curve(1_000, [1_000, 1_000, 1_000])
    day = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]
    # index closes at 15:30 KST, plus a late 16:00 print that no span ends on
    bench_ts = [
        kst_to_ns(dt.date(2023, 12, 29), "153000"),
        kst_to_ns(day[0], "153000"),
        kst_to_ns(day[0], "160000"),
        kst_to_ns(day[1], "153000"),
        kst_to_ns(day[2], "153000"),
    ]
    bench = Curve.of(bench_ts, [200, 210, 999, 220, 198])
    values = benchmark_returns(daily_equity(ts, eq), bench).values
    assert values[0] == pytest.approx(210 / 200 - 1)  # 2023-12-29 close -> day-one close
    assert values[1] == pytest.approx(220 / 210 - 1)  # the 16:00 print is inside the span
    assert values[2] == pytest.approx(198 / 220 - 1)


def test_benchmark_starting_late_leaves_nan_not_zero() -> None:
    ts, eq = curve(1_000, [1_010, 1_020, 1_030])
    bench = Curve.of([ts[2], ts[3]], [50, 55])
    values = benchmark_returns(daily_equity(ts, eq), bench).values
    assert math.isnan(values[0])
    assert math.isnan(values[1])  # its base instant (day-one close) is before the first print
    assert values[2] == pytest.approx(0.1)
