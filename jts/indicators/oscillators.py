"""Range oscillators: Stochastic, StochRSI, Williams %R, CCI.

Conventions (TA-Lib's):

* Stochastic: raw %K = ``(close - LL) / ((HH - LL) / 100)`` over ``fastk`` bars (current bar
  included), 0.0 when the window is flat (see below); %K (slow) = SMA(raw, ``slowk``); %D = SMA(%K,
  ``slowd``). Both outputs start together at ``fastk + slowk + slowd - 3``. Only SMA smoothing
  (TA-Lib's default MA type).
* StochRSI is that stochastic applied to RSI (high = low = close = RSI). TA-Lib's STOCHRSI does not
  smooth %K: ``smooth_k=1`` (our default) reproduces it; 3 gives TradingView's version.
* Williams %R = ``(HH - close) / ((HH - LL) / -100)``, -100..0, 0.0 on a flat window.
* Flat windows. A range counts as zero when it is at most ``1e-12`` of the window's level, not
  only when it is exactly zero. Mathematically equal values computed along different paths
  (RSI on a flat stretch, typical prices in thirds) can differ in the last bit, and dividing by
  that residue would report a stochastic of 0 or 100, or a CCI of +-66, for a window that did
  not move. TA-Lib guards the same cases with an absolute epsilon.
* CCI = ``(tp - mean) / (0.015 * mean_deviation)`` with tp = (high + low + close) / 3 over
  ``period`` bars; 0.0 when the window is flat (mean deviation at most ``1e-12 * |mean|``).
  The mean absolute deviation around a moving mean has no O(1) update, so CCI is the one
  indicator here whose
  streaming update costs O(period) (a tight loop over a ring buffer, summed in TA-Lib's order).
"""

from __future__ import annotations

from math import isnan

import numpy as np

from jts.indicators.base import FLAT_REL, NAN, FloatArray, Indicator, MultiIndicator
from jts.indicators.jit import lazy_njit
from jts.indicators.momentum import RSI
from jts.indicators.moving_averages import SMA
from jts.indicators.params import period_param
from jts.indicators.windows import RollingMax, RollingMin, rolling_max, rolling_min

# -- Stochastic ---------------------------------------------------------------------------------


@lazy_njit
def range_position_kernel(
    top: FloatArray, bottom: FloatArray, close: FloatArray, flat_rel: float, williams: bool
) -> FloatArray:
    """Raw %K (or Williams %R) from rolling highs/lows; NaN where they are, 0.0 when flat."""
    n = top.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        hh = top[i]
        ll = bottom[i]
        if np.isnan(hh) or np.isnan(ll):
            continue
        span = hh - ll
        if span <= flat_rel * max(abs(hh), abs(ll)):
            out[i] = 0.0
        elif williams:
            out[i] = (hh - close[i]) / (span / -100.0)
        else:
            out[i] = (close[i] - ll) / (span / 100.0)
    return out


