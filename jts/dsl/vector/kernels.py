"""Exact integer kernels of the vectorised backtest, compiled with numba.

Every compiled function of the backtest lives in this one module on purpose: numba's on-disk
cache (``cache=True``) keys a function on the file that defines it, so a caller cached in one
file would keep running an inlined copy of a callee changed in another. One file, one key.

- `mul` and `charge`: int64 products and fee floors that never wrap (see `jts.dsl.vector.costs`);
- `grid_down` / `grid_up`: a rational price brought onto a tick table, exactly as
  `jts.domain.tick_rules.TickScheme.round` does (band of the price's floor, ``UP`` capped by the
  next band's bound); `jts.dsl.vector.market.daily_limits` does the same in whole arrays;
- `stop_level`: a stop's level from its reference price (`jts.dsl.streaming.stops.on_grid`);
- `risk_units`: ``floor(a / (d x per))`` with ``per`` a float, exact, as the streaming sizer's
  ``Fraction(per)`` gives it;
- `loop_kernel` (in `jts.dsl.vector.loop`'s words): the position/cash state machine, one
  compiled driver per shape of program over shared helpers;
- `max_drawdown`: a statistic sweeps rank by, in one pass over the curve.

A machine's first run compiles what it uses, and waits for it: the state machine is most of
that wait, so it is built to compile little. A program compiles only its own shape of driver
(`loop_kernel`); the helpers have no Python or C entry points (only compiled code calls them)
and none of numba's whole-array rewrites; nothing here allocates, so nothing needs numba's
reference-counting runtime (``_nrt=False``), whose increments and decrements would otherwise be
generated around every array and then optimised away again.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "ERR_CAPACITY",
    "ERR_OVERFLOW",
    "ERR_PENDING",
    "charge",
    "grid_down",
    "grid_up",
    "loop_kernel",
    "max_drawdown",
    "mul",
    "risk_units",
    "stop_level",
]

IntArray = npt.NDArray[np.int64]

F = TypeVar("F", bound=Callable[..., Any])


def _compiled(*, helper: bool = False, **extra: Any) -> Callable[[F], F]:
    """``numba.njit`` with the options of the module docstring; ``helper`` for a function only
    other kernels call. (Most of these options are missing from numba's type stubs.)"""
    options: dict[str, Any] = {
        "cache": True,
        "nogil": True,
        "_nrt": False,
        "no_cfunc_wrapper": True,  # nothing here is handed to C as a callback
        **extra,
    }
    if helper:
        options.update(no_cpython_wrapper=True, no_rewrites=True)
    njit: Callable[..., Callable[[F], F]] = numba.njit
    return njit(**options)


ERR_OVERFLOW = 1
ERR_PENDING = 2
ERR_CAPACITY = 3

#: products stay below this (headroom for one addition of two of them)
LIMIT = 1 << 62
#: operands below this multiply without reaching LIMIT
_SMALL = 1 << 31
#: a float distance at or beyond this puts its level out of any price's reach
_FAR = float(1 << 60)
_MAX_PENDING = 8

# stop kinds in the configuration
STOP_NONE = 0
STOP_PERCENT = 1
STOP_DISTANCE = 2

# sizing modes
SIZE_SHARES = 0
SIZE_VALUE = 1
SIZE_EQUITY = 2
SIZE_RISK = 3

# signal bits of one row
ENTER_LONG = 1
EXIT_LONG = 2
ENTER_SHORT = 4
EXIT_SHORT = 8
FLATTEN = 16

# the configuration vector the loop reads (one int64 array keeps the signature short)
CFG_CASH = 0
CFG_CLOSE_MODE = 1
CFG_ALLOW_SHORT = 2
CFG_SIZE_MODE = 3
CFG_SIZE_NUM = 4
CFG_SIZE_DEN = 5
CFG_PER_ROW = 6  # row of ``amounts`` holding the risk divisor
CFG_INTERVAL = 7  # bar length in ns; 0: a bar starts where the instrument's previous one ended
CFG_STOPS = 8  # then (kind, num, den, amounts row) for stop loss, take profit, trailing stop
CFG_ORDERS_OUT = CFG_STOPS + 12  # written back by a recording run: how many orders it sent
CFG_DECISIONS_OUT = CFG_ORDERS_OUT + 1  # and how many decisions it logged
CFG_LEN = CFG_DECISIONS_OUT + 1

# the day tables (see `jts.dsl.vector.market`): sessions [day, S_*], limits [inst, day, L_*]
S_HAS = 0
S_OPEN = 1
S_CLOSE = 2
S_AUCTION = 3  # -1: no closing auction
S_NEXT_CLOSE = 4
S_WIDTH = 5
L_LOWER = 0
L_UPPER = 1
L_RISK_UPPER = 2
L_WIDTH = 3
STOP_LOSS = 0
TAKE_PROFIT = 1
TRAILING = 2


@_compiled()
def mul(a: int, b: int) -> int:  # pragma: no cover - compiled
    """``a x b`` for non-negative operands, or -1 when it would reach 2**62."""
    if a < _SMALL and b < _SMALL:
        return a * b  # the usual case, without a division
    if a == 0 or b == 0:
        return 0
    if a > LIMIT // b:
        return -1
    return a * b


@_compiled()
def charge(value: int, num: int, den: int) -> int:  # pragma: no cover - compiled
    """``floor(value x num / den)`` for ``value >= 0`` without int64 overflow: with
    ``value = q x den + r``, it is ``q x num + floor(r x num / den)``."""
    if num == 0:
        return 0  # no fee: skip the divisions
    whole = value // den
    rest = value - whole * den
    return whole * num + (rest * num) // den


# ---- the tick grid ---------------------------------------------------------------------------
@_compiled(helper=True)
def _band(x: int, lows: IntArray, bands: int) -> int:  # pragma: no cover - compiled
    """The last band whose lower bound is at or below ``x`` (``lows[0]`` is 0)."""
    index = bands - 1
    while index > 0 and lows[index] > x:
        index -= 1
    return index


@_compiled()
def grid_down(  # pragma: no cover - compiled
    num: int, den: int, lows: IntArray, ticks: IntArray, bands: int
) -> int:
    """The largest valid price at or below ``num / den`` (> 0); 0 when there is none (below
    the lowest price), -1 on overflow. The band is that of ``floor(num / den)``."""
    index = _band(num // den, lows, bands)
    tick = ticks[index]
    step = mul(tick, den)
    if step < 0:
        return -1
    return int((num // step) * tick)


@_compiled()
def grid_up(  # pragma: no cover - compiled
    num: int, den: int, lows: IntArray, ticks: IntArray, bands: int
) -> int:
    """The smallest valid price at or above ``num / den`` (> 0); -1 on overflow. Rounding up
    past a band's top lands on the next band's lower bound (a valid price of that band)."""
    index = _band(num // den, lows, bands)
    tick = ticks[index]
    step = mul(tick, den)
    if step < 0:
        return -1
    multiple = num // step
    if multiple * step == num:
        return int(multiple * tick)
    above = int((multiple + 1) * tick)
    if index + 1 < bands and above >= lows[index + 1]:
        return int(lows[index + 1])
    return above


@_compiled()
def stop_level(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    kind: int,
    num: int,
    den: int,
    distance: float,
    ref: int,
    direction: int,
    up: bool,
    lows: IntArray,
    ticks: IntArray,
    bands: int,
) -> int:
    """A stop level ``ref`` moved ``direction`` (+1 above, -1 below) by a percent
    ``num / den`` or by a price ``distance``, rounded to a whole price then onto the grid, up
    or down (`jts.dsl.streaming.stops.on_grid`). 0: no level (not positive, below the lowest
    price, or out of any price's reach); -1: overflow."""
    if kind == STOP_PERCENT:
        scale = mul(100, den)
        factor = scale + direction * num
        if scale < 0 or factor <= 0:
            return 0 if scale >= 0 else -1
        top = mul(ref, factor)
        if top < 0:
            return -1
        raw = -((-top) // scale) if up else top // scale
    else:
        if distance >= _FAR:
            return 0
        whole = math.ceil(distance) if (direction > 0) == up else math.floor(distance)
        raw = ref + direction * whole
    if raw <= 0:
        return 0
    if up:
        return grid_up(raw, 1, lows, ticks, bands)
    return grid_down(raw, 1, lows, ticks, bands)


@_compiled()
def risk_units(a: int, d: int, per: float) -> int:  # pragma: no cover - compiled
    """``floor(a / (d x per))`` exactly, for ``a >= 0``, ``0 < d < 2**61`` and a positive
    finite float ``per`` (taken at its exact binary value); -1 when it is 2**61 or more.

    ``per = mant x 2**exp`` with an integer ``mant < 2**53``. For ``exp >= 0`` nested floor
    divisions give the result; otherwise ``floor(a x 2**k / mant)`` is formed one bit at a time
    (long division) while its quotient by ``d`` is tracked, so nothing exceeds int64.
    """
    fraction, exponent = math.frexp(per)
    mant = int(fraction * 9007199254740992.0)  # 2**53: exact, fraction has 53 bits at most
    exp = exponent - 53
    while mant % 2 == 0:
        mant //= 2
        exp += 1
    if exp >= 0:
        q = (a // d) // mant
        if exp >= 63:
            return 0
        q = q >> exp
        return -1 if q >= (1 << 61) else q
    y = a // mant
    r = a - y * mant
    q = y // d
    rq = y - q * d
    if q >= (1 << 61):
        return -1
    for _ in range(-exp):
        r2 = 2 * r
        bit = 1 if r2 >= mant else 0
        r = r2 - bit * mant
        t = 2 * rq + bit
        carry = t // d
        q = 2 * q + carry
        rq = t - carry * d
        if q >= (1 << 61):
            return -1
    return q


# ---- the loop's state, as arrays its caller allocates ------------------------------------
# Allocating inside compiled code compiles an implementation per dtype and shape: the state
# lives in two int64 tables and two float64 tables instead (booleans as 0/1).
#: per instrument: position, last close, working orders, stops on, their side, best price,
#: then the three stop levels (0: none)
I_POS = 0
I_LAST = 1
I_PENDING = 2
I_STOPS_ON = 3
I_STOP_SIDE = 4
I_BEST = 5
I_LEVEL = 6
I_PREV_TS = 9  # the close time of the instrument's previous bar (-1: none yet)
I_WIDTH = 10
#: per working order: side (+1 buy), quantity, entry, with stops, fills at this close,
#: arrival, expiry
W_SIDE = 0
W_QTY = 1
W_ENTRY = 2
W_STOPS = 3
W_NOW = 4
W_ARRIVAL = 5
W_EXPIRY = 6
W_ID = 7  # the order's number in the run (1, 2, ...), when the run records its orders
W_WIDTH = 8
#: per fill: row, side, quantity, price, commission, tax, the order's number (0: not recorded)
F_ORDER = 6
F_WIDTH = 7
#: the order log of a recording run, one row per order in the order they were sent: the row
#: it was sent on, its side, quantity and kind (1: an entry), what became of it and on which
#: row (a fill is in the fills), two amounts that explain a denial (cash needed and free; or
#: the position and the open orders)
O_ROW = 0
O_SIDE = 1
O_QTY = 2
O_ENTRY = 3
O_STATUS = 4
O_END = 5
O_A = 6
O_B = 7
O_WIDTH = 8
ORDER_WORKING = 0  # still working when the data ends (accepted)
ORDER_FILLED = 1
ORDER_DENIED_SHORT = 2
ORDER_DENIED_CASH = 3
ORDER_CANCELED = 4
ORDER_EXPIRED = 5
# the same codes as numpy scalars: passed as literals, they would make numba compile `_log`
# once per literal combination (a module-level int is a literal to numba, an np.int64 is not)
Code = int | np.int64
_EXPIRED = np.int64(ORDER_EXPIRED)
_CANCELED = np.int64(ORDER_CANCELED)
_DENIED_SHORT = np.int64(ORDER_DENIED_SHORT)
_DENIED_CASH = np.int64(ORDER_DENIED_CASH)
_NIL = np.int64(0)
#: the decision log: one row per signal the streaming strategy would emit (an entry with a
#: size, or a close), in order: row, kind, side, the bar's close, high and low, then the
#: equity an entry was sized on, or the three stop levels (loss, take profit, trailing) a stop
#: exit saw
D_ROW = 0
D_KIND = 1
D_SIDE = 2
D_CLOSE = 3
D_HIGH = 4
D_LOW = 5
D_EQUITY = 6
D_LEVELS = 6
D_WIDTH = 9
DECIDE_ENTER = 1
DECIDE_EXIT = 2  # an exit rule
DECIDE_STOP = 3
DECIDE_FLATTEN = 4
MAX_PENDING = _MAX_PENDING


# ---- stops of one position -------------------------------------------------------------------
@_compiled(helper=True)
def _has_stop(kind: int, offset: float) -> bool:  # pragma: no cover - compiled
    """A percent stop is always placed; a distance stop when its distance was known (> 0)."""
    return kind == STOP_PERCENT or (kind == STOP_DISTANCE and not math.isnan(offset))


@_compiled(helper=True)
def _place(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    inst: IntArray,
    k: int,
    j: int,
    ref: int,
    direction: int,
    offset: float,
    cfg: IntArray,
    lows: IntArray,
    ticks: IntArray,
    bands: int,
) -> int:
    """Stop ``j``'s level from ``ref`` (0: none; -1: overflow). A trailing level only ever
    tightens (`PositionStops._trail`); the others are set."""
    base = CFG_STOPS + 4 * j
    kind = cfg[base]
    if not _has_stop(kind, offset):
        return 0
    level = stop_level(
        kind, cfg[base + 1], cfg[base + 2], offset, ref, direction, direction > 0, lows, ticks,
        bands,
    )  # fmt: skip
    if level <= 0:
        return level
    current = inst[k, I_LEVEL + j]
    if j != TRAILING or current == 0 or (level > current if direction < 0 else level < current):
        inst[k, I_LEVEL + j] = level
    return level


@_compiled(helper=True)
def _triggered(inst: IntArray, k: int, high: int, low: int) -> bool:  # pragma: no cover - compiled
    """Whether the bar's range reached a level (`PositionStops.triggered`)."""
    loss = int(inst[k, I_LEVEL + STOP_LOSS])
    profit = int(inst[k, I_LEVEL + TAKE_PROFIT])
    trail = int(inst[k, I_LEVEL + TRAILING])
    if inst[k, I_STOP_SIDE] > 0:
        return (
            (loss != 0 and low <= loss)
            or (trail != 0 and low <= trail)
            or (profit != 0 and high >= profit)
        )
    return (
        (loss != 0 and high >= loss)
        or (trail != 0 and high >= trail)
        or (profit != 0 and low <= profit)
    )


# ---- entry sizes ------------------------------------------------------------------------------
# Whole lots of an entry at the signal bar's ``price`` (`jts.dsl.streaming.sizing`), one function
# per sizing mode so a loop compiles only its own (``size N shares`` is written out in the
# loop): 0 skips the entry, -1 is an overflow, -2 a size beyond 2**61 lots (only a risk divisor
# near 0).
@_compiled(helper=True)
def _lots_value(num: int, den: int, price: int, lot: int) -> int:  # pragma: no cover - compiled
    """``size N KRW``: the value at the bar's close."""
    d = mul(mul(den, price), lot)
    return -1 if d <= 0 else num // d


@_compiled(helper=True)
def _lots_equity(  # pragma: no cover - compiled
    num: int, den: int, price: int, equity: int, lot: int
) -> int:
    """``size N % of equity``."""
    if equity <= 0:
        return 0  # no budget: a non-positive size is skipped
    top = mul(equity, num)
    d = mul(mul(mul(den, 100), price), lot)
    if top < 0 or d <= 0:
        return -1
    return top // d


@_compiled(helper=True)
def _lots_risk(  # pragma: no cover - compiled
    num: int, den: int, equity: int, lot: int, per: float
) -> int:
    """``size risk N % per X``: ``equity x N % / X`` units."""
    if equity <= 0:
        return 0  # no budget: a non-positive size is skipped
    top = mul(equity, num)
    if not (per > 0.0 and per < math.inf):
        return 0  # risk per unit unknown, infinite or not positive: skipped
    d = mul(mul(den, 100), lot)
    if top < 0 or d <= 0 or d >= (1 << 61):
        return -1
    lots = risk_units(top, d, per)
    return -2 if lots < 0 else lots


@_compiled(helper=True)
def _equity(cash: int, inst: IntArray) -> int:  # pragma: no cover - compiled
    """Cash plus every position marked at its last close; below -2**62 on overflow."""
    value = cash
    for k in range(inst.shape[0]):
        held = inst[k, I_POS]
        if held != 0:
            mv = mul(held if held > 0 else -held, inst[k, I_LAST])
            if mv < 0:
                return -LIMIT - 1
            value += mv if held > 0 else -mv
    return value


# ---- the state machine, in parts ---------------------------------------------------------------
# numba's compile time grows faster than the size of a function (its analyses walk every block
# for every variable), so the state machine is a small driver and a few helpers compiled on
# their own; LLVM inlines them again, so the split costs nothing at run time. The helpers
# serve every shape of the driver (see `loop_kernel`) and are compiled once per machine.
@_compiled(helper=True)
def _window(  # pragma: no cover - compiled
    sessions: IntArray, d: int, t: int, bar_start: int
) -> tuple[int, bool, int]:
    """What the venue makes of a bar covering ``(bar_start, t]`` on day ``d``: the time from
    which an order fills on it (-1: none; the close for a closing-auction bar), whether it
    is a closing-auction bar (it fills at its close only), and when a DAY order sent on it
    expires (`jts.dsl.vector.market`)."""
    opens = sessions[d, S_OPEN]
    closes = sessions[d, S_CLOSE]
    auction = sessions[d, S_AUCTION]
    has = sessions[d, S_HAS] != 0
    live = has and t > opens and bar_start < closes
    in_auction = live and auction >= 0 and bar_start >= auction
    close_only = in_auction and t >= closes
    if close_only:
        first = closes  # the closing auction: its only price is the close
    elif live and not in_auction:
        first = bar_start if bar_start > opens else opens
    else:
        first = -1  # this bar fills nothing
    expiry = closes if (has and t < closes) else sessions[d, S_NEXT_CLOSE]
    return first, close_only, expiry


@_compiled(helper=True)
def _book(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    r: int,
    k: int,
    d: int,
    side: int,
    qty: int,
    px: int,
    order_id: int,
    cash: int,
    n_fills: int,
    inst: IntArray,
    fills: IntArray,
    commission: IntArray,
    tax_table: IntArray,
) -> tuple[int, int]:
    """A fill of ``qty`` at ``px`` booked as fill number ``n_fills``: its commission and sell
    tax, the cash and the position. Returns ``(cash, error)``."""
    if n_fills == fills.shape[0]:
        return cash, ERR_CAPACITY
    value = mul(px, qty)
    if value < 0:
        return cash, ERR_OVERFLOW
    comm = charge(value, commission[k, 0], commission[k, 1])
    tax = 0
    if side < 0:
        tax = charge(value, tax_table[k, d, 0], tax_table[k, d, 1]) + charge(
            value, tax_table[k, d, 2], tax_table[k, d, 3]
        )
        cash += value - comm - tax
    else:
        cash -= value + comm
    if cash >= LIMIT or cash <= -LIMIT:
        return cash, ERR_OVERFLOW
    inst[k, I_POS] += side * qty
    fills[n_fills, 0] = r
    fills[n_fills, 1] = side
    fills[n_fills, 2] = qty
    fills[n_fills, 3] = px
    fills[n_fills, 4] = comm
    fills[n_fills, 5] = tax
    fills[n_fills, F_ORDER] = order_id
    return cash, 0


@_compiled(helper=True, locals={"px": numba.int64})
def _venue(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    now_only: bool,
    k: int,
    r: int,
    d: int,
    t: int,
    bar_start: int,
    first: int,
    close_only: bool,
    close_mode: bool,
    open_px: int,
    close_px: int,
    lower: int,
    upper: int,
    cash: int,
    n_fills: int,
    inst: IntArray,
    inst_off: npt.NDArray[np.float64],
    work: IntArray,
    work_off: npt.NDArray[np.float64],
    fills: IntArray,
    commission: IntArray,
    tax_table: IntArray,
    orders: IntArray,
) -> tuple[int, int, int, bool]:
    """One pass of the venue over instrument ``k``'s working orders: before the strategy
    (1.), or with ``now_only`` the close-mode orders sent on this bar (4.). Returns
    ``(cash, fills, error, stops opened)``. An entry sent with stops that fills opens them
    (side, best price, distances; levels cleared): the caller places the levels from that
    fill (only one entry is ever working, and nothing else in the pass reads the levels).
    A recording run (``orders`` not empty) logs each order that expires."""
    keep = 0
    opened = False
    for i in range(inst[k, I_PENDING]):
        px = -1
        if now_only:
            if work[k, i, W_NOW] != 0:
                px = close_px
        else:
            if work[k, i, W_EXPIRY] <= bar_start:
                _log(orders, work[k, i, W_ID], _EXPIRED, r, _NIL, _NIL)
                continue  # expired before this bar
            arrival = work[k, i, W_ARRIVAL]
            if first >= 0 and (
                arrival <= first or (close_mode and not close_only and arrival <= t)
            ):
                px = close_px if (close_mode or close_only) else open_px
        if px >= 0:
            if px < lower:  # noqa: PLR1730 - builtin max/min would compile an overload each
                px = lower
            if px > upper:  # noqa: PLR1730
                px = upper
            side = work[k, i, W_SIDE]
            cash, error = _book(
                r, k, d, side, work[k, i, W_QTY], px, work[k, i, W_ID], cash, n_fills, inst,
                fills, commission, tax_table,
            )  # fmt: skip
            if error:
                return cash, n_fills, error, opened
            n_fills += 1
            if work[k, i, W_ENTRY] != 0 and work[k, i, W_STOPS] != 0:
                # fresh stops from the fill price (`StopRules.open`)
                inst[k, I_STOPS_ON] = 1
                inst[k, I_STOP_SIDE] = side
                inst[k, I_BEST] = px
                for j in range(3):
                    inst_off[k, j] = work_off[k, i, j]
                    inst[k, I_LEVEL + j] = 0
                opened = True
            continue
        if not now_only and work[k, i, W_EXPIRY] <= t:
            _log(orders, work[k, i, W_ID], _EXPIRED, r, _NIL, _NIL)
            continue  # expired at the end of this bar
        if keep != i:
            for c in range(W_WIDTH):
                work[k, keep, c] = work[k, i, c]
            for j in range(3):
                work_off[k, keep, j] = work_off[k, i, j]
        keep += 1
    inst[k, I_PENDING] = keep
    return cash, n_fills, 0, opened


@_compiled(helper=True)
def _open_levels(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    inst: IntArray,
    inst_off: npt.NDArray[np.float64],
    k: int,
    cfg: IntArray,
    lows: IntArray,
    ticks: IntArray,
    bands: int,
) -> int:
    """The three levels of stops just opened at price ``inst[k, I_BEST]`` (the loss and the
    trailing stop below a long, the profit above); an error code."""
    px = inst[k, I_BEST]
    side = inst[k, I_STOP_SIDE]
    for j in range(3):
        direction = side if j == TAKE_PROFIT else -side
        if _place(inst, k, j, px, direction, inst_off[k, j], cfg, lows, ticks, bands) < 0:
            return ERR_OVERFLOW
    return 0


@_compiled(helper=True)
def _close_out(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    work: IntArray, inst: IntArray, k: int, filled: int, r: int, orders: IntArray
) -> tuple[int, int]:
    """Closing: cancel the working entries and send one order for what the position and the
    working exits leave open. Returns ``(orders sent, error)``; the new order sits right
    after the working ones, for the risk engine. A recording run logs the cancellations."""
    remaining = filled
    keep = 0
    for i in range(inst[k, I_PENDING]):
        if work[k, i, W_ENTRY] != 0:
            _log(orders, work[k, i, W_ID], _CANCELED, r, _NIL, _NIL)
            continue  # cancelled (the risk engine still counts it this bar)
        remaining += work[k, i, W_SIDE] * work[k, i, W_QTY]
        for c in range(W_WIDTH):
            work[k, keep, c] = work[k, i, c]
        keep += 1
    inst[k, I_PENDING] = keep
    if remaining == 0:
        return 0, 0
    if keep >= MAX_PENDING:
        return 0, ERR_PENDING
    work[k, keep, W_SIDE] = -1 if remaining > 0 else 1
    work[k, keep, W_QTY] = remaining if remaining > 0 else -remaining
    work[k, keep, W_ENTRY] = 0
    work[k, keep, W_STOPS] = 0
    return 1, 0


@_compiled(helper=True)
def _admit(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    work: IntArray,
    work_off: npt.NDArray[np.float64],
    inst: IntArray,
    k: int,
    n_orders: int,
    filled: int,
    pending: int,
    allow_short: bool,
    close_px: int,
    risk_upper: int,
    cash: int,
    now: bool,
    r: int,
    t: int,
    expiry: int,
    orders: IntArray,
) -> int:
    """3. The risk engine on the ``n_orders`` new orders after the working ones: each is kept
    (appended to the working orders) or dropped, counting the working orders as the kernel's
    cache shows them. Returns an error code. A recording run logs each denial with the
    amounts its reason quotes."""
    counted = pending
    m = inst[k, I_PENDING]
    for o in range(m, m + n_orders):
        oside = work[k, o, W_SIDE]
        qty = work[k, o, W_QTY]
        if oside < 0:
            if not allow_short and filled + counted - qty < 0:
                _log(orders, work[k, o, W_ID], _DENIED_SHORT, r, filled, counted)
                continue  # denied: shorting is off
        else:
            needed = mul(close_px, qty) if qty > 0 else -1
            if needed >= 0 and risk_upper > 0:
                reserve = mul(risk_upper, qty)
                if reserve < 0:
                    needed = -1
                elif reserve > needed:
                    needed = reserve
            if needed < 0 or needed > cash:
                _log(orders, work[k, o, W_ID], _DENIED_CASH, r, needed, cash)
                continue  # denied: buying power
        counted += oside * qty
        if m >= MAX_PENDING:
            return ERR_PENDING
        for c in range(W_WIDTH):
            work[k, m, c] = work[k, o, c]
        for j in range(3):
            work_off[k, m, j] = work_off[k, o, j]
        work[k, m, W_NOW] = now  # close mode: fills at this close, after the strategy
        work[k, m, W_ARRIVAL] = t
        work[k, m, W_EXPIRY] = expiry
        m += 1
    inst[k, I_PENDING] = m
    return 0


@_compiled(helper=True)
def _log(  # noqa: PLR0917 # pragma: no cover - compiled, positional arguments
    orders: IntArray, order_id: int, status: Code, r: int, a: Code, b: Code
) -> None:
    """A recording run's note of what became of order ``order_id`` on row ``r`` (a denial
    with the two amounts its reason quotes); nothing when the run does not record."""
    if order_id > 0 and orders.shape[0] > 0:
        row = order_id - 1
        orders[row, O_STATUS] = status
        orders[row, O_END] = r
        orders[row, O_A] = a
        orders[row, O_B] = b


@functools.cache
def loop_kernel(
    stops: bool, size_mode: int, close_mode: bool, flatten: bool, record: bool = False
) -> Callable[..., tuple[int, int, int]]:
    """The state machine for one shape of program: with stops (any of the three) or without,
    sizing its entries by ``size_mode`` (``SIZE_*``), filling at the close or the next open,
    with a flatten time rule or without.

    Each shape is its own compiled driver: the four values are constants of the closure, so
    numba prunes the branches of the other shapes before it types the body and never compiles
    what a program cannot reach (the stop levels and the tick grid, the other sizers, the
    close-mode pass). The on-disk cache keys a closure on its constants, so each shape is
    cached on its own. A program without stops computes exactly what the full machine
    computes with every stop kind set to none (no entry is then sent with stops, so no level
    is placed or checked); one without a flatten rule never has a flatten bar.
    """
    if size_mode not in (SIZE_SHARES, SIZE_VALUE, SIZE_EQUITY, SIZE_RISK):
        raise ValueError(f"unknown sizing mode {size_mode}")
    return _build_loop(bool(stops), int(size_mode), bool(close_mode), bool(flatten), bool(record))


def _build_loop(
    stops: bool, size_mode: int, close_mode: bool, flatten: bool, record: bool
) -> Callable[..., tuple[int, int, int]]:
    # Declared types: a variable that starts from a literal (0, False) would otherwise make
    # numba compile a helper it is passed to once for the literal and once for its type.
    declared = {
        "cash": numba.int64,
        "n_fills": numba.int64,
        "pending": numba.int64,
        "n_orders": numba.int64,
        "sent": numba.int64,
        "decided": numba.int64,
        "in_close_mode": numba.boolean,
        "now_only": numba.boolean,
        "now": numba.boolean,  # not a literal False in next-open shapes: one `_admit` for all
    }

    @_compiled(locals=declared)
    def run_loop(  # noqa: PLR0917 - one compiled state machine, see loop.py
        row_inst: npt.NDArray[np.int32],
        ts: IntArray,
        open_: IntArray,
        high: IntArray,
        low: IntArray,
        close: IntArray,
        flags: npt.NDArray[np.uint8],
        amounts: npt.NDArray[np.float64],
        day: npt.NDArray[np.int32],
        sessions: IntArray,
        limits: IntArray,
        commission: IntArray,
        tax_table: IntArray,
        lots: IntArray,
        schemes: npt.NDArray[np.int32],
        lows: IntArray,
        ticks: IntArray,
        bands: IntArray,
        cfg: IntArray,
        inst: IntArray,
        inst_off: npt.NDArray[np.float64],
        work: IntArray,
        work_off: npt.NDArray[np.float64],
        fills: IntArray,
        orders: IntArray,
        decisions: IntArray,
    ) -> tuple[int, int, int]:  # pragma: no cover - compiled; tested through its callers
        """Run the rows; returns ``(fills, error code, row of the error)`` (error 0: none).
        The meaning of every step is documented in `jts.dsl.vector.loop`.

        ``inst`` (``I_*`` columns) and ``inst_off`` (stop distances) hold each instrument's
        state, ``work`` (``W_*``) and ``work_off`` its working orders in submission order; all
        start at zero (``inst_off``/``work_off`` at NaN, ``inst[:, I_PREV_TS]`` at -1).
        ``fills`` receives rows of (row, side, quantity, price, commission, tax, order).
        A recording shape also numbers the orders it sends and logs them in ``orders``
        (``O_*`` columns; the counts go back in ``cfg``) and the strategy's decisions in
        ``decisions`` (``D_*``); the others leave both empty. Every branch on ``stops``,
        ``size_mode``, ``close_mode``, ``flatten`` or ``record`` is decided when numba
        compiles the shape.
        """
        n = ts.shape[0]
        cash = cfg[CFG_CASH]
        allow_short = cfg[CFG_ALLOW_SHORT] != 0
        interval = cfg[CFG_INTERVAL]
        in_close_mode = close_mode
        n_fills = 0
        sent = 0
        decided = 0
        error = 0
        r = -1
        while r + 1 < n:
            r += 1
            k = row_inst[r]
            t = ts[r]
            f = flags[r]
            # ---- the bar's window and limits (`jts.dsl.vector.market`) --------------------
            if interval > 0:
                bar_start = t - interval
            else:
                bar_start = t if inst[k, I_PREV_TS] < 0 else inst[k, I_PREV_TS]
            inst[k, I_PREV_TS] = t
            if f == 0 and inst[k, I_PENDING] == 0 and inst[k, I_STOPS_ON] == 0:
                # the usual bar: nothing to fill, decide or watch; only its close is marked
                # (`jts.dsl.vector.equity` marks the positions once the rows are done)
                inst[k, I_LAST] = close[r]
                continue
            d = day[r]
            first, close_only, expiry = _window(sessions, d, t, bar_start)
            lower = limits[k, d, L_LOWER]
            upper = limits[k, d, L_UPPER]
            # ---- 1. the venue -----------------------------------------------------------
            if inst[k, I_PENDING] > 0:
                now_only = False
                cash, n_fills, error, opened = _venue(
                    now_only, k, r, d, t, bar_start, first, close_only, in_close_mode,
                    open_[r], close[r], lower, upper, cash, n_fills, inst, inst_off, work,
                    work_off, fills, commission, tax_table, orders,
                )  # fmt: skip
                if stops and opened:
                    s = schemes[k, d]
                    if _open_levels(inst, inst_off, k, cfg, lows[s], ticks[s], bands[s]):
                        error = ERR_OVERFLOW  # it came first
                if error:
                    break
            # ---- 2. the strategy, then 3. the risk engine ------------------------------
            inst[k, I_LAST] = close[r]  # the bar reaches the books before the strategy
            stops_on = inst[k, I_STOPS_ON] != 0
            if f != 0 or stops_on:
                filled = inst[k, I_POS]
                pending = 0
                has_entry = False
                for i in range(inst[k, I_PENDING]):
                    pending += work[k, i, W_SIDE] * work[k, i, W_QTY]
                    has_entry = has_entry or work[k, i, W_ENTRY] != 0
                held = filled + pending
                side = (held > 0) - (held < 0)
                stop_side = inst[k, I_STOP_SIDE]
                if stops_on and stop_side != (filled > 0) - (filled < 0):
                    stops_on = False  # the position they protected is gone
                closing = False
                entering = True
                if flatten and f & FLATTEN:
                    closing = side != 0 or has_entry
                    entering = False
                elif side != 0:
                    closing = (f & (EXIT_LONG if side > 0 else EXIT_SHORT)) != 0
                    if stops and not closing and stops_on and stop_side == side:
                        closing = _triggered(inst, k, high[r], low[r])
                    if not closing:
                        entering = False
                        # the trailing stop follows the bar, after the check
                        if stops and stops_on:
                            extreme = high[r] if stop_side > 0 else low[r]
                            best = inst[k, I_BEST]
                            if (extreme > best) if stop_side > 0 else (extreme < best):
                                inst[k, I_BEST] = extreme
                                s = schemes[k, d]
                                placed = _place(
                                    inst, k, TRAILING, extreme, -stop_side,
                                    inst_off[k, TRAILING], cfg, lows[s], ticks[s], bands[s],
                                )  # fmt: skip
                                if placed < 0:
                                    error = ERR_OVERFLOW
                                    break
                n_orders = 0
                if closing:
                    if record:  # the FLAT signal, and what caused it
                        if decided == decisions.shape[0]:
                            error = ERR_CAPACITY
                            break
                        note = decisions[decided]
                        note[D_ROW] = r
                        note[D_SIDE] = side
                        note[D_CLOSE] = close[r]
                        note[D_HIGH] = high[r]
                        note[D_LOW] = low[r]
                        if flatten and f & FLATTEN:
                            note[D_KIND] = DECIDE_FLATTEN
                        elif (f & (EXIT_LONG if side > 0 else EXIT_SHORT)) != 0:
                            note[D_KIND] = DECIDE_EXIT
                        else:
                            note[D_KIND] = DECIDE_STOP
                            for j in range(3):
                                note[D_LEVELS + j] = inst[k, I_LEVEL + j]
                        decided += 1
                    stops_on = False
                    n_orders, error = _close_out(work, inst, k, filled, r, orders)
                    if error:
                        break
                    if record and n_orders:
                        if sent == orders.shape[0]:
                            error = ERR_CAPACITY
                            break
                        sent += 1
                        slot = inst[k, I_PENDING]
                        work[k, slot, W_ID] = sent
                        logged = orders[sent - 1]
                        logged[O_ROW] = r
                        logged[O_SIDE] = work[k, slot, W_SIDE]
                        logged[O_QTY] = work[k, slot, W_QTY]
                inst[k, I_STOPS_ON] = stops_on
                el = (f & ENTER_LONG) != 0
                es = (f & ENTER_SHORT) != 0
                if entering and el != es:
                    eside = 1 if el else -1
                    eq = _equity(cash, inst)
                    if eq < -LIMIT:
                        error = ERR_OVERFLOW
                        break
                    lot = lots[k, 0]
                    num = cfg[CFG_SIZE_NUM]
                    den = cfg[CFG_SIZE_DEN]
                    if size_mode == SIZE_SHARES:  # whole lots of N shares
                        unit = mul(den, lot)
                        count = -1 if unit < 0 else num // unit
                    elif size_mode == SIZE_VALUE:
                        count = _lots_value(num, den, close[r], lot)
                    elif size_mode == SIZE_EQUITY:
                        count = _lots_equity(num, den, close[r], eq, lot)
                    else:
                        per_row = cfg[CFG_PER_ROW]
                        per = amounts[per_row, r] if per_row >= 0 else math.nan
                        count = _lots_risk(num, den, eq, lot, per)
                    if count == -1 or (count == -2 and eside < 0):
                        error = ERR_OVERFLOW
                        break
                    qty = -1 if count == -2 else count * lot  # -1: beyond any buying power
                    if qty == -1 or (qty > 0 and qty >= lots[k, 1]):
                        slot = inst[k, I_PENDING] + n_orders
                        if slot >= MAX_PENDING:
                            error = ERR_PENDING
                            break
                        with_stops = False
                        if stops:
                            for j in range(3):
                                # a distance stop reads its amount at this bar; unknown: none
                                kind = cfg[CFG_STOPS + 4 * j]
                                distance = math.nan
                                if kind == STOP_DISTANCE:
                                    distance = amounts[cfg[CFG_STOPS + 4 * j + 3], r]
                                    if not (distance > 0.0 and distance < math.inf):
                                        distance = math.nan
                                work_off[k, slot, j] = distance
                                with_stops = with_stops or _has_stop(kind, distance)
                        work[k, slot, W_SIDE] = eside
                        work[k, slot, W_QTY] = qty
                        work[k, slot, W_ENTRY] = 1
                        work[k, slot, W_STOPS] = with_stops
                        n_orders += 1
                        if record:  # the entry's signal, and its order's number
                            if decided == decisions.shape[0] or sent == orders.shape[0]:
                                error = ERR_CAPACITY
                                break
                            note = decisions[decided]
                            note[D_ROW] = r
                            note[D_KIND] = DECIDE_ENTER
                            note[D_SIDE] = eside
                            note[D_CLOSE] = close[r]
                            note[D_HIGH] = high[r]
                            note[D_LOW] = low[r]
                            note[D_EQUITY] = eq
                            decided += 1
                            sent += 1
                            work[k, slot, W_ID] = sent
                            logged = orders[sent - 1]
                            logged[O_ROW] = r
                            logged[O_SIDE] = eside
                            logged[O_QTY] = qty
                            logged[O_ENTRY] = 1
                now = close_mode and first >= 0
                error = _admit(
                    work, work_off, inst, k, n_orders, filled, pending, allow_short, close[r],
                    limits[k, d, L_RISK_UPPER], cash, now, r, t, expiry, orders,
                )  # fmt: skip
                if error:
                    break
                # ---- 4. this bar's close-mode fills, after the strategy ------------------
                if close_mode and now and n_orders > 0 and inst[k, I_PENDING] > 0:
                    now_only = True
                    cash, n_fills, error, opened = _venue(
                        now_only, k, r, d, t, bar_start, first, close_only, in_close_mode,
                        open_[r], close[r], lower, upper, cash, n_fills, inst, inst_off, work,
                        work_off, fills, commission, tax_table, orders,
                    )  # fmt: skip
                    if stops and opened:
                        s = schemes[k, d]
                        if _open_levels(inst, inst_off, k, cfg, lows[s], ticks[s], bands[s]):
                            error = ERR_OVERFLOW
                    if error:
                        break
        if record:
            cfg[CFG_ORDERS_OUT] = sent
            cfg[CFG_DECISIONS_OUT] = decided
        return n_fills, error, r if error else -1

    return run_loop


@_compiled()
def max_drawdown(equity: IntArray) -> int:  # pragma: no cover - compiled
    """The largest fall of ``equity`` from an earlier peak, in one pass (0 for a curve that
    never falls)."""
    worst = 0
    if equity.shape[0] == 0:
        return 0
    peak = equity[0]
    for value in equity:
        if value > peak:
            peak = value
        elif peak - value > worst:
            worst = peak - value
    return int(worst)
