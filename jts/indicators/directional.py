"""Directional movement and Aroon: ADX, +DI, -DI, Aroon up/down/oscillator.

Conventions (TA-Lib's, after Wilder):

* +DM is today's high minus yesterday's when that exceeds yesterday's low minus today's (and is
  positive); -DM the reverse; otherwise both are 0. +DM, -DM and the true range are summed over
  the first ``period - 1`` bars, then Wilder-smoothed: ``s = s - s/period + today``. So +DI and -DI
  (``100 * DM / TR``, 0.0 on a zero TR) start at index ``period``.
* DX = ``100 * |+DI - -DI| / (+DI + -DI)``. The first ADX is the mean of the first ``period`` DX
  values (index ``2*period - 1``); later ones are ``(prev * (period-1) + DX) / period``. A bar whose
  DX is undefined (zero TR or zero DI sum) leaves the running sum/ADX unchanged, as in TA-Lib.
* Aroon looks at ``period + 1`` bars (current included): up = ``100 * (period - bars since the
  highest high) / period``, down likewise with the lowest low; ties go to the most recent bar.
  Oscillator = up - down. Lookback ``period``.
"""

from __future__ import annotations

from math import isnan
from typing import ClassVar

import numpy as np

from jts.indicators.base import NAN, FloatArray, Indicator, MultiIndicator
from jts.indicators.jit import lazy_njit
from jts.indicators.params import period_param
from jts.indicators.volatility import true_range
from jts.indicators.windows import RollingMax, RollingMin, rolling_extreme_index

# -- directional movement -----------------------------------------------------------------------


class DirectionalMovement:
    """Wilder-smoothed +DM, -DM and TR of a bar stream (shared by ADX, +DI and -DI)."""

    __slots__ = ("_count", "_n", "_pc", "_ph", "_pl", "minus", "plus", "tr")

    def __init__(self, period: int) -> None:
        self._n = period
        self._count = 0
        self._ph = self._pl = self._pc = 0.0
        self.plus = self.minus = self.tr = 0.0

    def push(self, high: float, low: float, close: float) -> bool:
        """Add a bar; True once ``plus``/``minus``/``tr`` are smoothed (from bar ``period``)."""
        self._count += 1
        if self._count == 1:
            self._ph, self._pl, self._pc = high, low, close
            return False
        diff_p = high - self._ph
        diff_m = self._pl - low
        tr = true_range(high, low, self._pc)
        self._ph, self._pl, self._pc = high, low, close
        n = self._n
        smoothing = self._count > n
        if smoothing:
            self.minus -= self.minus / n
            self.plus -= self.plus / n
        if diff_m > 0 and diff_p < diff_m:
            self.minus += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            self.plus += diff_p
        self.tr = self.tr - self.tr / n + tr if smoothing else self.tr + tr
        return smoothing