class Stochastic(MultiIndicator):
    """Slow stochastic oscillator %K/%D, 0..100: where the close sits in the recent range."""

    name = "stoch"
    title = "Stochastic Oscillator"
    talib = "STOCH"
    inputs = ("high", "low", "close")
    outputs = ("k", "d")
    fastk = period_param(14, doc="bars of the high-low range")
    slowk = period_param(3, doc="SMA period smoothing raw %K into %K")
    slowd = period_param(3, doc="SMA period of %D over %K")

    __slots__ = ("_d", "_hi", "_k", "_lo")

    def _compute_lookback(self) -> int:
        return self.fastk - 1 + self.slowk - 1 + self.slowd - 1

    def reset(self) -> None:
        super().reset()
        self._hi = RollingMax(self.fastk)
        self._lo = RollingMin(self.fastk)
        self._k = SMA(self.slowk)
        self._d = SMA(self.slowd)

    def update(self, high: float, low: float, close: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._values
        self._count += 1
        hh = self._hi.push(high)
        ll = self._lo.push(low)
        if self._count < self.fastk:
            return self._values
        span = hh - ll
        flat = span <= FLAT_REL * max(abs(hh), abs(ll))
        k = self._k.update(0.0 if flat else (close - ll) / (span / 100.0))
        d = self._d.update(k)
        if not isnan(d):
            self._values = (k, d)
        return self._values

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        hh, ll = rolling_max(high, self.fastk), rolling_min(low, self.fastk)
        raw = range_position_kernel(hh, ll, close, FLAT_REL, False)
        k = SMA.compute(raw, period=self.slowk)
        d = SMA.compute(k, period=self.slowd)
        k[np.isnan(d)] = NAN
        return k, d


class StochRSI(MultiIndicator):
    """Stochastic of RSI, 0..100: where RSI sits in its own recent range."""

    name = "stochrsi"
    title = "Stochastic RSI"
    talib = "STOCHRSI"
    outputs = ("k", "d")
    period = period_param(14, minimum=2, doc="RSI period")
    stoch_period = period_param(14, doc="bars of the RSI range (TA-Lib fastk)")
    smooth_k = period_param(1, doc="SMA smoothing of %K; 1 = none, as TA-Lib")
    d_period = period_param(3, doc="SMA period of %D (TA-Lib fastd)")

    __slots__ = ("_rsi", "_stoch")

    def _compute_lookback(self) -> int:
        return self.period + self.stoch_period - 1 + self.smooth_k - 1 + self.d_period - 1

    def reset(self) -> None:
        super().reset()
        self._rsi = RSI(self.period)
        self._stoch = Stochastic(self.stoch_period, self.smooth_k, self.d_period)

    def update(self, close: float) -> tuple[float, ...]:
        if isnan(close):
            self._missing()
            return self._values
        self._count += 1
        r = self._rsi.update(close)
        self._values = self._stoch.update(r, r, r)
        return self._values

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray, FloatArray]:
        r = RSI.compute(close, period=self.period)
        k, d = Stochastic.compute(
            r, r, r, fastk=self.stoch_period, slowk=self.smooth_k, slowd=self.d_period
        )
        return k, d


class WilliamsR(Indicator):
    """Williams %R, -100..0: the close relative to the top of the recent range."""

    name = "willr"
    title = "Williams %R"
    talib = "WILLR"
    inputs = ("high", "low", "close")
    period = period_param(14, minimum=2)

    __slots__ = ("_hi", "_lo")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._hi = RollingMax(self.period)
        self._lo = RollingMin(self.period)

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        self._count += 1
        hh = self._hi.push(high)
        ll = self._lo.push(low)
        if self._count >= self.period:
            span = hh - ll
            flat = span <= FLAT_REL * max(abs(hh), abs(ll))
            self._value = 0.0 if flat else (hh - close) / (span / -100.0)
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        hh, ll = rolling_max(high, self.period), rolling_min(low, self.period)
        return (range_position_kernel(hh, ll, close, FLAT_REL, True),)


# -- CCI ----------------------------------------------------------------------------------------


@lazy_njit
def cci_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, period: int, flat_rel: float
) -> FloatArray:
    n = high.shape[0]
    out = np.full(n, np.nan)
    buf = np.zeros(period)
    pos = 0
    for i in range(n):
        tp = (high[i] + low[i] + close[i]) / 3
        buf[pos] = tp
        pos += 1
        if pos == period:
            pos = 0
        if i < period - 1:
            continue
        avg = 0.0
        for j in range(period):
            avg += buf[j]
        avg /= period
        dev = 0.0
        for j in range(period):
            dev += abs(buf[j] - avg)
        flat = dev <= flat_rel * abs(avg) * period or dev == 0.0
        out[i] = 0.0 if flat else (tp - avg) / (0.015 * (dev / period))
    return out


class CCI(Indicator):
    """Commodity channel index: typical price's distance from its mean, in mean deviations."""

    name = "cci"
    title = "Commodity Channel Index"
    talib = "CCI"
    inputs = ("high", "low", "close")
    period = period_param(20, minimum=2)

    __slots__ = ("_buf", "_pos")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._buf = [0.0] * self.period
        self._pos = 0

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        self._count += 1
        n = self.period
        tp = (high + low + close) / 3
        buf = self._buf
        buf[self._pos] = tp
        self._pos = self._pos + 1 if self._pos + 1 < n else 0
        if self._count < n:
            return self._value
        avg = 0.0
        for v in buf:  # storage order, as TA-Lib sums its circular buffer
            avg += v
        avg /= n
        dev = 0.0
        for v in buf:
            dev += abs(v - avg)
        flat = dev <= FLAT_REL * abs(avg) * n or dev == 0.0
        self._value = 0.0 if flat else (tp - avg) / (0.015 * (dev / n))
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        return (cci_kernel(high, low, close, self.period, FLAT_REL),)
