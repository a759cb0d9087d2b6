"""Volatility and bands: true range, ATR, NATR, Bollinger, Keltner, Donchian.

Conventions:

* True range (TA-Lib TRANGE) = ``max(high - low, |high - prev close|, |low - prev close|)``; it
  needs a previous close, so its lookback is 1.
* ATR uses Wilder's smoothing, as TA-Lib: the first value, at index ``period``, is the plain mean
  of the first ``period`` true ranges (bars 1..period); later ones are
  ``(prev * (period-1) + tr) / period``. NATR = ``ATR / close * 100`` (0.0 on a zero close).
* Bollinger bands: middle = SMA(period), bands = middle -/+ ``nbdev`` population standard
  deviations (see `statistics` for how the deviation is computed). Only the SMA middle (TA-Lib's
  default MA type).
* Keltner channels (not in TA-Lib): middle = EMA(close, period), bands = middle -/+
  ``multiplier * ATR(atr_period)`` (the StockCharts definition). All outputs start when both the
  EMA and the ATR have: lookback ``max(period - 1, atr_period)``.
* Donchian channels (not in TA-Lib): upper = highest high, lower = lowest low over ``period``
  bars, current bar included (so ``close > upper[1]`` is the breakout test), middle = their mean.
"""

from __future__ import annotations

import math
from math import isnan

import numpy as np

from jts.indicators.base import NAN, FloatArray, Indicator, MultiIndicator
from jts.indicators.jit import lazy_njit
from jts.indicators.moving_averages import EMA, SMA
from jts.indicators.params import FloatParam, period_param
from jts.indicators.statistics import RollingMoments, moments_kernel
from jts.indicators.windows import RollingMax, RollingMin, rolling_max, rolling_min

# -- true range / ATR ---------------------------------------------------------------------------


def true_range(high: float, low: float, prev_close: float) -> float:
    greatest = high - low
    up = abs(prev_close - high)
    greatest = max(greatest, up)
    down = abs(low - prev_close)
    greatest = max(greatest, down)
    return greatest


@lazy_njit
def atr_kernel(high: FloatArray, low: FloatArray, close: FloatArray, period: int) -> FloatArray:
    n = high.shape[0]
    out = np.full(n, np.nan)
    acc = 0.0
    prev = 0.0
    for i in range(1, n):
        tr = high[i] - low[i]
        up = abs(close[i - 1] - high[i])
        tr = max(tr, up)
        down = abs(low[i] - close[i - 1])
        tr = max(tr, down)
        if i < period:
            acc += tr
        elif i == period:
            acc += tr
            prev = acc / period
            out[i] = prev
        else:
            prev *= period - 1
            prev += tr
            prev /= period
            out[i] = prev
    return out


class TrueRange(Indicator):
    """True range: the bar's range extended to the previous close."""

    name = "trange"
    title = "True Range"
    talib = "TRANGE"
    inputs = ("high", "low", "close")

    __slots__ = ("_prev",)

    def _compute_lookback(self) -> int:
        return 1

    def reset(self) -> None:
        super().reset()
        self._prev = 0.0

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        self._count += 1
        if self._count > 1:
            self._value = true_range(high, low, self._prev)
        self._prev = close
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        prev = close[:-1]
        tr = np.maximum(high[1:] - low[1:], np.abs(prev - high[1:]))
        out = np.full(high.shape[0], NAN)
        out[1:] = np.maximum(tr, np.abs(low[1:] - prev))
        return (out,)


class ATR(Indicator):
    """Average true range with Wilder's smoothing."""

    name = "atr"
    title = "Average True Range"
    talib = "ATR"
    inputs = ("high", "low", "close")
    period = period_param(14)

    __slots__ = ("_acc", "_n", "_prev")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._n = self.period
        self._acc = 0.0
        self._prev = 0.0

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        prev_close = self._prev
        self._prev = close
        if count == 1:
            return self._value
        tr = true_range(high, low, prev_close)
        n = self._n
        if count <= n:
            self._acc += tr
        elif count == n + 1:
            self._acc += tr
            self._value = self._acc / n
        else:
            value = self._value * (n - 1)
            value += tr
            self._value = value / n
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        return (atr_kernel(high, low, close, self.period),)


