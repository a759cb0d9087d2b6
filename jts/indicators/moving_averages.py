"""Moving averages: SMA, EMA, WMA, DEMA, TEMA, KAMA, HMA.

Conventions (TA-Lib's, so results match it to the last bits):

* SMA keeps a running sum: add the new value, divide, then subtract the value leaving the window.
  Lookback ``period - 1``.
* EMA uses ``k = 2 / (period + 1)`` and is seeded with the SMA of its first ``period`` values;
  the first value is at index ``period - 1`` and later ones are ``(x - prev) * k + prev``.
  TA-Lib's optional "unstable period" (extra discarded bars) is not modelled: its default is 0.
* WMA weights the newest value ``period`` and the oldest 1, updated in O(1) with TA-Lib's
  running ``periodSum``/``periodSub`` pair.
* DEMA = ``2*EMA - EMA(EMA)``; TEMA = ``3*EMA - 3*EMA(EMA) + EMA(EMA(EMA))``; each inner EMA is
  seeded by the SMA of the first values of its own input, so the lookbacks are
  ``2*(period-1)`` and ``3*(period-1)``.
* KAMA (Kaufman) with efficiency ratio over ``period`` bars and smoothing constants from
  ``fast``/``slow`` (2/30 in TA-Lib, where they are fixed); the first value, at index
  ``period``, starts from the previous price. Lookback ``period``.
* HMA (Hull, not in TA-Lib) = ``WMA(2*WMA(x, period//2) - WMA(x, period), floor(sqrt(period)))``.
  Lookback ``period - 1 + floor(sqrt(period)) - 1``.
"""

from __future__ import annotations

import math
from math import isnan

import numpy as np

from jts.indicators.base import FloatArray, Indicator
from jts.indicators.jit import lazy_njit
from jts.indicators.params import MAX_PERIOD, IntParam, period_param

# -- SMA ----------------------------------------------------------------------------------------


@lazy_njit
def sma_kernel(x: FloatArray, period: int, out: FloatArray) -> None:
    """Writes every element of ``out`` (NaN before the first full window), so the caller may
    pass ``np.empty``. The caller allocates it because an allocation inside compiled code
    compiles numpy's allocator along with the kernel, a few hundredths of a second of a
    machine's first compiled DSL run (the allocation itself costs the same either way)."""
    n = x.shape[0]
    total = 0.0
    for i in range(min(period - 1, n)):  # a short input must not write past ``out``
        out[i] = np.nan
        total += x[i]
    for i in range(period - 1, n):
        total += x[i]
        out[i] = total / period
        total -= x[i - period + 1]


class SMA(Indicator):
    """Simple moving average of the last ``period`` values."""

    name = "sma"
    title = "Simple Moving Average"
    talib = "SMA"
    period = period_param(20)

    __slots__ = ("_buf", "_n", "_pos", "_total")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._n = self.period
        self._buf = [0.0] * self._n
        self._pos = 0
        self._total = 0.0

    def update(self, close: float) -> float:
        # each attribute read once (this runs for every bar of every subscribed series)
        if isnan(close):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        buf, pos, n = self._buf, self._pos, self._n
        total = self._total + close
        buf[pos] = close
        pos += 1
        if pos == n:
            pos = 0
        self._pos = pos
        if count >= n:
            value = self._value = total / n
            self._total = total - buf[pos]  # the oldest value of the window, leaving it
            return value
        self._total = total
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        out = np.empty(close.shape[0])
        sma_kernel(close, self.period, out)
        return (out,)


# -- EMA ----------------------------------------------------------------------------------------


@lazy_njit
def ema_kernel(x: FloatArray, period: int, k: float) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    acc = 0.0
    for i in range(period):
        acc += x[i]
    prev = acc / period
    out[period - 1] = prev
    for i in range(period, n):
        prev = (x[i] - prev) * k + prev
        out[i] = prev
    return out


def ema_factor(period: int) -> float:
    return 2.0 / (period + 1)


class EMA(Indicator):
    """Exponential moving average, ``k = 2/(period+1)``, seeded with the SMA of the first values."""

    name = "ema"
    title = "Exponential Moving Average"
    talib = "EMA"
    period = period_param(20, doc="bars; the smoothing factor is 2/(period+1)")

    __slots__ = ("_acc", "_k", "_n")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._n = self.period
        self._k = ema_factor(self.period)
        self._acc = 0.0

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        if self._count > self._n:
            prev = self._value
            self._value = (close - prev) * self._k + prev
        else:
            self._acc += close
            if self._count == self._n:
                self._value = self._acc / self._n
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (ema_kernel(close, self.period, ema_factor(self.period)),)


