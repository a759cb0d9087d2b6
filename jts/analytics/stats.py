"""`PerformanceStats`: every figure of a run in one immutable record with a JSON form.

Ratios are floats (statistics, not money); the run's starting and final equity and the trade
PnL sums are exact `Decimal` and travel as decimal strings in `to_dict`, so ``final_equity``
reads back to the won. A figure that is undefined for the run (Sharpe of one day, alpha without
a benchmark) is NaN in the record and ``null`` in the dict; an infinite profit factor (gains and
no losses) is ``inf`` in the record and also ``null`` in the dict, since JSON has neither: the
dict is strict JSON (``json.dumps(..., allow_nan=False)`` accepts it).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class PerformanceStats:
    """See `jts.analytics.ratios` for each ratio's definition and its quantstats parity."""

    # the run
    start_date: str  # KST calendar day of the first equity point, ISO
    end_date: str
    days: int  # daily returns (= KST days with an equity point)
    periods_per_year: int
    risk_free: float
    currency: str | None
    start_equity: Decimal
    final_equity: Decimal
    # returns
    total_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    calmar: float
    best_day: float
    worst_day: float
    # drawdown
    max_drawdown: float  # <= 0
    max_drawdown_days: int  # calendar days of the drawdown holding the maximum depth
    longest_drawdown_days: int
    # days
    win_rate: float
    profit_factor: float
    avg_win: float
    avg_loss: float
    payoff_ratio: float
    # benchmark
    alpha: float
    beta: float
    # activity
    fills: int
    exposure: float
    turnover: float
    annual_turnover: float
    # round trips
    round_trips: int
    winning_trades: int
    losing_trades: int
    trade_win_rate: float
    trade_profit_factor: float
    gross_profit: Decimal
    gross_loss: Decimal
    net_trade_pnl: Decimal
    avg_trade_win: float
    avg_trade_loss: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types in field order; the same stats give the same dict, key by key."""
        result: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float):
                result[field.name] = value if math.isfinite(value) else None
            elif isinstance(value, Decimal):
                result[field.name] = format(value, "f")  # never exponent notation
            else:
                result[field.name] = value
        return result
