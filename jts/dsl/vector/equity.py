"""The equity after each row, from the fills: step 5 of the state machine, in whole arrays.

The equity of a row is the cash plus every position marked at its instrument's last close,
as `jts.dsl.vector.kernels._equity` computes it and the event-driven equity tracker records
it. Cash and positions change only at fills, so between two fills they are constants: each
is one ``np.repeat`` of its running values over the rows, and the curve a multiply-add. The
compiled loop used to write it row by row; computing it here keeps that code (a fifth of
the loop) out of the compile a machine's first run waits on, for a few milliseconds of
numpy per million rows.

Exactness is the loop's: a mark ``|position| x close`` above 2**62 won, or an equity below
-2**62, is an overflow at that row (the loop then stops the run there), and the sums wrap
exactly as int64 arithmetic does in compiled code.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from jts.dsl.vector.kernels import LIMIT

__all__ = ["equity_curve"]

IntArray = npt.NDArray[np.int64]


def equity_curve(
    *,
    cash: int,
    row_inst: npt.NDArray[np.int32],
    close: IntArray,
    n_inst: int,
    fill_row: IntArray,
    fill_side: IntArray,
    fill_qty: IntArray,
    fill_px: IntArray,
    fill_commission: IntArray,
    fill_tax: IntArray,
) -> tuple[IntArray, int]:
    """The equity after each row and the first row whose equity leaves the exact range (-1:
    none). ``fill_row`` is non-decreasing (the loop books fills in row order) and every fill
    passed the loop's checks (its value and the cash after it within 2**62)."""
    n = close.shape[0]
    value = fill_px * fill_qty
    flow = np.where(fill_side < 0, value - fill_commission - fill_tax, -(value + fill_commission))
    levels = np.empty(flow.shape[0] + 1, dtype=np.int64)
    levels[0] = cash
    np.cumsum(flow, out=levels[1:])
    levels[1:] += cash
    equity = np.repeat(levels, _run_lengths(fill_row, n))
    bad: npt.NDArray[np.bool_] | None = None
    fill_inst = row_inst[fill_row]
    top_close = int(close.max()) if n else 0
    for k in range(n_inst):
        mine = fill_inst == k
        if not mine.any():
            continue  # never held: marks nothing
        held_levels = np.zeros(int(np.count_nonzero(mine)) + 1, dtype=np.int64)
        np.cumsum(fill_side[mine] * fill_qty[mine], out=held_levels[1:])
        held = np.repeat(held_levels, _run_lengths(fill_row[mine], n))
        last = close if n_inst == 1 else _last_close(row_inst, close, k)
        if int(np.abs(held_levels).max()) * top_close <= LIMIT:
            # no mark can pass 2**62 (the usual case): no row needs a closer look
            np.multiply(held, last, out=held)
            equity += held
            continue
        size = np.abs(held)
        # ``mul``: |position| x close is an overflow past 2**62 (prices are positive)
        over = (size > 0) & (size > LIMIT // np.maximum(last, 1))
        bad = over if bad is None else bad | over
        equity += np.where(over, 0, held * last)
    if n and int(equity.min()) < -LIMIT:
        low = equity < -LIMIT
        bad = low if bad is None else bad | low
    first_bad = int(np.argmax(bad)) if bad is not None and bad.any() else -1
    return equity, first_bad


def _run_lengths(rows: IntArray, n: int) -> IntArray:
    """How many of the ``n`` rows see each running value: value ``v`` holds from the row of
    the ``v``-th fill (the start for ``v = 0``) up to the row of the next one."""
    bounds = np.empty(rows.shape[0] + 2, dtype=np.int64)
    bounds[0] = 0
    bounds[1:-1] = rows
    bounds[-1] = n
    return np.diff(bounds)


def _last_close(row_inst: npt.NDArray[np.int32], close: IntArray, k: int) -> IntArray:
    """Each row's last close of instrument ``k`` (0 before its first row)."""
    index = np.where(row_inst == k, np.arange(close.shape[0]), -1)
    np.maximum.accumulate(index, out=index)
    return np.where(index >= 0, close[np.maximum(index, 0)], 0)