class NATR(Indicator):
    """ATR as a percentage of the close, comparable across price levels."""

    name = "natr"
    title = "Normalized Average True Range"
    talib = "NATR"
    inputs = ("high", "low", "close")
    period = period_param(14)

    __slots__ = ("_atr",)

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._atr = ATR(self.period)

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        self._count += 1
        atr = self._atr.update(high, low, close)
        if not isnan(atr):
            self._value = (atr / close) * 100.0 if close != 0.0 else 0.0
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        atr = atr_kernel(high, low, close, self.period)
        out = np.divide(atr, close, out=np.zeros_like(atr), where=close != 0.0) * 100.0
        out[np.isnan(atr)] = NAN
        return (out,)


# -- bands --------------------------------------------------------------------------------------


class BollingerBands(MultiIndicator):
    """SMA with bands ``nbdev`` standard deviations above and below."""

    name = "bbands"
    title = "Bollinger Bands"
    talib = "BBANDS"
    outputs = ("upper", "middle", "lower")
    period = period_param(20)
    nbdev_up = FloatParam(2.0, minimum=0.0, doc="deviations above the middle")
    nbdev_dn = FloatParam(2.0, minimum=0.0, doc="deviations below the middle")

    __slots__ = ("_moments", "_sma")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._sma = SMA(self.period)
        self._moments = RollingMoments(self.period)

    def update(self, close: float) -> tuple[float, ...]:
        if isnan(close):
            self._missing()
            return self._values
        self._count += 1
        middle = self._sma.update(close)
        self._moments.push(close)
        if not isnan(middle):
            std = math.sqrt(self._moments.var)
            self._values = (middle + std * self.nbdev_up, middle, middle - std * self.nbdev_dn)
        return self._values

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        middle = SMA.compute(close, period=self.period)
        std = np.sqrt(moments_kernel(close, self.period)[1])
        return middle + std * self.nbdev_up, middle, middle - std * self.nbdev_dn


class KeltnerChannels(MultiIndicator):
    """EMA with bands ``multiplier`` ATRs above and below."""

    name = "keltner"
    title = "Keltner Channels"
    inputs = ("high", "low", "close")
    outputs = ("upper", "middle", "lower")
    period = period_param(20, doc="EMA period of the middle line")
    atr_period = period_param(10, doc="ATR period of the band width")
    multiplier = FloatParam(2.0, minimum=0.0, min_inclusive=False, doc="ATRs from the middle")

    __slots__ = ("_atr", "_ema")

    def _compute_lookback(self) -> int:
        return max(self.period - 1, self.atr_period)

    def reset(self) -> None:
        super().reset()
        self._ema = EMA(self.period)
        self._atr = ATR(self.atr_period)

    def update(self, high: float, low: float, close: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._values
        self._count += 1
        middle = self._ema.update(close)
        width = self._atr.update(high, low, close) * self.multiplier
        if not isnan(middle) and not isnan(width):
            self._values = (middle + width, middle, middle - width)
        return self._values

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        middle = EMA.compute(close, period=self.period)
        width = atr_kernel(high, low, close, self.atr_period) * self.multiplier
        middle[np.isnan(width)] = NAN
        return middle + width, middle, middle - width


class DonchianChannels(MultiIndicator):
    """Highest high and lowest low of the last ``period`` bars, and their midpoint."""

    name = "donchian"
    title = "Donchian Channels"
    inputs = ("high", "low")
    outputs = ("upper", "middle", "lower")
    period = period_param(20)

    __slots__ = ("_hi", "_lo")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._hi = RollingMax(self.period)
        self._lo = RollingMin(self.period)

    def update(self, high: float, low: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low):
            self._missing()
            return self._values
        self._count += 1
        upper = self._hi.push(high)
        lower = self._lo.push(low)
        if self._count >= self.period:
            self._values = (upper, (upper + lower) / 2.0, lower)
        return self._values

    def _vectorised(
        self, high: FloatArray, low: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        upper = rolling_max(high, self.period)
        lower = rolling_min(low, self.period)
        return upper, (upper + lower) / 2.0, lower
