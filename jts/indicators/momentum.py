"""Momentum: RSI, MACD, PPO, APO, ROC, MOM, TRIX.

Conventions (TA-Lib's):

* RSI uses Wilder's smoothing: the first average gain/loss is the plain mean of the first
  ``period`` changes (so the first value is at index ``period``), later ones are
  ``(prev * (period-1) + change) / period``. A flat window (no gain, no loss) gives 0.0.
* MACD: line = EMA(fast) - EMA(slow), signal = EMA(signal) of the line, hist = line - signal.
  As in TA-Lib, the fast EMA is seeded on the same bar as the slow one (with the SMA of the last
  ``fast`` values there), not ``slow - fast`` bars earlier, and all three outputs start together
  at ``slow + signal - 2``. ``fast < slow`` is required (TA-Lib swaps them silently).
* PPO = ``(MA(fast) - MA(slow)) / MA(slow) * 100`` and APO = ``MA(fast) - MA(slow)``, with SMA or
  EMA, each average on its own (unlike MACD, TA-Lib seeds the fast EMA at ``fast - 1`` here);
  0.0 when the slow average is zero. Lookback ``slow - 1``. TA-Lib's default kind is SMA;
  ours is EMA, the usual PPO definition; the tests check both against TA-Lib. No signal line
  (TA-Lib has none either): apply ``ema`` to the output for one.
* ROC = ``(x / x[period] - 1) * 100`` (0.0 when ``x[period]`` is zero); MOM = ``x - x[period]``.
* TRIX = 1-bar ROC of a triple EMA (each seeded by an SMA): lookback ``3*(period-1) + 1``.
"""

from __future__ import annotations

from math import isnan

import numpy as np

from jts.indicators.base import NAN, FloatArray, Indicator, MultiIndicator
from jts.indicators.jit import lazy_njit
from jts.indicators.moving_averages import EMA, SMA, ema_factor, ema_kernel
from jts.indicators.params import ChoiceParam, period_param

MA_KINDS = ("ema", "sma")

# -- RSI ----------------------------------------------------------------------------------------


@lazy_njit
def rsi_kernel(x: FloatArray, period: int) -> FloatArray:
    n = x.shape[0]
    out = np.full(n, np.nan)
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        d = x[i] - x[i - 1]
        if d < 0.0:
            loss -= d
        else:
            gain += d
    loss /= period
    gain /= period
    s = gain + loss
    out[period] = 100.0 * (gain / s) if s != 0.0 else 0.0
    for i in range(period + 1, n):
        d = x[i] - x[i - 1]
        loss *= period - 1
        gain *= period - 1
        if d < 0.0:
            loss -= d
        else:
            gain += d
        loss /= period
        gain /= period
        s = gain + loss
        out[i] = 100.0 * (gain / s) if s != 0.0 else 0.0
    return out


class RSI(Indicator):
    """Relative strength index, 0..100, with Wilder's smoothing of gains and losses."""

    name = "rsi"
    title = "Relative Strength Index"
    talib = "RSI"
    period = period_param(14, minimum=2)

    __slots__ = ("_gain", "_loss", "_n", "_prev")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._n = self.period
        self._gain = 0.0
        self._loss = 0.0
        self._prev = 0.0

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        d = close - self._prev
        self._prev = close
        if count == 1:
            return self._value
        n = self._n
        gain = self._gain
        loss = self._loss
        if count > n + 1:
            loss *= n - 1
            gain *= n - 1
        if d < 0.0:
            loss -= d
        else:
            gain += d
        if count > n:
            loss /= n
            gain /= n
            s = gain + loss
            self._value = 100.0 * (gain / s) if s != 0.0 else 0.0
        self._gain = gain
        self._loss = loss
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (rsi_kernel(close, self.period),)


# -- fast/slow moving-average pairs ----------------------------------------------------------


