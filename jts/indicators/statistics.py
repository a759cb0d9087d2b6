"""Rolling statistics: variance, standard deviation, z-score, regression slope, highest, lowest.

Conventions:

* Variance is the population variance (divide by ``period``), as TA-Lib's VAR/STDDEV, computed
  from running sums of ``x - K`` and ``(x - K)**2`` where ``K`` is the first value of the series.
  The shift changes nothing mathematically but keeps the sums small, so the subtraction
  ``E[d^2] - E[d]^2`` does not cancel away the digits that matter when prices are large and the
  window is quiet (TA-Lib sums raw values). A result below zero from rounding is clamped to 0,
  and a window of identical values (tracked as a run length, O(1)) has variance exactly 0 and
  slope exactly 0: running sums keep a rounding residue there, whose square root would
  otherwise show as a small but spurious deviation (TA-Lib zeroes it with an epsilon).
* STDDEV = ``sqrt(variance) * nbdev``. Z-score = ``(x - mean) / stddev`` over the same window,
  0.0 when the window is flat (not in TA-Lib).
* LINEARREG_SLOPE is the least-squares slope per bar over ``period`` bars, updated in O(1) from
  running sums (TA-Lib recomputes the window each bar). Lookback ``period - 1``.
* Highest/lowest (TA-Lib MAX/MIN) include the current bar; monotonic deque, O(1) amortised.
"""

from __future__ import annotations

import math
from math import isnan
from typing import ClassVar

import numpy as np

from jts.indicators.base import NAN, FloatArray, Indicator
from jts.indicators.jit import lazy_njit
from jts.indicators.params import FloatParam, period_param
from jts.indicators.windows import RollingMax, RollingMin, rolling_max, rolling_min

# -- rolling moments ----------------------------------------------------------------------------


@lazy_njit
def moments_kernel(x: FloatArray, period: int) -> tuple[FloatArray, FloatArray]:
    """(mean of x - x[0], population variance) per window; NaN while the first window fills."""
    n = x.shape[0]
    mean = np.full(n, np.nan)
    var = np.full(n, np.nan)
    shift = x[0]
    s1 = 0.0
    s2 = 0.0
    run = 0
    for i in range(n):
        run = run + 1 if i > 0 and x[i] == x[i - 1] else 1
        d = x[i] - shift
        s1 += d
        s2 += d * d
        if i >= period - 1:
            m = s1 / period
            v = s2 / period - m * m
            mean[i] = m
            var[i] = v if v > 0.0 and run < period else 0.0
            o = x[i - period + 1] - shift
            s1 -= o
            s2 -= o * o
    return mean, var


class RollingMoments:
    """Streaming twin of `moments_kernel`: shifted mean and population variance of a window."""

    __slots__ = (
        "_buf",
        "_count",
        "_last",
        "_n",
        "_pos",
        "_run",
        "_s1",
        "_s2",
        "_shift",
        "mean",
        "var",
    )

    def __init__(self, period: int) -> None:
        self._n = period
        self._buf = [0.0] * period
        self._pos = 0
        self._count = 0
        self._shift = 0.0
        self._s1 = 0.0
        self._s2 = 0.0
        self._last = 0.0
        self._run = 0
        self.mean = NAN  # of x - shift
        self.var = NAN

    def push(self, x: float) -> float:
        """Add ``x``; return ``x - shift`` (to compare with ``mean``). Sets mean/var when full."""
        self._count += 1
        if self._count == 1:
            self._shift = x
        self._run = self._run + 1 if self._count > 1 and x == self._last else 1
        self._last = x
        d = x - self._shift
        s1 = self._s1 + d
        s2 = self._s2 + d * d
        buf = self._buf
        pos = self._pos
        buf[pos] = d
        pos += 1
        if pos == self._n:
            pos = 0
        self._pos = pos
        if self._count >= self._n:
            m = s1 / self._n
            v = s2 / self._n - m * m
            self.mean = m
            self.var = v if v > 0.0 and self._run < self._n else 0.0
            o = buf[pos]
            s1 -= o
            s2 -= o * o
        self._s1 = s1
        self._s2 = s2
        return d


class VAR(Indicator):
    """Population variance over ``period`` bars."""

    name = "var"
    title = "Variance"
    talib = "VAR"
    period = period_param(20)

    __slots__ = ("_moments",)

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._moments = RollingMoments(self.period)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        self._moments.push(close)
        self._value = self._moments.var
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (moments_kernel(close, self.period)[1],)


class STDDEV(Indicator):
    """Population standard deviation over ``period`` bars, times ``nbdev``."""

    name = "stddev"
    title = "Standard Deviation"
    talib = "STDDEV"
    period = period_param(20)
    nbdev = FloatParam(1.0, minimum=0.0, min_inclusive=False, doc="multiplier")

    __slots__ = ("_moments",)

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._moments = RollingMoments(self.period)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        self._moments.push(close)
        var = self._moments.var
        if not isnan(var):
            self._value = math.sqrt(var) * self.nbdev
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (np.sqrt(moments_kernel(close, self.period)[1]) * self.nbdev,)