# -- WMA ----------------------------------------------------------------------------------------


@lazy_njit
def wma_kernel(x: FloatArray, period: int) -> FloatArray:
    n = x.shape[0]
    if period == 1:
        return x.copy()
    out = np.full(n, np.nan)
    divider = period * (period + 1) // 2
    period_sub = 0.0
    period_sum = 0.0
    for i in range(period - 1):
        period_sub += x[i]
        period_sum += x[i] * (i + 1)
    trailing = 0.0
    for i in range(period - 1, n):
        v = x[i]
        period_sub += v
        period_sub -= trailing
        period_sum += v * period
        trailing = x[i - period + 1]
        out[i] = period_sum / divider
        period_sum -= period_sub
    return out


class WMA(Indicator):
    """Linearly weighted moving average: weight ``period`` on the newest value, 1 on the oldest."""

    name = "wma"
    title = "Weighted Moving Average"
    talib = "WMA"
    period = period_param(20)

    __slots__ = ("_buf", "_divider", "_n", "_pos", "_sub", "_sum", "_trailing")

    def _compute_lookback(self) -> int:
        return self.period - 1

    def reset(self) -> None:
        super().reset()
        self._n = self.period
        self._divider = self._n * (self._n + 1) // 2
        self._buf = [0.0] * self._n
        self._pos = 0
        self._sub = 0.0
        self._sum = 0.0
        self._trailing = 0.0

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        n = self._n
        if n == 1:  # the running form would drift by an ulp; a 1-bar WMA is the input
            self._value = close
            return close
        buf = self._buf
        pos = self._pos
        buf[pos] = close
        pos = pos + 1 if pos + 1 < n else 0
        self._pos = pos
        if self._count < n:
            self._sub += close
            self._sum += close * self._count
            return self._value
        sub = self._sub + close
        sub -= self._trailing
        total = self._sum + close * n
        self._trailing = buf[pos]  # oldest value in the window, subtracted next bar
        self._value = total / self._divider
        self._sum = total - sub
        self._sub = sub
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (wma_kernel(close, self.period),)


# -- DEMA / TEMA --------------------------------------------------------------------------------


class DEMA(Indicator):
    """Double EMA, ``2*EMA - EMA(EMA)``: less lag than an EMA of the same period."""

    name = "dema"
    title = "Double Exponential Moving Average"
    talib = "DEMA"
    period = period_param(20)

    __slots__ = ("_e1", "_e2")

    def _compute_lookback(self) -> int:
        return 2 * (self.period - 1)

    def reset(self) -> None:
        super().reset()
        self._e1 = EMA(self.period)
        self._e2 = EMA(self.period)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        e1 = self._e1.update(close)
        e2 = self._e2.update(e1)
        self._value = 2.0 * e1 - e2
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        e1 = ema_kernel(close, self.period, ema_factor(self.period))
        e2 = EMA.compute(e1, period=self.period)
        return (2.0 * e1 - e2,)


class TEMA(Indicator):
    """Triple EMA, ``3*EMA - 3*EMA(EMA) + EMA(EMA(EMA))``."""

    name = "tema"
    title = "Triple Exponential Moving Average"
    talib = "TEMA"
    period = period_param(20)

    __slots__ = ("_e1", "_e2", "_e3")

    def _compute_lookback(self) -> int:
        return 3 * (self.period - 1)

    def reset(self) -> None:
        super().reset()
        self._e1 = EMA(self.period)
        self._e2 = EMA(self.period)
        self._e3 = EMA(self.period)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        e1 = self._e1.update(close)
        e2 = self._e2.update(e1)
        e3 = self._e3.update(e2)
        self._value = e3 + (3.0 * e1 - 3.0 * e2)
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        e1 = ema_kernel(close, self.period, ema_factor(self.period))
        e2 = EMA.compute(e1, period=self.period)
        e3 = EMA.compute(e2, period=self.period)
        return (e3 + (3.0 * e1 - 3.0 * e2),)


# -- KAMA ---------------------------------------------------------------------------------------