class _LateSeededPair:
    """MACD's fast and slow EMAs: both start on the bar the slow one can (TA-Lib's MACD).

    The fast EMA ignores the first ``slow - fast`` values, so its SMA seed covers the ``fast``
    values ending where the slow EMA's seed ends.
    """

    __slots__ = ("_count", "_fast", "_skip", "_slow")

    def __init__(self, fast: int, slow: int) -> None:
        self._fast = EMA(fast)
        self._slow = EMA(slow)
        self._skip = slow - fast
        self._count = 0

    def update(self, x: float) -> tuple[float, float]:
        self._count += 1
        slow = self._slow.update(x)
        if self._count <= self._skip:
            return NAN, slow
        return self._fast.update(x), slow

    @staticmethod
    def compute(x: FloatArray, fast: int, slow: int) -> tuple[FloatArray, FloatArray]:
        skip = slow - fast
        slow_ma = ema_kernel(x, slow, ema_factor(slow))
        fast_ma = np.full(x.shape[0], NAN)
        fast_ma[skip:] = ema_kernel(x[skip:], fast, ema_factor(fast))
        return fast_ma, slow_ma


class MACD(MultiIndicator):
    """Moving average convergence/divergence: line, signal and histogram."""

    name = "macd"
    title = "Moving Average Convergence/Divergence"
    talib = "MACD"
    outputs = ("macd", "signal", "hist")
    fast = period_param(12, minimum=2, doc="fast EMA period")
    slow = period_param(26, minimum=2, doc="slow EMA period")
    signal = period_param(9, doc="EMA period of the signal line")

    __slots__ = ("_pair", "_signal")

    def _validate(self) -> None:
        if self.fast >= self.slow:
            raise self._param_error("fast", f"fast ({self.fast}) must be below slow ({self.slow})")

    def _compute_lookback(self) -> int:
        return self.slow - 1 + self.signal - 1

    def reset(self) -> None:
        super().reset()
        self._pair = _LateSeededPair(self.fast, self.slow)
        self._signal = EMA(self.signal)

    def update(self, close: float) -> tuple[float, ...]:
        if isnan(close):
            self._missing()
            return self._values
        self._count += 1
        fast, slow = self._pair.update(close)
        line = fast - slow
        signal = self._signal.update(line)
        if not isnan(signal):
            self._values = (line, signal, line - signal)
        return self._values

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        fast, slow = _LateSeededPair.compute(close, self.fast, self.slow)
        line = fast - slow
        signal = EMA.compute(line, period=self.signal)
        line[np.isnan(signal)] = NAN
        return line, signal, line - signal


class _PriceOscillator(Indicator):
    """Shared body of APO and PPO: the same averages, a different final formula."""

    fast = period_param(12, minimum=2, doc="fast moving-average period")
    slow = period_param(26, minimum=2, doc="slow moving-average period")
    ma = ChoiceParam("ema", MA_KINDS, doc="kind of moving average")

    __slots__ = ("_fast", "_slow")

    def _validate(self) -> None:
        if self.fast >= self.slow:
            raise self._param_error("fast", f"fast ({self.fast}) must be below slow ({self.slow})")

    def _compute_lookback(self) -> int:
        return self.slow - 1

    def reset(self) -> None:
        super().reset()
        ma = EMA if self.ma == "ema" else SMA
        self._fast = ma(self.fast)
        self._slow = ma(self.slow)

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        fast = self._fast.update(close)
        slow = self._slow.update(close)
        if not isnan(slow):
            self._value = self._combine(fast, slow)
        return self._value

    @staticmethod
    def _combine(fast: float, slow: float) -> float:
        raise NotImplementedError

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        ma = EMA if self.ma == "ema" else SMA
        fast = ma.compute(close, period=self.fast)
        slow = ma.compute(close, period=self.slow)
        return (self._combine_arrays(fast, slow),)

    @staticmethod
    def _combine_arrays(fast: FloatArray, slow: FloatArray) -> FloatArray:
        raise NotImplementedError


class APO(_PriceOscillator):
    """Absolute price oscillator: fast average minus slow average."""

    name = "apo"
    title = "Absolute Price Oscillator"
    talib = "APO"
    __slots__ = ()

    @staticmethod
    def _combine(fast: float, slow: float) -> float:
        return fast - slow

    @staticmethod
    def _combine_arrays(fast: FloatArray, slow: FloatArray) -> FloatArray:
        out: FloatArray = fast - slow
        return out


