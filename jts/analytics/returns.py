"""Daily, monthly and yearly returns of a daily equity curve, and a benchmark's on the same days.

Each return is computed from the exact closes and rounded to float once, so a month's return is
the month-end close over the previous month-end close, not a product of rounded daily floats.
Returns compound: chaining the daily returns of a month gives its monthly return (to float
rounding), which is the convention quantstats uses for its monthly table and its drawdowns.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt

from jts.analytics.curve import Curve, DailyEquity

MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def simple_return(value: Decimal, base: Decimal) -> float:
    """``value / base - 1`` computed exactly and rounded once."""
    return float((Fraction(value) - Fraction(base)) / Fraction(base))


def _frozen(values: list[float]) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, slots=True)
class DailyReturns:
    """One simple return per KST day of the curve: day one is measured from the opening value.

    ``values`` is read-only so that a shared result cannot be edited under another reader.
    """

    days: tuple[dt.date, ...]
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.days)


def daily_returns(daily: DailyEquity) -> DailyReturns:
    """``close[i] / close[i-1] - 1``, with the opening value standing in for ``close[-1]``."""
    bases = (daily.opening, *daily.closes[:-1])
    return DailyReturns(
        daily.days, _frozen([simple_return(c, b) for c, b in zip(daily.closes, bases, strict=True)])
    )


def benchmark_returns(daily: DailyEquity, benchmark: Curve) -> DailyReturns:
    """The benchmark's return over each of the strategy's day spans; NaN where it is unknown.

    The span of day ``i`` runs from the strategy's previous close instant (the opening instant
    for day one) to this day's close instant, and the benchmark is read *as of* both instants
    (its last point at or before them). So an index stamped at 15:30 KST lines up with a curve
    sampled every minute, and a benchmark that starts later leaves NaN (skipped when pairing)
    rather than a made-up zero. A benchmark without a point on a strategy day carries its last
    value, i.e. reads as a zero return that day: give a benchmark that covers the run.
    """
    instants = (daily.opening_ns, *daily.close_ns)
    levels = benchmark.as_of(instants)
    values: list[float] = []
    for base, level in itertools.pairwise(levels):
        if base is None or level is None or base <= 0:
            values.append(float("nan"))
        else:
            values.append(simple_return(level, base))
    return DailyReturns(daily.days, _frozen(values))


@dataclass(frozen=True, slots=True)
class MonthlyReturns:
    """Compounded returns per calendar month (KST) and per year.

    ``rows[k][m]`` is the return of month ``m + 1`` of ``years[k]``, or None for a month the
    curve has no day in (quantstats shows such months as 0, which reads as a flat month that
    never happened). ``year_totals[k]`` covers the days of that year in the curve.
    """

    years: tuple[int, ...]
    rows: tuple[tuple[float | None, ...], ...]
    year_totals: tuple[float, ...]

    def cell(self, year: int, month: int) -> float | None:
        return self.rows[self.years.index(year)][month - 1]


def monthly_returns(daily: DailyEquity) -> MonthlyReturns:
    """Month-end close over the previous month-end close (the opening for the first month)."""
    month_ends: dict[tuple[int, int], Decimal] = {}
    year_ends: dict[int, Decimal] = {}
    for day, close in zip(daily.days, daily.closes, strict=True):
        month_ends[(day.year, day.month)] = close
        year_ends[day.year] = close
    years = tuple(year_ends)
    grid: dict[int, list[float | None]] = {year: [None] * 12 for year in years}
    base = daily.opening
    for (year, month), close in month_ends.items():
        grid[year][month - 1] = simple_return(close, base)
        base = close
    totals: list[float] = []
    base = daily.opening
    for year in years:
        totals.append(simple_return(year_ends[year], base))
        base = year_ends[year]
    return MonthlyReturns(years, tuple(tuple(grid[year]) for year in years), tuple(totals))
