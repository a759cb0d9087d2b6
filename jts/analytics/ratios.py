"""Return-based statistics on daily float returns, with quantstats' conventions.

Each function matches the quantstats (``quantstats.stats``) function of the same name to float
rounding, so a figure can be checked against the reference everyone knows. Where quantstats
answers an undefined question with a number, we answer NaN instead (shown as "n/a", JSON null),
because a made-up 0 or infinity reads as a real result:

============  ==========================================  ============================
statistic     quantstats                                  here
============  ==========================================  ============================
sharpe        all returns equal -> mean / 0 = +-inf        NaN (no volatility, no ratio)
win_rate      no non-zero return -> 0.0                    NaN
profit_factor no wins and no losses -> 0.0                 NaN
calmar        no drawdown -> cagr / 0 = inf                NaN
alpha, beta   benchmark without variance -> 0.0            NaN
risk-free     a negative rate is silently ignored          applied like a positive one
============  ==========================================  ============================

Conventions kept from quantstats: volatility and Sharpe use the sample standard deviation
(``ddof=1``) and annualise by ``sqrt(periods_per_year)``; the risk-free rate is annual and
de-annualised geometrically, ``(1 + rf) ** (1 / periods_per_year) - 1`` per period; Sortino's
downside deviation is ``sqrt(sum(min(r, 0) ** 2) / n)`` over *all* ``n`` returns; CAGR's year
fraction is the number of returns over ``periods_per_year`` (market days, not calendar days);
win rate ignores zero returns; profit factor counts zero returns as (empty) wins; volatility,
CAGR, alpha and beta are computed on raw returns (the risk-free rate enters Sharpe and Sortino
only).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from jts.analytics.errors import AnalyticsInputError

FloatArray = npt.NDArray[np.float64]
NAN = float("nan")


def check_periods_per_year(periods_per_year: int) -> None:
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int):
        raise AnalyticsInputError(f"periods_per_year must be an int, got {periods_per_year!r}")
    if periods_per_year <= 0:
        raise AnalyticsInputError(f"periods_per_year must be positive, got {periods_per_year}")


def check_risk_free(risk_free: float) -> None:
    if isinstance(risk_free, bool) or not isinstance(risk_free, int | float):
        raise AnalyticsInputError(f"risk_free must be a number, got {risk_free!r}")
    if not math.isfinite(risk_free) or risk_free <= -1.0:
        raise AnalyticsInputError(f"risk_free is an annual rate above -100 %, got {risk_free!r}")


def excess_returns(returns: FloatArray, risk_free: float, periods_per_year: int) -> FloatArray:
    """Returns less the per-period risk-free rate (geometric de-annualisation)."""
    if risk_free == 0:
        return returns
    per_period = (1.0 + risk_free) ** (1.0 / periods_per_year) - 1.0
    excess: FloatArray = returns - per_period
    return excess


def cagr(total_return: float, periods: int, periods_per_year: int) -> float:
    """``(1 + total) ** (1 / years) - 1`` with ``years = periods / periods_per_year``."""
    if periods == 0:
        return NAN
    wealth = 1.0 + total_return
    if wealth < 0:
        return NAN
    return float(wealth ** (periods_per_year / periods) - 1.0)


def volatility(returns: FloatArray, periods_per_year: int) -> float:
    """Annualised sample standard deviation; NaN below two returns."""
    if returns.size < 2:
        return NAN
    return float(np.std(returns, ddof=1) * math.sqrt(periods_per_year))


def _constant(values: FloatArray) -> bool:
    """All equal: the standard deviation is zero in exact arithmetic, whatever float noise
    the two-pass formula leaves (quantstats then divides by that noise or by zero)."""
    return bool(np.all(values == values[0]))


def sharpe(returns: FloatArray, risk_free: float, periods_per_year: int) -> float:
    """``mean(excess) / std(excess, ddof=1) * sqrt(periods_per_year)``."""
    if returns.size < 2:
        return NAN
    excess = excess_returns(returns, risk_free, periods_per_year)
    if _constant(excess):
        return NAN
    ratio = np.mean(excess) / np.std(excess, ddof=1)
    return float(ratio * math.sqrt(periods_per_year))


def sortino(returns: FloatArray, risk_free: float, periods_per_year: int) -> float:
    """``mean(excess) / downside deviation * sqrt(periods_per_year)``; NaN without losses."""
    if returns.size == 0:
        return NAN
    excess = excess_returns(returns, risk_free, periods_per_year)
    negative = excess[excess < 0]
    downside = math.sqrt(float(np.sum(negative**2)) / excess.size)
    if downside == 0:
        return NAN
    return float(np.mean(excess) / downside * math.sqrt(periods_per_year))


def calmar(cagr_value: float, max_drawdown: float) -> float:
    """CAGR over the size of the maximum drawdown; NaN when there was no drawdown."""
    if max_drawdown == 0 or math.isnan(cagr_value):
        return NAN
    return cagr_value / abs(max_drawdown)


def win_rate(returns: FloatArray) -> float:
    """Share of positive returns among the non-zero ones."""
    moved = int(np.count_nonzero(returns))
    if moved == 0:
        return NAN
    return int(np.count_nonzero(returns > 0)) / moved


def profit_factor(returns: FloatArray) -> float:
    """Sum of gains over the size of the sum of losses; inf when nothing was lost."""
    gains = float(np.sum(returns[returns >= 0]))
    losses = abs(float(np.sum(returns[returns < 0])))
    if losses == 0:
        return NAN if gains == 0 else math.inf
    return gains / losses


def avg_win(returns: FloatArray) -> float:
    wins = returns[returns > 0]
    return float(np.mean(wins)) if wins.size else NAN


def avg_loss(returns: FloatArray) -> float:
    """Mean of the negative returns (a negative number)."""
    losses = returns[returns < 0]
    return float(np.mean(losses)) if losses.size else NAN


def payoff_ratio(returns: FloatArray) -> float:
    """Average win over the size of the average loss."""
    win, loss = avg_win(returns), avg_loss(returns)
    if math.isnan(loss):
        return NAN
    return win / abs(loss)


def alpha_beta(
    returns: FloatArray, benchmark: FloatArray, periods_per_year: int
) -> tuple[float, float]:
    """CAPM beta (sample covariance over benchmark variance) and annualised alpha
    (``(mean(r) - beta * mean(b)) * periods_per_year``, arithmetic as in quantstats), over the
    days where both returns are known."""
    if returns.shape != benchmark.shape:
        raise AnalyticsInputError(
            f"returns ({returns.size}) and benchmark ({benchmark.size}) differ in length"
        )
    paired = ~(np.isnan(returns) | np.isnan(benchmark))
    r, b = returns[paired], benchmark[paired]
    if r.size < 2 or _constant(b):
        return NAN, NAN
    matrix = np.cov(r, b)
    beta = float(matrix[0, 1] / matrix[1, 1])
    alpha = float((np.mean(r) - beta * np.mean(b)) * periods_per_year)
    return alpha, beta