@lazy_njit
def kama_kernel(x: FloatArray, period: int, const_max: float, const_diff: float) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    sum_roc1 = 0.0
    for i in range(1, period + 1):
        sum_roc1 += abs(x[i - 1] - x[i])
    prev = x[period - 1]
    trailing = 0.0
    for i in range(period, n):
        v = x[i]
        old = x[i - period]
        roc = v - old
        if i > period:
            sum_roc1 -= abs(trailing - old)
            sum_roc1 += abs(v - x[i - 1])
        trailing = old
        er = 1.0 if sum_roc1 <= roc or sum_roc1 == 0.0 else abs(roc / sum_roc1)
        sc = er * const_diff + const_max
        sc *= sc
        prev = (v - prev) * sc + prev
        out[i] = prev
    return out


class KAMA(Indicator):
    """Kaufman adaptive moving average: fast in trends, flat in noise (efficiency ratio).

    The efficiency ratio is ``|x - x[period]| / sum(|x - x[1]|)`` over ``period`` bars; it sets the
    smoothing between ``2/(fast+1)`` and ``2/(slow+1)``, squared. As in TA-Lib, the ratio is taken
    as 1 when the path length is zero or not above the (signed) net change.
    """

    name = "kama"
    title = "Kaufman Adaptive Moving Average"
    talib = "KAMA"
    period = period_param(10, minimum=2, doc="bars in the efficiency ratio")
    fast = IntParam(2, minimum=1, maximum=MAX_PERIOD, doc="fastest EMA period (TA-Lib: 2)")
    slow = IntParam(30, minimum=2, maximum=MAX_PERIOD, doc="slowest EMA period (TA-Lib: 30)")

    __slots__ = ("_buf", "_const_diff", "_const_max", "_last", "_n", "_pos", "_sum", "_trailing")

    def _validate(self) -> None:
        if self.fast >= self.slow:
            raise self._param_error("fast", f"fast ({self.fast}) must be below slow ({self.slow})")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._n = self.period
        self._const_max, self._const_diff = self._constants()
        self._buf = [0.0] * (self._n + 1)
        self._pos = 0
        self._sum = 0.0
        self._last = 0.0
        self._trailing = 0.0

    def _constants(self) -> tuple[float, float]:
        const_max = 2.0 / (self.slow + 1.0)
        return const_max, 2.0 / (self.fast + 1.0) - const_max

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        n = self._n
        buf = self._buf
        pos = self._pos
        buf[pos] = close
        pos = pos + 1 if pos < n else 0
        self._pos = pos
        last = self._last
        self._last = close
        if count == 1:
            return self._value
        if count <= n + 1:
            self._sum += abs(last - close)
            if count <= n:
                return self._value
            self._value = last  # TA-Lib seeds KAMA with the previous price
        else:
            self._sum -= abs(self._trailing - buf[pos])
            self._sum += abs(close - last)
        old = buf[pos]  # the value ``period`` bars back, oldest of the n+1 kept
        self._trailing = old
        roc = close - old
        total = self._sum
        er = 1.0 if total <= roc or total == 0.0 else abs(roc / total)
        sc = er * self._const_diff + self._const_max
        sc *= sc
        prev = self._value
        self._value = (close - prev) * sc + prev
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        const_max, const_diff = self._constants()
        return (kama_kernel(close, self.period, const_max, const_diff),)


# -- HMA ----------------------------------------------------------------------------------------


class HMA(Indicator):
    """Hull moving average: a WMA of ``2*WMA(n/2) - WMA(n)`` over ``sqrt(n)`` bars; low lag."""

    name = "hma"
    title = "Hull Moving Average"
    period = period_param(20, minimum=2)

    __slots__ = ("_full", "_half", "_smooth")

    def _compute_lookback(self) -> int:
        return self.period - 1 + math.isqrt(self.period) - 1

    def reset(self) -> None:
        super().reset()
        self._half = WMA(self.period // 2)
        self._full = WMA(self.period)
        self._smooth = WMA(math.isqrt(self.period))

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        half = self._half.update(close)
        full = self._full.update(close)
        self._value = self._smooth.update(2.0 * half - full)
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        half = wma_kernel(close, self.period // 2)
        full = wma_kernel(close, self.period)
        return (WMA.compute(2.0 * half - full, period=math.isqrt(self.period)),)
