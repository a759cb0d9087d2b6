"""Cross-over and cross-under of two series, as boolean events.

``cross_over(a, b)`` is true on the bar where ``a`` goes from below ``b`` to above it, and
``cross_under`` on the bar where it goes from above to below. A bar where ``a == b`` keeps the
side of the last bar where they differed, so:

* passing through an exact tie (``a < b``, ``a == b``, ``a > b``) is one cross, on the bar that
  leaves the tie;
* touching and turning back (``a < b``, ``a == b``, ``a < b``) is no cross at all.

A cross needs a side before it, so the first bar is never one: lookback 1. ``b`` may be a
constant level (``cross_over(rsi, 30)``). TA-Lib has no cross functions; TradingView's
``ta.crossover`` compares only with the previous bar, so it misses a cross through a tie.
"""

from __future__ import annotations

from math import isnan

import numpy as np

from jts.indicators.base import BoolArray, FloatArray, SignalIndicator
from jts.indicators.jit import lazy_njit


@lazy_njit
def cross_kernel(a: FloatArray, b: FloatArray, upward: bool) -> BoolArray:
    n = a.shape[0]
    out = np.zeros(n, dtype=np.bool_)
    side = 0  # +1 above, -1 below, 0 no side yet; ties keep the last side
    for i in range(n):
        now = 1 if a[i] > b[i] else (-1 if a[i] < b[i] else 0)
        if now != 0:
            if upward:
                out[i] = now > 0 and side < 0
            else:
                out[i] = now < 0 and side > 0
            side = now
    return out


class _Cross(SignalIndicator):
    inputs = ("a", "b")
    _upward = True

    __slots__ = ("_side",)

    def _compute_lookback(self) -> int:
        return 1

    def reset(self) -> None:
        super().reset()
        self._side = 0

    def update(self, a: float, b: float) -> bool:
        if isnan(a) or isnan(b):
            self._missing()
            return self._value
        self._count += 1
        now = 1 if a > b else (-1 if a < b else 0)
        if now == 0:
            self._value = False
            return False
        side = self._side
        self._value = (now > 0 and side < 0) if self._upward else (now < 0 and side > 0)
        self._side = now
        return self._value

    def _vectorised(self, a: FloatArray, b: FloatArray) -> tuple[BoolArray]:
        return (cross_kernel(a, b, self._upward),)


class CrossOver(_Cross):
    """True on the bar where ``a`` moves from below ``b`` to above it."""

    name = "cross_over"
    title = "Cross Over"
    _upward = True
    __slots__ = ()


class CrossUnder(_Cross):
    """True on the bar where ``a`` moves from above ``b`` to below it."""

    name = "cross_under"
    title = "Cross Under"
    _upward = False
    __slots__ = ()
