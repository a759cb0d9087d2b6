"""Sliding-window building blocks shared by several indicators.

Highest/lowest over a window use a monotonic deque: each value enters and leaves the deque once,
so an update is O(1) amortised however long the window. Ties resolve to the most recent bar, as
TA-Lib does (it matters for Aroon, which reports how long ago the extreme was).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from jts.indicators.base import NAN, FloatArray, IntArray
from jts.indicators.jit import lazy_njit


class RollingMax:
    """Highest value of the last ``window`` pushes and the push index where it occurred."""

    __slots__ = ("_idx", "_tick", "_vals", "_window")

    def __init__(self, window: int) -> None:
        self._window = window
        self.reset()

    def reset(self) -> None:
        self._idx: deque[int] = deque()
        self._vals: deque[float] = deque()
        self._tick = -1

    def push(self, x: float) -> float:
        """Add ``x``; return the highest of the window (the window may still be filling)."""
        self._tick += 1
        vals, idx = self._vals, self._idx
        while vals and vals[-1] <= x:
            vals.pop()
            idx.pop()
        vals.append(x)
        idx.append(self._tick)
        if idx[0] <= self._tick - self._window:
            idx.popleft()
            vals.popleft()
        return vals[0]

    @property
    def value(self) -> float:
        return self._vals[0] if self._vals else NAN

    @property
    def age(self) -> int:
        """Bars since the extreme: 0 when the latest push is the extreme."""
        return self._tick - self._idx[0]


class RollingMin(RollingMax):
    """Lowest value of the last ``window`` pushes: `RollingMax` with the comparison turned
    (only `push` differs; kept separate from the max so neither pays for a branch per push)."""

    __slots__ = ()

    def push(self, x: float) -> float:
        """Add ``x``; return the lowest of the window (the window may still be filling)."""
        self._tick += 1
        vals, idx = self._vals, self._idx
        while vals and vals[-1] >= x:
            vals.pop()
            idx.pop()
        vals.append(x)
        idx.append(self._tick)
        if idx[0] <= self._tick - self._window:
            idx.popleft()
            vals.popleft()
        return vals[0]


@lazy_njit
def _rolling_argmax(x: FloatArray, window: int) -> IntArray:
    n = x.shape[0]
    out = np.empty(n, np.int64)
    # Ring buffers of a power-of-two capacity: head and tail only ever grow, the slot is
    # ``counter & mask`` (cheaper than a modulo); the values ride along to save an indirection.
    cap = 1
    while cap < window + 1:
        cap *= 2
    mask = cap - 1
    dq = np.empty(cap, np.int64)
    dv = np.empty(cap)
    head = 0
    tail = 0
    for i in range(n):
        v = x[i]
        while tail > head and dv[(tail - 1) & mask] <= v:
            tail -= 1
        dq[tail & mask] = i
        dv[tail & mask] = v
        tail += 1
        if dq[head & mask] <= i - window:
            head += 1
        out[i] = dq[head & mask]
    out[: window - 1] = -1
    return out


@lazy_njit
def _rolling_max(x: FloatArray, window: int) -> FloatArray:
    n = x.shape[0]
    out = np.empty(n)
    cap = 1
    while cap < window + 1:
        cap *= 2
    mask = cap - 1
    dq = np.empty(cap, np.int64)
    dv = np.empty(cap)
    head = 0
    tail = 0
    for i in range(n):
        v = x[i]
        while tail > head and dv[(tail - 1) & mask] <= v:
            tail -= 1
        dq[tail & mask] = i
        dv[tail & mask] = v
        tail += 1
        if dq[head & mask] <= i - window:
            head += 1
        out[i] = dv[head & mask]
    out[: window - 1] = np.nan
    return out


def rolling_extreme_index(x: FloatArray, window: int, want_max: bool) -> IntArray:
    """Index of the latest highest (or lowest) value of each window; -1 while it fills.

    The lowest is the highest of the negated series: negation is exact and turns ``>=`` into
    ``<=``, so ties still resolve to the latest bar.
    """
    return _rolling_argmax(x if want_max else -x, window)


def rolling_max(x: FloatArray, window: int) -> FloatArray:
    """Highest of the last ``window`` values (current included); NaN for the first window-1."""
    return _rolling_max(x, window)


def rolling_min(x: FloatArray, window: int) -> FloatArray:
    """Lowest of the last ``window`` values (current included); NaN for the first window-1."""
    out: FloatArray = -_rolling_max(-x, window)
    return out
