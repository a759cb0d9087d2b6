"""The compiled position/cash state machine: one pass over the bars, int64 throughout.

It replays, bar by bar, what the event-driven backtest does with a DSL strategy on one
instrument (docs/dsl.md "Positions, orders, sizes and stops"; `jts.dsl.streaming.strategy`):

1. the venue first: each working market order fills on the first bar that can fill it (see
   `jts.dsl.vector.market`) at that bar's open (next-open mode) or close (close mode, or a
   closing-auction bar), clipped to the daily limits; a DAY order past its expiry is dropped;
2. then the strategy: "held" counts the filled position plus the unfilled orders; a flatten
   bar closes everything (cancelling unfilled entries); an exit for the side held closes; when
   flat, one entry signal opens a position, sized at the bar's close;
3. the risk engine: with shorting off every short entry is denied, and a buy is denied when
   free cash cannot pay ``quantity x max(close, upper limit)``;
4. in close mode a new order fills at once at the bar's close (if the bar can fill it);
5. the equity (cash plus position at the bar's close) is recorded for the bar.

The loop is sequential by nature (each decision depends on the position, the position on the
fills), so it is a single `numba.njit` function over int64 arrays. Money is exact int64 won;
every product is checked against overflow and an overflow stops the run with an error code
instead of wrapping.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from jts.dsl.vector.costs import charge

__all__ = [
    "ERR_OVERFLOW",
    "ERR_PENDING",
    "SIZE_EQUITY",
    "SIZE_SHARES",
    "SIZE_VALUE",
    "run_loop",
]

SIZE_SHARES = 0
SIZE_VALUE = 1
SIZE_EQUITY = 2

ERR_OVERFLOW = 1
ERR_PENDING = 2

_MAX_PENDING = 8
_LIMIT = np.int64(1 << 62)  # products stay below this (headroom for one addition)


@numba.njit(cache=True, nogil=True)
def _mul(a: int, b: int) -> int:  # pragma: no cover - compiled
    """``a x b`` for non-negative operands, or -1 when it would pass 2**62."""
    if a == 0 or b == 0:
        return 0
    if a > _LIMIT // b:
        return -1
    return a * b


@numba.njit(cache=True, nogil=True)
def run_loop(  # noqa: PLR0917 - one compiled state machine
    ts: npt.NDArray[np.int64],
    open_: npt.NDArray[np.int64],
    close: npt.NDArray[np.int64],
    enter_long: npt.NDArray[np.bool_],
    exit_long: npt.NDArray[np.bool_],
    enter_short: npt.NDArray[np.bool_],
    exit_short: npt.NDArray[np.bool_],
    flatten: npt.NDArray[np.bool_],
    bar_start: npt.NDArray[np.int64],
    first_ns: npt.NDArray[np.int64],
    close_only: npt.NDArray[np.bool_],
    expiry: npt.NDArray[np.int64],
    lower: npt.NDArray[np.int64],
    upper: npt.NDArray[np.int64],
    risk_upper: npt.NDArray[np.int64],
    day_index: npt.NDArray[np.int32],
    tax_table: npt.NDArray[np.int64],
    commission_num: int,
    commission_den: int,
    cash0: int,
    close_mode: bool,
    size_mode: int,
    size_num: int,
    size_den: int,
    lot: int,
    min_qty: int,
    fill_bar: npt.NDArray[np.int64],
    fill_side: npt.NDArray[np.int64],
    fill_qty: npt.NDArray[np.int64],
    fill_px: npt.NDArray[np.int64],
    fill_comm: npt.NDArray[np.int64],
    fill_tax: npt.NDArray[np.int64],
    equity: npt.NDArray[np.int64],
) -> tuple[int, int, int]:  # pragma: no cover - compiled; tested through its callers
    """Run the bars; returns ``(fills, error code, bar of the error)`` (error 0: none).

    The ``fill_*`` arrays receive the fills; ``equity`` one value per bar. Sizes: shares
    (``size_num / size_den`` units), a currency value, or a percent of equity (both divided
    by the bar's close), floored to whole lots of ``lot`` and skipped below ``min_qty``.
    """
    n = ts.shape[0]
    cash = cash0
    pos = 0
    n_fills = 0
    p_side = np.zeros(_MAX_PENDING, dtype=np.int64)  # +1 buy, -1 sell
    p_qty = np.zeros(_MAX_PENDING, dtype=np.int64)
    p_entry = np.zeros(_MAX_PENDING, dtype=np.bool_)
    p_arrival = np.zeros(_MAX_PENDING, dtype=np.int64)
    p_expiry = np.zeros(_MAX_PENDING, dtype=np.int64)
    n_pending = 0
    for j in range(n):
        t = ts[j]
        # ---- 1. the venue: working orders meet this bar ---------------------------------
        if n_pending:
            keep = 0
            for k in range(n_pending):
                filled_here = False
                if p_expiry[k] <= bar_start[j]:
                    continue  # expired before this bar
                first = first_ns[j]
                if first >= 0 and (
                    p_arrival[k] <= first
                    or (close_mode and not close_only[j] and p_arrival[k] <= t)
                ):
                    px = close[j] if (close_mode or close_only[j]) else open_[j]
                    px = min(max(px, lower[j]), upper[j])
                    value = _mul(px, p_qty[k])
                    if value < 0:
                        return n_fills, ERR_OVERFLOW, j
                    comm = charge(value, commission_num, commission_den)
                    tax = 0
                    if p_side[k] < 0:
                        row = day_index[j]
                        tax = charge(value, tax_table[row, 0], tax_table[row, 1]) + charge(
                            value, tax_table[row, 2], tax_table[row, 3]
                        )
                        cash += value - comm - tax
                        pos -= p_qty[k]
                    else:
                        cash -= value + comm
                        pos += p_qty[k]
                    fill_bar[n_fills] = j
                    fill_side[n_fills] = p_side[k]
                    fill_qty[n_fills] = p_qty[k]
                    fill_px[n_fills] = px
                    fill_comm[n_fills] = comm
                    fill_tax[n_fills] = tax
                    n_fills += 1
                    filled_here = True
                if filled_here or p_expiry[k] <= t:
                    continue  # filled, or expired at the end of this bar
                p_side[keep] = p_side[k]
                p_qty[keep] = p_qty[k]
                p_entry[keep] = p_entry[k]
                p_arrival[keep] = p_arrival[k]
                p_expiry[keep] = p_expiry[k]
                keep += 1
            n_pending = keep
        # ---- 2. the strategy --------------------------------------------------------------
        el, xl, es, xs, fl = enter_long[j], exit_long[j], enter_short[j], exit_short[j], flatten[j]
        if el or xl or es or xs or fl:
            held = pos
            has_entry = False
            for k in range(n_pending):
                held += p_side[k] * p_qty[k]
                has_entry = has_entry or p_entry[k]
            side = (held > 0) - (held < 0)
            closing = False
            if fl:
                closing = side != 0 or has_entry
            elif side != 0:
                closing = xl if side > 0 else xs
            go_on = not fl and (side == 0 or closing)
            new_side = 0
            new_qty = 0
            new_entry = False
            if closing:
                remaining = pos
                keep = 0
                for k in range(n_pending):
                    if p_entry[k]:
                        continue  # cancelled: it never reaches the next bar
                    remaining += p_side[k] * p_qty[k]
                    p_side[keep] = p_side[k]
                    p_qty[keep] = p_qty[k]
                    p_entry[keep] = p_entry[k]
                    p_arrival[keep] = p_arrival[k]
                    p_expiry[keep] = p_expiry[k]
                    keep += 1
                n_pending = keep
                if remaining != 0:
                    new_side = -1 if remaining > 0 else 1
                    new_qty = abs(remaining)
            for step in range(2):
                if step == 1:
                    # ---- 3. an entry, when flat and one side fires ----------------------
                    new_side = 0
                    if not go_on or el == es:
                        break
                    if es:
                        break  # shorting is off: the risk engine denies every short entry
                    px = close[j]
                    if size_mode == SIZE_SHARES:
                        units = size_num // size_den
                    elif size_mode == SIZE_VALUE:
                        den = _mul(_mul(size_den, px), lot)
                        if den <= 0:
                            return n_fills, ERR_OVERFLOW, j
                        units = size_num // den * lot
                        units = units // lot  # whole lots below
                    else:
                        mv = _mul(abs(pos), px)
                        if mv < 0:
                            return n_fills, ERR_OVERFLOW, j
                        eq = cash + mv if pos >= 0 else cash - mv
                        if eq <= 0:
                            break
                        top = _mul(eq, size_num)
                        den = _mul(_mul(_mul(size_den, 100), px), lot)
                        if top < 0 or den <= 0:
                            return n_fills, ERR_OVERFLOW, j
                        units = top // den
                    qty = (units // lot) * lot if size_mode == SIZE_SHARES else units * lot
                    if qty <= 0 or qty < min_qty:
                        break
                    needed = _mul(px, qty)
                    if risk_upper[j] > 0:
                        needed = max(needed, _mul(risk_upper[j], qty))
                    if needed < 0 or _mul(risk_upper[j], qty) < 0:
                        return n_fills, ERR_OVERFLOW, j
                    if needed > cash:
                        break  # denied: buying power
                    new_side = 1
                    new_qty = qty
                    new_entry = True
                if new_side == 0:
                    continue
                # ---- 4. submit; in close mode a tradable bar fills it at once -------------
                if close_mode and first_ns[j] >= 0:
                    px = min(max(close[j], lower[j]), upper[j])
                    value = _mul(px, new_qty)
                    if value < 0:
                        return n_fills, ERR_OVERFLOW, j
                    comm = charge(value, commission_num, commission_den)
                    tax = 0
                    if new_side < 0:
                        row = day_index[j]
                        tax = charge(value, tax_table[row, 0], tax_table[row, 1]) + charge(
                            value, tax_table[row, 2], tax_table[row, 3]
                        )
                        cash += value - comm - tax
                        pos -= new_qty
                    else:
                        cash -= value + comm
                        pos += new_qty
                    fill_bar[n_fills] = j
                    fill_side[n_fills] = new_side
                    fill_qty[n_fills] = new_qty
                    fill_px[n_fills] = px
                    fill_comm[n_fills] = comm
                    fill_tax[n_fills] = tax
                    n_fills += 1
                    continue
                if n_pending == _MAX_PENDING:
                    return n_fills, ERR_PENDING, j
                p_side[n_pending] = new_side
                p_qty[n_pending] = new_qty
                p_entry[n_pending] = new_entry
                p_arrival[n_pending] = t
                p_expiry[n_pending] = expiry[j]
                n_pending += 1
        # ---- 5. equity at the bar's close --------------------------------------------------
        mv = _mul(abs(pos), close[j])
        if mv < 0:
            return n_fills, ERR_OVERFLOW, j
        equity[j] = cash + mv if pos >= 0 else cash - mv
    return n_fills, 0, -1
