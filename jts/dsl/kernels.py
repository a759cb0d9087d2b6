"""Compiled loops of the vectorised evaluator, where one pass beats many numpy passes.

`jts.dsl.signals` computes each node with whole-array numpy operations; a ``crosses`` node
needs about a dozen of them (four unknown tests, two comparisons per bar and the bar before,
the combination), which made it the evaluator's most expensive node. Here it is one pass.
Kernels compile on first use (`jts.indicators.jit.lazy_njit`), so checking or formatting a
file never imports numba, and they perform exactly the comparisons of the numpy form.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from jts.indicators.jit import lazy_njit

__all__ = ["cross_kernel"]

FloatArray = npt.NDArray[np.float64]


@lazy_njit
def cross_kernel(left: FloatArray, right: FloatArray, above: bool, out: FloatArray) -> None:
    """``left crosses above right`` (or below) as 1.0 / 0.0 / NaN per bar into ``out`` (docs/dsl.md
    "Crosses"): unknown on the first bar and wherever one of the four values is unknown. The
    caller allocates ``out``: an allocation inside compiled code compiles numpy's allocator for
    it too, a tenth of a second on a machine's first run."""
    n = left.shape[0]
    if n == 0:
        return
    out[0] = math.nan
    was_l = left[0]
    was_r = right[0]
    for i in range(1, n):
        now_l = left[i]
        now_r = right[i]
        if math.isnan(now_l) or math.isnan(now_r) or math.isnan(was_l) or math.isnan(was_r):
            out[i] = math.nan
        elif above:
            out[i] = 1.0 if (now_l > now_r and was_l <= was_r) else 0.0
        else:
            out[i] = 1.0 if (now_l < now_r and was_l >= was_r) else 0.0
        was_l = now_l
        was_r = now_r