class PPO(_PriceOscillator):
    """Percentage price oscillator: (fast - slow) / slow * 100."""

    name = "ppo"
    title = "Percentage Price Oscillator"
    talib = "PPO"
    __slots__ = ()

    @staticmethod
    def _combine(fast: float, slow: float) -> float:
        return ((fast - slow) / slow) * 100.0 if slow != 0.0 else 0.0

    @staticmethod
    def _combine_arrays(fast: FloatArray, slow: FloatArray) -> FloatArray:
        ratio = np.divide(fast - slow, slow, out=np.zeros_like(slow), where=slow != 0.0)
        out: FloatArray = ratio * 100.0
        out[np.isnan(slow)] = NAN
        return out


# -- ROC / MOM ----------------------------------------------------------------------------------


class _Lagged(Indicator):
    """A value compared with the one ``period`` bars back (ring buffer of period+1 values)."""

    period = period_param(10)

    __slots__ = ("_buf", "_pos")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._buf = [0.0] * (self.period + 1)
        self._pos = 0

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        buf = self._buf
        pos = self._pos
        buf[pos] = close
        pos += 1
        if pos == len(buf):
            pos = 0
        self._pos = pos
        if self._count > self.period:
            self._value = self._combine(close, buf[pos])
        return self._value

    @staticmethod
    def _combine(x: float, old: float) -> float:
        raise NotImplementedError


class ROC(_Lagged):
    """Rate of change in percent: ``(x / x[period] - 1) * 100``."""

    name = "roc"
    title = "Rate of Change"
    talib = "ROC"
    __slots__ = ()

    @staticmethod
    def _combine(x: float, old: float) -> float:
        return ((x / old) - 1.0) * 100.0 if old != 0.0 else 0.0

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        return (roc_array(close, self.period),)


class MOM(_Lagged):
    """Momentum: ``x - x[period]``."""

    name = "mom"
    title = "Momentum"
    talib = "MOM"
    __slots__ = ()

    @staticmethod
    def _combine(x: float, old: float) -> float:
        return x - old

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        out = np.full(close.shape[0], NAN)
        out[self.period :] = close[self.period :] - close[: -self.period]
        return (out,)


def roc_array(x: FloatArray, period: int) -> FloatArray:
    """ROC over an array that may start with NaN padding (NaN stays NaN)."""
    out = np.full(x.shape[0], NAN)
    old = x[:-period]
    ratio = np.divide(x[period:], old, out=np.ones_like(old), where=old != 0.0)
    out[period:] = (ratio - 1.0) * 100.0
    out[period:][np.isnan(old)] = NAN
    return out


# -- TRIX ---------------------------------------------------------------------------------------


class TRIX(Indicator):
    """1-bar rate of change (percent) of a triple-smoothed EMA."""

    name = "trix"
    title = "Triple Smoothed EMA Rate of Change"
    talib = "TRIX"
    period = period_param(15)

    __slots__ = ("_e1", "_e2", "_e3", "_prev")

    def _compute_lookback(self) -> int:
        return 3 * (self.period - 1) + 1

    def reset(self) -> None:
        super().reset()
        self._e1 = EMA(self.period)
        self._e2 = EMA(self.period)
        self._e3 = EMA(self.period)
        self._prev = NAN

    def update(self, close: float) -> float:
        if isnan(close):
            self._missing()
            return self._value
        self._count += 1
        e3 = self._e3.update(self._e2.update(self._e1.update(close)))
        prev = self._prev
        if not isnan(prev):
            self._value = ROC._combine(e3, prev)
        self._prev = e3
        return self._value

    def _vectorised(self, close: FloatArray) -> tuple[FloatArray]:
        e1 = ema_kernel(close, self.period, ema_factor(self.period))
        e3 = EMA.compute(EMA.compute(e1, period=self.period), period=self.period)
        return (roc_array(e3, 1),)
