"""Performance analytics of an equity curve and its trades, and the HTML report.

The usual path: ``analysis = analyse(timestamps_ns, equity, trades=..., fills=...)``, then
``analysis.stats.to_dict()`` for ``stats.json`` and ``write_report(path, analysis)`` for
``report.html``. Inputs are exact (int, Decimal, Money); floats appear only in the ratios.
The package depends on the domain, numpy and (for the report) Jinja2; nothing else.
"""

from __future__ import annotations

from jts.analytics.activity import Fill, FillLike, exposure, turnover
from jts.analytics.analysis import Analysis, analyse, compute_stats
from jts.analytics.curve import Curve, DailyEquity, ExactValue, daily_equity
from jts.analytics.drawdown import DrawdownPeriod, DrawdownSeries, drawdown_periods, drawdown_series
from jts.analytics.errors import AnalyticsInputError
from jts.analytics.report import SweepGrid, render_report, write_report
from jts.analytics.returns import (
    DailyReturns,
    MonthlyReturns,
    benchmark_returns,
    daily_returns,
    monthly_returns,
)
from jts.analytics.stats import PerformanceStats
from jts.analytics.trades import (
    RoundTrip,
    TradeStats,
    round_trips_from_position_events,
    trade_stats,
)

__all__ = [
    "Analysis",
    "AnalyticsInputError",
    "Curve",
    "DailyEquity",
    "DailyReturns",
    "DrawdownPeriod",
    "DrawdownSeries",
    "ExactValue",
    "Fill",
    "FillLike",
    "MonthlyReturns",
    "PerformanceStats",
    "RoundTrip",
    "SweepGrid",
    "TradeStats",
    "analyse",
    "benchmark_returns",
    "compute_stats",
    "daily_equity",
    "daily_returns",
    "drawdown_periods",
    "drawdown_series",
    "exposure",
    "monthly_returns",
    "render_report",
    "round_trips_from_position_events",
    "trade_stats",
    "turnover",
    "write_report",
]
