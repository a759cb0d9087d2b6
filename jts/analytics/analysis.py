"""One pass over a run's results: the daily series, the drawdowns and the statistics together.

`analyse` is what the backtest runner calls; the report renders an `Analysis`, so the numbers
in ``stats.json`` and in ``report.html`` come from the same computation and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jts.analytics import ratios
from jts.analytics.activity import FillLike, exposure, turnover
from jts.analytics.curve import Curve, DailyEquity, ExactValue
from jts.analytics.drawdown import (
    DrawdownPeriod,
    DrawdownSeries,
    deepest,
    drawdown_periods,
    drawdown_series,
    longest,
)
from jts.analytics.returns import (
    DailyReturns,
    MonthlyReturns,
    benchmark_returns,
    daily_returns,
    monthly_returns,
    simple_return,
)
from jts.analytics.stats import PerformanceStats
from jts.analytics.trades import RoundTrip, TradeStats, trade_stats

Timestamps = Sequence[int] | npt.NDArray[np.int64]
Values = Sequence[ExactValue] | npt.NDArray[np.integer]


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the report draws, computed once."""

    daily: DailyEquity
    returns: DailyReturns
    benchmark: DailyReturns | None
    drawdown: DrawdownSeries
    drawdowns: tuple[DrawdownPeriod, ...]
    monthly: MonthlyReturns
    trades: tuple[RoundTrip, ...]
    trade_stats: TradeStats
    stats: PerformanceStats


def analyse(
    timestamps_ns: Timestamps,
    equity: Values,
    *,
    benchmark: tuple[Timestamps, Values] | None = None,
    trades: Sequence[RoundTrip] = (),
    fills: Sequence[FillLike] = (),
    risk_free: float = 0.0,
    periods_per_year: int = 252,
) -> Analysis:
    """Analyse an equity curve (int ns UTC timestamps, exact values in the account currency).

    ``benchmark`` is a (timestamps, levels) pair, e.g. an index's closes; ``trades`` are the
    closed round trips and ``fills`` every execution (for exposure and turnover). ``risk_free``
    is an annual rate; ``periods_per_year`` annualises the daily figures (252 KRX days).
    """
    ratios.check_periods_per_year(periods_per_year)
    ratios.check_risk_free(risk_free)
    daily = Curve.of(timestamps_ns, equity).daily()
    returns = daily_returns(daily)
    bench: DailyReturns | None = None
    if benchmark is not None:
        bench_ts, bench_values = benchmark
        bench_curve = Curve.of(bench_ts, bench_values, what="benchmark")
        bench = benchmark_returns(daily, bench_curve)
    dd = drawdown_series(daily)
    periods = drawdown_periods(dd)
    trips = tuple(trades)
    t_stats = trade_stats(trips)
    stats = _stats(
        daily=daily,
        returns=returns,
        bench=bench,
        dd=dd,
        periods=periods,
        t_stats=t_stats,
        fills=fills,
        risk_free=risk_free,
        periods_per_year=periods_per_year,
    )
    return Analysis(
        daily=daily,
        returns=returns,
        benchmark=bench,
        drawdown=dd,
        drawdowns=periods,
        monthly=monthly_returns(daily),
        trades=trips,
        trade_stats=t_stats,
        stats=stats,
    )


def compute_stats(
    timestamps_ns: Timestamps,
    equity: Values,
    *,
    benchmark: tuple[Timestamps, Values] | None = None,
    trades: Sequence[RoundTrip] = (),
    fills: Sequence[FillLike] = (),
    risk_free: float = 0.0,
    periods_per_year: int = 252,
) -> PerformanceStats:
    """The statistics of `analyse` alone."""
    return analyse(
        timestamps_ns,
        equity,
        benchmark=benchmark,
        trades=trades,
        fills=fills,
        risk_free=risk_free,
        periods_per_year=periods_per_year,
    ).stats


def _stats(
    *,
    daily: DailyEquity,
    returns: DailyReturns,
    bench: DailyReturns | None,
    dd: DrawdownSeries,
    periods: tuple[DrawdownPeriod, ...],
    t_stats: TradeStats,
    fills: Sequence[FillLike],
    risk_free: float,
    periods_per_year: int,
) -> PerformanceStats:
    r = returns.values
    total = simple_return(daily.final, daily.opening)
    cagr = ratios.cagr(total, r.size, periods_per_year)
    max_dd = dd.max_drawdown
    alpha, beta = (
        ratios.alpha_beta(r, bench.values, periods_per_year)
        if bench is not None
        else (ratios.NAN, ratios.NAN)
    )
    deepest_period, longest_period = deepest(periods), longest(periods)
    turn = turnover(daily, fills)
    return PerformanceStats(
        start_date=daily.days[0].isoformat(),
        end_date=daily.days[-1].isoformat(),
        days=len(daily),
        periods_per_year=periods_per_year,
        risk_free=float(risk_free),
        currency=None if daily.currency is None else daily.currency.code,
        start_equity=daily.opening,
        final_equity=daily.final,
        total_return=total,
        cagr=cagr,
        volatility=ratios.volatility(r, periods_per_year),
        sharpe=ratios.sharpe(r, risk_free, periods_per_year),
        sortino=ratios.sortino(r, risk_free, periods_per_year),
        calmar=ratios.calmar(cagr, max_dd),
        best_day=float(r.max()),
        worst_day=float(r.min()),
        max_drawdown=max_dd,
        max_drawdown_days=0 if deepest_period is None else deepest_period.days,
        longest_drawdown_days=0 if longest_period is None else longest_period.days,
        win_rate=ratios.win_rate(r),
        profit_factor=ratios.profit_factor(r),
        avg_win=ratios.avg_win(r),
        avg_loss=ratios.avg_loss(r),
        payoff_ratio=ratios.payoff_ratio(r),
        alpha=alpha,
        beta=beta,
        fills=len(fills),
        exposure=exposure(daily, fills),
        turnover=turn,
        annual_turnover=turn * periods_per_year / len(daily),
        round_trips=t_stats.count,
        winning_trades=t_stats.wins,
        losing_trades=t_stats.losses,
        trade_win_rate=t_stats.win_rate,
        trade_profit_factor=t_stats.profit_factor,
        gross_profit=t_stats.gross_profit,
        gross_loss=t_stats.gross_loss,
        net_trade_pnl=t_stats.net_pnl,
        avg_trade_win=t_stats.avg_win,
        avg_trade_loss=t_stats.avg_loss,
    )
