"""Snapping arrays of model prices onto a tick table, exactly, for the synthetic generator.

`TickScheme.round` works on one `Price` at a time; a generator making millions of prices needs
the same rule over numpy arrays. The model price is a float (it comes out of a random walk in
log space); the result is an int64 raw price at the scheme's precision, and every result is
verified against the scheme's bands in integer arithmetic, with any value the vectorised
rounding got wrong (a float at a band edge) redone by `TickScheme.round` itself.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np
import numpy.typing as npt

from jts.backtest.data.arrays import Int64Array
from jts.domain.tick_rules import TickScheme
from jts.domain.values import Price, Rounding

__all__ = ["grid_arrays", "grid_lists", "on_grid", "round_one", "round_to_grid"]

FloatArray = npt.NDArray[np.float64]


def grid_arrays(scheme: TickScheme) -> tuple[Int64Array, Int64Array]:
    """Band lower bounds and ticks as raw integers at the scheme's precision."""
    lows = np.array([b.lower.raw_at(scheme.precision) for b in scheme.bands], dtype=np.int64)
    ticks = np.array([b.tick.raw_at(scheme.precision) for b in scheme.bands], dtype=np.int64)
    return lows, ticks


def on_grid(raw: Int64Array, scheme: TickScheme) -> npt.NDArray[np.bool_]:
    """Whether each raw price is positive and a multiple of the tick of its own band."""
    lows, ticks = grid_arrays(scheme)
    band = np.clip(np.searchsorted(lows, raw, side="right") - 1, 0, len(lows) - 1)
    return np.asarray((raw > 0) & (raw % ticks[band] == 0), dtype=np.bool_)


def round_to_grid(values: FloatArray, scheme: TickScheme) -> Int64Array:
    """The nearest valid price to each model price (given in raw units at the scheme's
    precision), never below the smallest valid price."""
    lows, ticks = grid_arrays(scheme)
    band = np.clip(np.searchsorted(lows, values, side="right") - 1, 0, len(lows) - 1)
    tick = ticks[band]
    raw: Int64Array = np.maximum(np.floor(values / tick + 0.5).astype(np.int64) * tick, ticks[0])
    wrong = np.flatnonzero(~on_grid(raw, scheme))
    for index in wrong.tolist():
        price = Price.from_raw(int(raw[index]), scheme.precision)
        raw[index] = scheme.round(price, Rounding.NEAREST).raw_at(scheme.precision)
    return raw


def grid_lists(scheme: TickScheme) -> tuple[list[int], list[int]]:
    """`grid_arrays` as Python lists, for `round_one` in a loop."""
    lows, ticks = grid_arrays(scheme)
    return lows.tolist(), ticks.tolist()


def round_one(
    value: float, scheme: TickScheme, grid: tuple[list[int], list[int]] | None = None
) -> int:
    """`round_to_grid` for one model price, with the same float operations (so a price
    snapped alone and the same price snapped in an array agree to the unit). Pass
    ``grid_lists(scheme)`` as ``grid`` when calling it many times."""
    lows, ticks = grid if grid is not None else grid_lists(scheme)
    band = max(0, bisect_right(lows, value) - 1)
    tick = ticks[band]
    raw = max(math.floor(value / tick + 0.5) * tick, ticks[0])
    if raw % ticks[max(0, bisect_right(lows, raw) - 1)]:
        price = Price.from_raw(raw, scheme.precision)
        raw = scheme.round(price, Rounding.NEAREST).raw_at(scheme.precision)
    return raw
