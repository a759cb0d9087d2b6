"""The position/cash state machine over the rows, int64 throughout (compiled in `kernels`).

It replays, row by row, what the event-driven backtest does with a DSL strategy on one
account (docs/dsl.md "Positions, orders, sizes and stops"; `jts.dsl.streaming.strategy`):

1. the venue first: each working market order of the row's instrument fills on the first bar
   that can fill it (see `jts.dsl.vector.market`) at that bar's open (next-open mode) or close
   (close mode, or a closing-auction bar), clipped to the daily limits; a DAY order past its
   expiry is dropped. An entry that fills places its stops from the fill price;
2. then the strategy, on bars with a decision or a position with stops: "held" counts the
   filled position plus the working orders; a flatten bar closes everything (cancelling
   unfilled entries); an exit for the side held, or a stop level the bar's high/low reached,
   closes; otherwise the trailing stop follows the bar. When flat (also just after closing)
   one entry signal opens a position, sized at the bar's close (shares, a currency value, a
   percent of equity, or risk: ``equity x percent / per``);
3. the risk engine: with shorting off a sell that would leave the position plus working
   orders below zero is denied (the working orders still include entries cancelled on this
   bar: their cancellation reaches the books after the strategy returns), and a buy is denied
   when cash cannot pay ``quantity x max(close, upper limit)``;
4. in close mode a new order on a tradable bar fills at its close, booked after the strategy
   (the event-driven kernel queues venue events while a strategy callback runs);
5. the equity (cash plus every position at its last close) after the row: computed from the
   fills once the loop is done (`jts.dsl.vector.equity`), since only fills change it.

The loop is sequential by nature (each decision depends on the position, the position on the
fills), so it is compiled (`jts.dsl.vector.kernels.loop_kernel`, one function per shape of
program). Money is exact int64 won; every product is checked and an overflow stops the run
with an error naming the bar instead of wrapping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jts.dsl.errors import DslRuntimeError
from jts.dsl.vector import warmup
from jts.dsl.vector.equity import equity_curve
from jts.dsl.vector.grid import GridTables
from jts.dsl.vector.kernels import (
    CFG_ALLOW_SHORT,
    CFG_CASH,
    CFG_CLOSE_MODE,
    CFG_DECISIONS_OUT,
    CFG_INTERVAL,
    CFG_LEN,
    CFG_ORDERS_OUT,
    CFG_PER_ROW,
    CFG_SIZE_DEN,
    CFG_SIZE_MODE,
    CFG_SIZE_NUM,
    CFG_STOPS,
    D_WIDTH,
    ERR_CAPACITY,
    ERR_OVERFLOW,
    F_ORDER,
    F_WIDTH,
    I_PREV_TS,
    I_WIDTH,
    MAX_PENDING,
    O_WIDTH,
    STOP_NONE,
    W_WIDTH,
    loop_kernel,
)
from jts.dsl.vector.rows import Rows
from jts.indicators.jit import collector_paused

__all__ = ["LoopOutput", "StopSpec", "VectorOverflowError", "run_rows"]

IntArray = npt.NDArray[np.int64]


class VectorOverflowError(DslRuntimeError):
    """An amount left the exact int64 range, or too many orders were open (the message names
    the bar)."""


@dataclass(frozen=True, slots=True)
class StopSpec:
    """One stop of the program for the loop: ``kind`` 0 none, 1 percent ``num / den``, 2 a
    distance read from amounts row ``row``."""

    kind: int = 0
    num: int = 0
    den: int = 1
    row: int = -1


@dataclass(frozen=True, slots=True)
class LoopOutput:
    """The fills as rows of the input and the equity after each row; from a recording run
    also each fill's order number and the order and decision logs (`jts.dsl.vector.kernels`
    ``O_*`` and ``D_*`` columns; empty otherwise)."""

    fill_row: IntArray
    fill_side: IntArray
    fill_qty: IntArray
    fill_px: IntArray
    fill_commission: IntArray
    fill_tax: IntArray
    equity: IntArray
    fill_order: IntArray
    orders: IntArray
    decisions: IntArray


def run_rows(
    rows: Rows,
    *,
    cash: int,
    close_mode: bool,
    flatten: bool,
    allow_short: bool,
    sizing: tuple[int, int, int],
    stops: tuple[StopSpec, StopSpec, StopSpec],
    interval_ns: int,
    sessions: IntArray,
    limits: IntArray,
    commission: IntArray,
    tax_table: IntArray,
    lots: IntArray,
    grid: GridTables,
    record: bool = False,
) -> LoopOutput:
    """Run the state machine. ``flatten`` says whether any row has a flatten decision;
    ``sizing`` is (mode, amount numerator, denominator), ``stops`` the stop loss, take profit
    and trailing stop; ``interval_ns`` the bar length (0: tick bars), ``sessions`` the
    session table and ``limits`` each instrument's limit table (`jts.dsl.vector.market`); per
    instrument ``commission`` rows are (num, den), ``lots`` rows (lot, minimum quantity),
    ``tax_table[k, day]`` the sell tax. ``record`` also logs the orders and decisions.

    These choose the compiled shape (`loop_kernel`); the equity curve comes from the fills
    afterwards (`equity_curve`), and an equity out of the exact range stops the run at its
    row, as the loop would have."""
    cfg = np.zeros(CFG_LEN, dtype=np.int64)
    cfg[CFG_CASH] = cash
    cfg[CFG_CLOSE_MODE] = close_mode
    cfg[CFG_ALLOW_SHORT] = allow_short
    cfg[CFG_SIZE_MODE], cfg[CFG_SIZE_NUM], cfg[CFG_SIZE_DEN] = sizing
    cfg[CFG_PER_ROW] = rows.amount_row.get("size_risk_per", -1)
    cfg[CFG_INTERVAL] = interval_ns
    for j, stop in enumerate(stops):
        cfg[CFG_STOPS + 4 * j : CFG_STOPS + 4 * j + 4] = (stop.kind, stop.num, stop.den, stop.row)
    busy = int(np.count_nonzero(rows.flags))
    capacity = 3 * busy + 16  # <= 2 orders per decision bar plus one stop exit per entry
    fills = np.empty((capacity, F_WIDTH), dtype=np.int64)
    logs = capacity if record else 0  # <= one order and one decision per fill, as above
    orders = np.zeros((logs, O_WIDTH), dtype=np.int64)
    decisions = np.zeros((logs, D_WIDTH), dtype=np.int64)
    n_inst = commission.shape[0]
    state = np.zeros((n_inst, I_WIDTH), dtype=np.int64)
    state[:, I_PREV_TS] = -1
    warmup.finish()
    run_loop = loop_kernel(
        any(stop.kind != STOP_NONE for stop in stops), sizing[0], close_mode, flatten, record
    )
    with collector_paused():  # a first call compiles; the loop itself allocates nothing
        count, error, where = run_loop(
            rows.inst, rows.ts, rows.open, rows.high, rows.low, rows.close, rows.flags,
            rows.amounts, rows.day, sessions, limits,
            commission, tax_table, lots, grid.scheme_of, grid.lows, grid.ticks, grid.bands, cfg,
            state,
            np.full((n_inst, 3), np.nan),
            np.zeros((n_inst, MAX_PENDING, W_WIDTH), dtype=np.int64),
            np.full((n_inst, MAX_PENDING, 3), np.nan),
            fills, orders, decisions,
        )  # fmt: skip
    done = fills[:count].T.copy()
    equity, out_of_range = equity_curve(
        cash=cash,
        row_inst=rows.inst,
        close=rows.close,
        n_inst=n_inst,
        fill_row=done[0],
        fill_side=done[1],
        fill_qty=done[2],
        fill_px=done[3],
        fill_commission=done[4],
        fill_tax=done[5],
    )
    if out_of_range >= 0 and (not error or out_of_range < where):
        # the loop would have stopped there, at the end of that row
        error, where = ERR_OVERFLOW, out_of_range
    if error:
        at = dt.datetime.fromtimestamp(int(rows.ts[where]) / 1e9, dt.UTC).isoformat()
        what = {
            ERR_OVERFLOW: "an amount passed 2**62 won",
            ERR_CAPACITY: "more fills than orders could have been sent (a bug)",
        }.get(error, "too many open orders for one instrument")
        raise VectorOverflowError(f"vectorised backtest stopped at bar {where} ({at}): {what}")
    return LoopOutput(
        done[0], done[1], done[2], done[3], done[4], done[5], equity, done[F_ORDER],
        orders[: cfg[CFG_ORDERS_OUT]], decisions[: cfg[CFG_DECISIONS_OUT]],
    )  # fmt: skip