@lazy_njit
def dmi_kernel(
    high: FloatArray, low: FloatArray, close: FloatArray, period: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(+DI, -DI, ADX) with TA-Lib's seeding; see the module docstring."""
    n = high.shape[0]
    plus_di = np.full(n, np.nan)
    minus_di = np.full(n, np.nan)
    adx = np.full(n, np.nan)
    plus = 0.0
    minus = 0.0
    trs = 0.0
    sum_dx = 0.0
    prev_adx = 0.0
    for i in range(1, n):
        diff_p = high[i] - high[i - 1]
        diff_m = low[i - 1] - low[i]
        tr = high[i] - low[i]
        up = abs(close[i - 1] - high[i])
        tr = max(tr, up)
        down = abs(low[i] - close[i - 1])
        tr = max(tr, down)
        smoothing = i >= period
        if smoothing:
            minus -= minus / period
            plus -= plus / period
        if diff_m > 0 and diff_p < diff_m:
            minus += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            plus += diff_p
        if not smoothing:
            trs = trs + tr
            continue
        trs = trs - trs / period + tr
        p_di = 100.0 * (plus / trs) if trs != 0.0 else 0.0
        m_di = 100.0 * (minus / trs) if trs != 0.0 else 0.0
        plus_di[i] = p_di
        minus_di[i] = m_di
        s = m_di + p_di
        defined = trs != 0.0 and s != 0.0
        dx = 100.0 * (abs(m_di - p_di) / s) if defined else 0.0
        if i < 2 * period - 1:
            if defined:
                sum_dx += dx
        elif i == 2 * period - 1:
            if defined:
                sum_dx += dx
            prev_adx = sum_dx / period
            adx[i] = prev_adx
        else:
            if defined:
                prev_adx = (prev_adx * (period - 1) + dx) / period
            adx[i] = prev_adx
    return plus_di, minus_di, adx


class _DirectionalIndicator(Indicator):
    period = period_param(14, minimum=2)

    __slots__ = ("_dm",)

    def reset(self) -> None:
        super().reset()
        self._dm = DirectionalMovement(self.period)

    def _di(self) -> tuple[float, float]:
        dm = self._dm
        if dm.tr == 0.0:
            return 0.0, 0.0
        return 100.0 * (dm.plus / dm.tr), 100.0 * (dm.minus / dm.tr)


class _OneSideDI(_DirectionalIndicator):
    """+DI and -DI: one body, told apart by which side of the movement they report."""

    inputs = ("high", "low", "close")
    _side: ClassVar[int]  # 0: plus, 1: minus

    __slots__ = ()

    def _compute_lookback(self) -> int:
        return self.period

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        self._count += 1
        if self._dm.push(high, low, close):
            self._value = self._di()[self._side]
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        return (dmi_kernel(high, low, close, self.period)[self._side],)


class PlusDI(_OneSideDI):
    """Plus directional indicator (+DI), 0..100: the share of the range that moved up."""

    name = "plus_di"
    title = "Plus Directional Indicator"
    talib = "PLUS_DI"
    _side = 0

    __slots__ = ()


class MinusDI(_OneSideDI):
    """Minus directional indicator (-DI), 0..100: the share of the range that moved down."""

    name = "minus_di"
    title = "Minus Directional Indicator"
    talib = "MINUS_DI"
    _side = 1

    __slots__ = ()


class ADX(_DirectionalIndicator):
    """Average directional index, 0..100: trend strength whatever its direction."""

    name = "adx"
    title = "Average Directional Index"
    talib = "ADX"
    inputs = ("high", "low", "close")

    __slots__ = ("_sum_dx",)

    def _compute_lookback(self) -> int:
        return 2 * self.period - 1

    def reset(self) -> None:
        super().reset()
        self._sum_dx = 0.0

    def update(self, high: float, low: float, close: float) -> float:
        if isnan(high) or isnan(low) or isnan(close):
            self._missing()
            return self._value
        count = self._count = self._count + 1
        if not self._dm.push(high, low, close):
            return self._value
        n = self.period
        p_di, m_di = self._di()
        s = m_di + p_di
        defined = self._dm.tr != 0.0 and s != 0.0
        dx = 100.0 * (abs(m_di - p_di) / s) if defined else 0.0
        if count <= 2 * n:
            if defined:
                self._sum_dx += dx
            if count == 2 * n:
                self._value = self._sum_dx / n
        elif defined:
            self._value = (self._value * (n - 1) + dx) / n
        return self._value

    def _vectorised(
        self, high: FloatArray, low: FloatArray, close: FloatArray
    ) -> tuple[FloatArray]:
        return (dmi_kernel(high, low, close, self.period)[2],)


# -- Aroon --------------------------------------------------------------------------------------


def _aroon_ages(high: FloatArray, low: FloatArray, period: int) -> tuple[FloatArray, FloatArray]:
    """Bars since the highest high and since the lowest low of each ``period + 1`` window."""
    ticks = np.arange(high.shape[0], dtype=np.float64)
    hi = rolling_extreme_index(high, period + 1, True)
    lo = rolling_extreme_index(low, period + 1, False)
    since_high = np.where(hi >= 0, ticks - hi, NAN)
    since_low = np.where(lo >= 0, ticks - lo, NAN)
    return since_high, since_low


class Aroon(MultiIndicator):
    """Aroon up/down (how recent the high and the low are, 0..100) and their difference."""

    name = "aroon"
    title = "Aroon"
    talib = "AROON"
    inputs = ("high", "low")
    outputs = ("up", "down", "osc")
    period = period_param(14, minimum=2)

    __slots__ = ("_factor", "_hi", "_lo")

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._factor = 100.0 / self.period
        self._hi = RollingMax(self.period + 1)
        self._lo = RollingMin(self.period + 1)

    def update(self, high: float, low: float) -> tuple[float, ...]:
        if isnan(high) or isnan(low):
            self._missing()
            return self._values
        self._count += 1
        self._hi.push(high)
        self._lo.push(low)
        if self._count > self.period:
            f, n = self._factor, self.period
            age_h, age_l = self._hi.age, self._lo.age
            self._values = (f * (n - age_h), f * (n - age_l), f * (age_l - age_h))
        return self._values

    def _vectorised(
        self, high: FloatArray, low: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        since_high, since_low = _aroon_ages(high, low, self.period)
        f = 100.0 / self.period
        return (
            f * (self.period - since_high),
            f * (self.period - since_low),
            f * (since_low - since_high),
        )


class AroonOscillator(Indicator):
    """Aroon up minus Aroon down, -100..100."""

    name = "aroonosc"
    title = "Aroon Oscillator"
    talib = "AROONOSC"
    inputs = ("high", "low")
    period = period_param(14, minimum=2)

    __slots__ = ("_aroon",)

    def _compute_lookback(self) -> int:
        return self.period

    def reset(self) -> None:
        super().reset()
        self._aroon = Aroon(self.period)

    def update(self, high: float, low: float) -> float:
        if isnan(high) or isnan(low):
            self._missing()
            return self._value
        self._count += 1
        self._value = self._aroon.update(high, low)[2]
        return self._value

    def _vectorised(self, high: FloatArray, low: FloatArray) -> tuple[FloatArray]:
        return (Aroon.compute(high, low, period=self.period)[2],)
