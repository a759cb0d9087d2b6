"""Drawdown: how far each daily close sits below the highest value reached before it.

The running peak starts at the opening value, so a first day below the starting capital is a
drawdown (quantstats gets the same effect by prepending a phantom baseline of 1.0 to the
compounded returns). Depths are computed from the exact closes, so a close back at the old peak
is exactly 0 and ends the drawdown.

Durations follow quantstats' ``drawdown_details``: a drawdown runs from its first underwater
day to its last underwater day, and ``days`` counts calendar days inclusively
(``(end - start).days + 1``), so a one-day dip lasts 1 day and one over a weekend, Friday to
Monday, lasts 4. A drawdown still open at the end of the curve ends on the last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from jts.analytics.curve import DailyEquity


@dataclass(frozen=True, slots=True)
class DrawdownSeries:
    """Per KST day: ``close / running peak - 1`` (0 at a new high, negative below it)."""

    days: tuple[dt.date, ...]
    values: npt.NDArray[np.float64]

    @property
    def max_drawdown(self) -> float:
        """The deepest value, as a non-positive fraction (0.0 when the curve never fell)."""
        return min(0.0, float(self.values.min())) if self.values.size else 0.0


@dataclass(frozen=True, slots=True)
class DrawdownPeriod:
    """One stretch under water. ``recovered`` is False for a drawdown open at the end."""

    start: dt.date
    valley: dt.date
    end: dt.date
    days: int
    depth: float
    recovered: bool


def drawdown_series(daily: DailyEquity) -> DrawdownSeries:
    peak = Fraction(daily.opening)
    values: list[float] = []
    for close in daily.closes:
        exact = Fraction(close)
        peak = max(peak, exact)
        values.append(float((exact - peak) / peak))
    array = np.asarray(values, dtype=np.float64)
    array.flags.writeable = False
    return DrawdownSeries(daily.days, array)


def drawdown_periods(series: DrawdownSeries) -> tuple[DrawdownPeriod, ...]:
    """Every drawdown in time order (see the module docstring for the duration rule)."""
    periods: list[DrawdownPeriod] = []
    values = series.values
    count = len(series.days)
    i = 0
    while i < count:
        if values[i] >= 0.0:
            i += 1
            continue
        j = i
        while j + 1 < count and values[j + 1] < 0.0:
            j += 1
        valley = i + int(np.argmin(values[i : j + 1]))
        start, end = series.days[i], series.days[j]
        periods.append(
            DrawdownPeriod(
                start=start,
                valley=series.days[valley],
                end=end,
                days=(end - start).days + 1,
                depth=float(values[valley]),
                recovered=j + 1 < count,
            )
        )
        i = j + 1
    return tuple(periods)


def deepest(periods: tuple[DrawdownPeriod, ...]) -> DrawdownPeriod | None:
    """The drawdown holding the maximum depth (the earliest of equally deep ones)."""
    best: DrawdownPeriod | None = None
    for period in periods:
        if best is None or period.depth < best.depth:
            best = period
    return best


def longest(periods: tuple[DrawdownPeriod, ...]) -> DrawdownPeriod | None:
    """The drawdown lasting the most calendar days (the earliest of equally long ones)."""
    best: DrawdownPeriod | None = None
    for period in periods:
        if best is None or period.days > best.days:
            best = period
    return best
