"""Risk statistics over a window of returns and over a set of position values.

The statistics are floats on purpose: VaR, expected shortfall, volatility and concentration
are estimates for limits and dashboards, never booked amounts. The money they are computed
from stays exact in `jts.kernel.risk.monitor`.

Conventions (the tests pin them against numpy):

* returns are simple returns of the sampled equity, ``E_t / E_(t-1) - 1``;
* historical VaR at confidence ``c`` is the loss not exceeded with probability ``c``: minus
  the ``1 - c`` quantile of the returns, interpolated linearly between order statistics as
  ``numpy.percentile`` does by default, so a figure can be checked with one numpy call;
* expected shortfall at ``c`` is minus the mean of the returns at or below that quantile (the
  tail the VaR cuts off; never empty, the worst return is always in it);
* volatility is the sample standard deviation (``n - 1``) per sampling period, not annualised,
  because the sampling period is a setting and annualising would hide it;
* concentration uses absolute position values: a short concentrates risk as a long does.

Pure functions of their arguments: no clock, no state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jts.core.errors import InvalidInputError

__all__ = [
    "Concentration",
    "concentration",
    "expected_shortfall",
    "historical_var",
    "max_drawdown",
    "quantile",
    "simple_returns",
    "volatility",
]

#: Fewer returns than this give no VaR, ES or volatility: one or two points are no estimate.
MIN_RETURNS = 2


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError(f"confidence must be between 0 and 1 (exclusive), got {confidence}")


def _finite(values: Iterable[float]) -> list[float]:
    out = [float(v) for v in values]
    for value in out:
        if not math.isfinite(value):
            raise InvalidInputError(f"returns must be finite numbers, got {value}")
    return out


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ascending values, linear between order statistics
    (numpy's default method "linear", Hyndman-Fan type 7)."""
    if not sorted_values:
        raise InvalidInputError("the quantile of no values is undefined")
    if not 0.0 <= q <= 1.0:
        raise InvalidInputError(f"quantile must be between 0 and 1, got {q}")
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    lower, upper = sorted_values[low], sorted_values[high]
    return lower + (upper - lower) * weight


def historical_var(returns: Iterable[float], confidence: float) -> float | None:
    """Value at risk as a positive fraction of equity (0.02 = a 2 % loss); None when there
    are fewer than `MIN_RETURNS` returns. Negative when even the tail is a gain."""
    _check_confidence(confidence)
    ordered = sorted(_finite(returns))
    if len(ordered) < MIN_RETURNS:
        return None
    return -quantile(ordered, 1.0 - confidence)


def expected_shortfall(returns: Iterable[float], confidence: float) -> float | None:
    """Mean loss in the tail beyond the VaR, as a positive fraction; None below
    `MIN_RETURNS` returns. Never smaller than the VaR at the same confidence."""
    _check_confidence(confidence)
    ordered = sorted(_finite(returns))
    if len(ordered) < MIN_RETURNS:
        return None
    cut = quantile(ordered, 1.0 - confidence)
    tail = [r for r in ordered if r <= cut]
    return -math.fsum(tail) / len(tail)


def volatility(returns: Iterable[float]) -> float | None:
    """Sample standard deviation of the returns per sampling period; None below 2 returns."""
    values = _finite(returns)
    n = len(values)
    if n < MIN_RETURNS:
        return None
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))


def simple_returns(equity: Iterable[Decimal | float]) -> list[float]:
    """Returns between consecutive equity points; a point at or below zero (a blown account,
    or no equity yet) starts the chain afresh instead of dividing by it."""
    out: list[float] = []
    previous: float | None = None
    for point in equity:
        value = float(point)
        if not math.isfinite(value):
            raise InvalidInputError(f"equity must be a finite number, got {point}")
        if previous is not None and previous > 0:
            out.append(value / previous - 1.0)
        previous = value if value > 0 else None
    return out


def max_drawdown(equity: Iterable[Decimal]) -> Decimal:
    """The largest fall from a running peak as a fraction of that peak (0.1 = 10 %), exact;
    zero for an empty or never-falling series. Peaks at or below zero are skipped."""
    peak: Decimal | None = None
    worst = Decimal(0)
    for value in equity:
        if peak is None or value > peak:
            peak = value
        elif peak > 0:
            worst = max(worst, (peak - value) / peak)
    return worst


@dataclass(frozen=True, slots=True)
class Concentration:
    """How much of the book sits in one name: the largest share of gross exposure (0..1) and
    the Herfindahl-Hirschman index of the shares (1/n for n equal positions, 1 for one)."""

    largest_share: float
    largest: str
    hhi: float
    positions: int


def concentration(values: Iterable[tuple[str, Decimal]]) -> Concentration | None:
    """Concentration of ``(name, signed value)`` pairs; None when nothing is held."""
    absolute = [(name, abs(value)) for name, value in values if value]
    gross = sum((v for _, v in absolute), Decimal(0))
    if not gross:
        return None
    largest_name, largest_value = max(absolute, key=lambda item: item[1])
    shares = [v / gross for _, v in absolute]
    hhi = sum((s * s for s in shares), Decimal(0))
    return Concentration(
        largest_share=float(largest_value / gross),
        largest=largest_name,
        hhi=float(hhi),
        positions=len(absolute),
    )
