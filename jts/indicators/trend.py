"""Trend-following overlays: Parabolic SAR, SuperTrend, Ichimoku.

Parabolic SAR follows TA-Lib exactly: the first bar only supplies the initial extreme; the
initial direction is short when bar 1's -DM is positive (low fell more than high rose), long
otherwise; the first SAR is bar 0's low (long) or high (short). Lookback 1. The acceleration
must not exceed the maximum (TA-Lib would silently lower it).

SuperTrend (not in TA-Lib) follows TradingView's ``ta.supertrend`` with hl2 = (high + low) / 2
and Wilder's ATR (TA-Lib seeding, so the first value is at index ``period``):
basic bands ``hl2 -/+ multiplier * ATR``; the lower band only rises and the upper only falls
while the previous close stays on their side; the trend flips up when the close crosses above
the upper band and down when it crosses below the lower one. The first bar starts in a
downtrend, as TradingView's. Outputs: ``supertrend`` (the active band) and ``direction``
(+1 up, -1 down; TradingView's sign is the opposite).

Ichimoku, shift convention: every output at bar ``t`` uses only bars up to ``t`` (no look-ahead,
so backtests stay honest):

* ``tenkan``/``kijun`` = midpoint of the highest high and lowest low over 9/26 bars;
* ``senkou_a[t]`` = ``(tenkan + kijun) / 2`` as computed ``displacement`` bars earlier, and
  ``senkou_b[t]`` = the 52-bar midpoint computed ``displacement`` bars earlier: the cloud a chart
  draws at bar ``t``. (TradingView draws it ``displacement - 1`` bars ahead; pass 25 to match.)
* ``chikou[t]`` = ``close[t]``: the lagging span is today's close, which a chart draws
  ``displacement`` bars back; compare it with ``close[displacement]`` for the usual signal.

Lookbacks: tenkan 8, kijun 25, senkou_a 25 + 26, senkou_b 51 + 26, chikou 0 (defaults); the
indicator is ``ready`` when all five have values.
"""

from __future__ import annotations

from collections import deque
from math import isnan

import numpy as np

from jts.indicators.base import NAN, FloatArray, MultiIndicator
from jts.indicators.jit import lazy_njit
from jts.indicators.params import MAX_PERIOD, FloatParam, IntParam, period_param
from jts.indicators.volatility import ATR, atr_kernel
from jts.indicators.windows import RollingMax, RollingMin, rolling_max, rolling_min

# -- Parabolic SAR ------------------------------------------------------------------------------


@lazy_njit
def sar_kernel(
    high: FloatArray, low: FloatArray, accel: float, maximum: float
) -> tuple[FloatArray, FloatArray]:
    n = high.shape[0]
    out = np.full(n, np.nan)
    direction = np.full(n, np.nan)
    diff_p = high[1] - high[0]
    diff_m = low[0] - low[1]
    is_long = not (diff_m > 0 and diff_p < diff_m)
    af = accel
    if is_long:
        ep = high[1]
        sar = low[0]
    else:
        ep = low[1]
        sar = high[0]
    new_low = low[1]
    new_high = high[1]
    for i in range(1, n):
        prev_low = new_low
        prev_high = new_high
        new_low = low[i]
        new_high = high[i]
        if is_long:
            if new_low <= sar:
                is_long = False
                sar = max(ep, prev_high, new_high)
                out[i] = sar
                af = accel
                ep = new_low
                sar = max(sar + af * (ep - sar), prev_high, new_high)
            else:
                out[i] = sar
                if new_high > ep:
                    ep = new_high
                    af = min(af + accel, maximum)
                sar = min(sar + af * (ep - sar), prev_low, new_low)
        elif new_high >= sar:
            is_long = True
            sar = min(ep, prev_low, new_low)
            out[i] = sar
            af = accel
            ep = new_high
            sar = min(sar + af * (ep - sar), prev_low, new_low)
        else:
            out[i] = sar
            if new_low < ep:
                ep = new_low
                af = min(af + accel, maximum)
            sar = max(sar + af * (ep - sar), prev_high, new_high)
        direction[i] = 1.0 if is_long else -1.0
    return out, direction