class ZScore(Indicator):
    """How many standard deviations the value is from its ``period``-bar mean (population)."""

    name = "zscore"
    title = "Z-Score"
    period = period_param(20, minimum=2)

    __slots__ = ("_moments",)

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._moments = RollingMoments(self.period)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        moments = self._moments
        d = moments.push(close)
        var = moments.var
        if not isnan(var):
            self._value = (d - moments.mean) / math.sqrt(var) if var > 0.0 else 0.0
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        mean, var = moments_kernel(close, self.period)
        std = np.sqrt(var)
        d = close - close[0]
        out = np.divide(d - mean, std, out=np.zeros_like(std), where=var > 0.0)
        out[np.isnan(var)] = NAN
        return (out,)


# -- linear regression slope -------------------------------------------------------------------


def _regression_constants(period: int) -> tuple[float, float]:
    """(sum of x, denominator) for x = 0..period-1."""
    sum_x = period * (period - 1) * 0.5
    sum_xx = period * (period - 1) * (2 * period - 1) / 6.0
    return sum_x, period * sum_xx - sum_x * sum_x


@lazy_njit
def slope_kernel(x: FloatArray, period: int, sum_x: float, denom: float) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    shift = x[0]
    sy = 0.0
    sxy = 0.0
    run = 0
    for i in range(n):
        run = run + 1 if i > 0 and x[i] == x[i - 1] else 1
        y = x[i] - shift
        if i < period:
            sy += y
            sxy += i * y
            if i < period - 1:
                continue
        else:
            old = x[i - period] - shift
            sxy += (period - 1) * y - (sy - old)
            sy += y - old
        out[i] = 0.0 if run >= period else (period * sxy - sum_x * sy) / denom
    return out


class LinRegSlope(Indicator):
    """Least-squares slope of the last ``period`` values, per bar."""

    name = "linreg_slope"
    title = "Linear Regression Slope"
    talib = "LINEARREG_SLOPE"
    period = period_param(14, minimum=2)

    __slots__ = ("_buf", "_denom", "_last", "_pos", "_run", "_shift", "_sum_x", "_sxy", "_sy")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._sum_x, self._denom = _regression_constants(self.period)
        self._buf = [0.0] * self.period
        self._pos = 0
        self._shift = 0.0
        self._sy = 0.0
        self._sxy = 0.0
        self._last = 0.0
        self._run = 0

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        n = self.period
        if count == 1:
            self._shift = close
        self._run = self._run + 1 if count > 1 and close == self._last else 1
        self._last = close
        y = close - self._shift
        buf = self._buf
        pos = self._pos
        old = buf[pos]  # the value leaving the window once it is full
        buf[pos] = y
        self._pos = pos + 1 if pos + 1 < n else 0
        if count <= n:
            self._sy += y
            self._sxy += (count - 1) * y
            if count < n:
                return self._value
        else:
            self._sxy += (n - 1) * y - (self._sy - old)
            self._sy += y - old
        flat = self._run >= n
        self._value = 0.0 if flat else (n * self._sxy - self._sum_x * self._sy) / self._denom
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        sum_x, denom = _regression_constants(self.period)
        return (slope_kernel(close, self.period, sum_x, denom),)


# -- highest / lowest ---------------------------------------------------------------------------


class _WindowExtreme(Indicator):
    """Shared body of `Highest` and `Lowest`: a monotonic-deque window (O(1) amortised per
    update) streaming, and the matching rolling function vectorised."""

    period = period_param(20)
    _window_type: ClassVar[type[RollingMax] | type[RollingMin]]

    __slots__ = ("_window",)

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._window = self._window_type(self.period)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        extreme = self._window.push(close)
        if self._count >= self.period:
            self._value = extreme
        return self._value

    @staticmethod
    def _rolling(values: FloatArray, period: int, /) -> FloatArray:
        raise NotImplementedError  # each subclass names its rolling function

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (self._rolling(close, self.period),)


class Highest(_WindowExtreme):
    """Highest value of the last ``period`` bars (current included)."""

    name = "highest"
    title = "Highest Value"
    talib = "MAX"
    __slots__ = ()
    _window_type = RollingMax
    _rolling = staticmethod(rolling_max)


class Lowest(_WindowExtreme):
    """Lowest value of the last ``period`` bars (current included)."""

    name = "lowest"
    title = "Lowest Value"
    talib = "MIN"
    __slots__ = ()
    _window_type = RollingMin
    _rolling = staticmethod(rolling_min)