class ParabolicSAR(MultiIndicator):
    """Wilder's parabolic stop-and-reverse: a trailing stop that accelerates with the trend.

    Outputs ``sar`` and ``direction`` (+1 long, -1 short: the side the stop protects on the next
    bar, after any reversal on this one).
    """

    name = "sar"
    title = "Parabolic SAR"
    talib = "SAR"
    inputs = ("high", "low")
    outputs = ("sar", "direction")
    acceleration = FloatParam(0.02, minimum=0.0, min_inclusive=False, doc="step of the factor")
    maximum = FloatParam(0.2, minimum=0.0, min_inclusive=False, doc="cap of the factor")

    __slots__ = ("_af", "_ep", "_long", "_new_high", "_new_low", "_sar")

    def _validate(self) -> None:
        if self.acceleration > self.maximum:
            raise self._param_error(
                "acceleration",
                f"acceleration ({self.acceleration}) must not exceed maximum ({self.maximum})",
            )

    def _compute_lookback(self) -> int:
        return 1

    def reset(self) -> None:
        super().reset()
        self._long = True
        self._af = self.acceleration
        self._ep = self._sar = self._new_high = self._new_low = 0.0

    def update(self, high: float, low: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low):
            self._missing()
            return self._values
        self._count += 1
        if self._count == 1:
            self._new_high, self._new_low = high, low
            return self._values
        if self._count == 2:
            diff_p = high - self._new_high
            diff_m = self._new_low - low
            self._long = not (diff_m > 0 and diff_p < diff_m)
            self._ep, self._sar = (high, self._new_low) if self._long else (low, self._new_high)
            self._new_high, self._new_low = high, low
        prev_low, prev_high = self._new_low, self._new_high
        self._new_low, self._new_high = low, high
        accel, sar, ep, af = self.acceleration, self._sar, self._ep, self._af
        if self._long:
            if low <= sar:
                self._long = False
                sar = max(ep, prev_high, high)
                out = sar
                af = accel
                ep = low
                sar = max(sar + af * (ep - sar), prev_high, high)
            else:
                out = sar
                if high > ep:
                    ep = high
                    af = min(af + accel, self.maximum)
                sar = min(sar + af * (ep - sar), prev_low, low)
        elif high >= sar:
            self._long = True
            sar = min(ep, prev_low, low)
            out = sar
            af = accel
            ep = high
            sar = min(sar + af * (ep - sar), prev_low, low)
        else:
            out = sar
            if low < ep:
                ep = low
                af = min(af + accel, self.maximum)
            sar = max(sar + af * (ep - sar), prev_high, high)
        self._sar, self._ep, self._af = sar, ep, af
        self._values = (out, 1.0 if self._long else -1.0)
        return self._values

    def _vectorised(self, high: FloatArray, low: FloatArray) -> tuple[FloatArray, FloatArray]:
        sar, direction = sar_kernel(high, low, self.acceleration, self.maximum)
        return sar, direction


# -- SuperTrend ---------------------------------------------------------------------------------


@lazy_njit
def supertrend_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, width: FloatArray, period: int
) -> tuple[FloatArray, FloatArray]:
    n = high.shape[0]
    line = np.full(n, np.nan)
    direction = np.full(n, np.nan)
    upper = 0.0
    lower = 0.0
    up = False
    for i in range(period, n):
        hl2 = (high[i] + low[i]) / 2.0
        basic_upper = hl2 + width[i]
        basic_lower = hl2 - width[i]
        if i == period:
            upper = basic_upper
            lower = basic_lower
            up = False
        else:
            prev_close = close[i - 1]
            if basic_lower > lower or prev_close < lower:
                lower = basic_lower
            if basic_upper < upper or prev_close > upper:
                upper = basic_upper
            up = close[i] > upper if not up else not (close[i] < lower)
        line[i] = lower if up else upper
        direction[i] = 1.0 if up else -1.0
    return line, direction


class SuperTrend(MultiIndicator):
    """ATR band that trails the price and flips side when the close breaks through it."""

    name = "supertrend"
    title = "SuperTrend"
    inputs = ("high", "low", "close")
    outputs = ("supertrend", "direction")
    period = period_param(10, doc="ATR period")
    multiplier = FloatParam(3.0, minimum=0.0, min_inclusive=False, doc="ATRs from hl2")

    __slots__ = ("_atr", "_lower", "_prev_close", "_up", "_upper")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._atr = ATR(self.period)
        self._upper = self._lower = self._prev_close = 0.0
        self._up = False

    def update(self, high: float, low: float, close: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._values
        self._count += 1
        atr = self._atr.update(high, low, close)
        prev_close = self._prev_close
        self._prev_close = close
        if isnan(atr):
            return self._values
        hl2 = (high + low) / 2.0
        width = self.multiplier * atr
        basic_upper = hl2 + width
        basic_lower = hl2 - width
        if self._count == self.period + 1:
            self._upper, self._lower, self._up = basic_upper, basic_lower, False
        else:
            if basic_lower > self._lower or prev_close < self._lower:
                self._lower = basic_lower
            if basic_upper < self._upper or prev_close > self._upper:
                self._upper = basic_upper
            self._up = close > self._upper if not self._up else not (close < self._lower)
        up = self._up
        self._values = (self._lower if up else self._upper, 1.0 if up else -1.0)
        return self._values

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        width = self.multiplier * atr_kernel(high, low, close, self.period)
        line, direction = supertrend_kernel(high, low, close, width, self.period)
        return line, direction


# -- Ichimoku -----------------------------------------------------------------------------------


def _midpoint(high: FloatArray, low: FloatArray, period: int) -> FloatArray:
    out: FloatArray = (rolling_max(high, period) + rolling_min(low, period)) / 2.0
    return out


def _shift(x: FloatArray, bars: int) -> FloatArray:
    if bars == 0:
        return x
    out = np.full(x.shape[0], NAN)
    out[bars:] = x[:-bars]
    return out


class Ichimoku(MultiIndicator):
    """Ichimoku kinko hyo: conversion/base lines, the cloud spans and the lagging span."""

    name = "ichimoku"
    title = "Ichimoku Cloud"
    inputs = ("high", "low", "close")
    outputs = ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou")
    tenkan = period_param(9, doc="conversion line period")
    kijun = period_param(26, doc="base line period")
    senkou_b = period_param(52, doc="leading span B period")
    displacement = IntParam(26, minimum=0, maximum=MAX_PERIOD, doc="bars the cloud is shifted")

    __slots__ = ("_hi_b", "_hi_k", "_hi_t", "_lead_a", "_lead_b", "_lo_b", "_lo_k", "_lo_t")

    def _compute_lookback(self) -> int:
        return max(self.tenkan, self.kijun, self.senkou_b) - 1 + self.displacement

    def _earliest_lookback(self) -> int:
        return 0  # chikou is the close itself

    def reset(self) -> None:
        super().reset()
        self._hi_t, self._lo_t = RollingMax(self.tenkan), RollingMin(self.tenkan)
        self._hi_k, self._lo_k = RollingMax(self.kijun), RollingMin(self.kijun)
        self._hi_b, self._lo_b = RollingMax(self.senkou_b), RollingMin(self.senkou_b)
        # Raw spans of the last displacement+1 bars; the oldest is today's (shifted) value.
        self._lead_a: deque[float] = deque(maxlen=self.displacement + 1)
        self._lead_b: deque[float] = deque(maxlen=self.displacement + 1)

    def update(self, high: float, low: float, close: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._values
        count = self._count = self._count + 1
        tenkan = (self._hi_t.push(high) + self._lo_t.push(low)) / 2.0
        kijun = (self._hi_k.push(high) + self._lo_k.push(low)) / 2.0
        span_b = (self._hi_b.push(high) + self._lo_b.push(low)) / 2.0
        if count < self.tenkan:
            tenkan = NAN
        if count < self.kijun:
            kijun = NAN
        if count < self.senkou_b:
            span_b = NAN
        self._lead_a.append((tenkan + kijun) / 2.0)
        self._lead_b.append(span_b)
        full = len(self._lead_a) > self.displacement
        senkou_a = self._lead_a[0] if full else NAN
        senkou_b = self._lead_b[0] if full else NAN
        self._values = (tenkan, kijun, senkou_a, senkou_b, close)
        return self._values

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        tenkan = _midpoint(high, low, self.tenkan)
        kijun = _midpoint(high, low, self.kijun)
        senkou_a = _shift((tenkan + kijun) / 2.0, self.displacement)
        senkou_b = _shift(_midpoint(high, low, self.senkou_b), self.displacement)
        return tenkan, kijun, senkou_a, senkou_b, close.copy()
