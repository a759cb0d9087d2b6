"""What the simulated venue and the risk engine know about each day, as small int64 tables.

The event-driven backtest answers these questions bar by bar inside `jts.matching` and
`jts.kernel.risk`. Here the answers that depend only on the day are computed once per day of
the data (a few thousand rows for a million bars); the compiled loop combines them with each
bar's own times (`jts.dsl.vector.kernels.loop_kernel`). Each rule mirrors its source:

- **sessions** (`jts.matching.sessions`): the day's open, close, closing-auction start and
  the next session's close. A bar covers ``(start, ts]`` (``start = ts - interval``, or the
  previous bar's time for tick bars); it can fill orders only if it overlaps the session; a
  bar inside the closing auction fills nothing unless it reaches the close, where it fills at
  its close only (`SessionRules.bar_window`). A DAY order expires at the close of the session
  in progress, or the next session's close when sent at/after the close or on a holiday
  (`SessionRules.day_order_expiry`);
- **venue limits** (`MatchingEngine._roll_day`): the day's base price is the last regular
  price (a bar closing at or before the session close) of the latest earlier day that had
  one; every fill price is clipped to the daily limits around it (KRX stocks, ETFs, ETNs);
- **risk base** (`Kernel._new_day`): the risk engine's base price is the last close of the
  latest earlier day with any data; a market buy must afford ``quantity x upper limit``.

The daily limits are `jts.domain.price_limits.krx_daily_limits`, computed for every day at
once by `daily_limits` on the day's tick table: whole-array numpy, exact in int64. A compiled
loop did the same, but the few thousand days of a run never needed one, and compiling it cost
half a second on a machine's first run.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

import numpy as np
import numpy.typing as npt

from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR
from jts.domain.instruments import Instrument
from jts.domain.price_limits import (
    KRX_LIMIT_RATE,
    KRX_LIMIT_RATE_BEFORE_2015,
    KRX_LIMIT_RATE_FROM,
)
from jts.dsl.errors import DslRuntimeError
from jts.dsl.vector.grid import GridTables
from jts.dsl.vector.kernels import (
    L_LOWER,
    L_RISK_UPPER,
    L_UPPER,
    L_WIDTH,
    LIMIT,
    S_AUCTION,
    S_CLOSE,
    S_HAS,
    S_NEXT_CLOSE,
    S_OPEN,
    S_WIDTH,
)
from jts.matching.engine import has_daily_limits
from jts.ports.calendar import TradingCalendar

__all__ = ["NO_UPPER", "daily_limits", "day_numbers", "limit_table", "session_table"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_KST_OFFSET_NS = 9 * NANOS_PER_HOUR
#: "no limit" for a price clip: far above any int64 price a fill can have
NO_UPPER = 1 << 62


def day_numbers(ts: IntArray) -> IntArray:
    """Each timestamp's KST day, counted from 1970-01-01."""
    return (ts + _KST_OFFSET_NS) // NANOS_PER_DAY


def session_table(calendar: TradingCalendar, days: tuple[dt.date, ...]) -> IntArray:
    """Per day (``S_*`` columns): whether it is a session, its open, close and closing
    auction start (-1: none), and the next session's close."""
    n = len(days)
    table = np.zeros((max(n, 1), S_WIDTH), dtype=np.int64)
    table[:, S_AUCTION] = -1
    if not n:
        return table
    found = calendar.sessions_in_range(days[0], days[-1])
    found.append(calendar.next_session(days[-1]))
    dates = [s.date for s in found]
    by_date = {s.date: s for s in found}
    for k, date in enumerate(days):
        session = by_date.get(date)
        if session is not None:
            table[k, S_HAS] = 1
            table[k, S_OPEN] = session.open_ns
            table[k, S_CLOSE] = session.close_ns
            if session.closing_auction_start_ns is not None:
                table[k, S_AUCTION] = session.closing_auction_start_ns
        table[k, S_NEXT_CLOSE] = found[bisect_right(dates, date)].close_ns
    return table


def _last_per_day(values: IntArray, bar_day: npt.NDArray[np.int32], n_days: int) -> IntArray:
    """Per day: the value of its last bar (bars in time order), -1 for a day without one."""
    out = np.full(n_days, -1, dtype=np.int64)
    if len(bar_day):
        last = np.flatnonzero(np.append(bar_day[1:] != bar_day[:-1], True))
        out[bar_day[last]] = values[last]
    return out


def _carried_before(per_day: IntArray) -> IntArray:
    """Per day: the latest value of an *earlier* day that had one (-1 in ``per_day`` means
    none), 0 when no earlier day had one."""
    index = np.where(per_day >= 0, np.arange(len(per_day)), -1)
    np.maximum.accumulate(index, out=index)
    before = np.zeros(len(per_day), dtype=np.int64)
    earlier = index[:-1]
    before[1:] = np.where(earlier >= 0, per_day[np.maximum(earlier, 0)], 0)
    return before


def limit_table(
    instrument: Instrument,
    ts: IntArray,
    close: IntArray,
    *,
    bar_day: npt.NDArray[np.int32],
    sessions: IntArray,
    days: tuple[dt.date, ...],
    grid: GridTables,
    k: int,
) -> IntArray:
    """Per day (``L_*`` columns): the venue's lower and upper limit (0 and `NO_UPPER`: none)
    and the risk engine's upper limit for market buys (0: no base yet), for instrument ``k``
    whose bars fall on days ``bar_day``."""
    n_days = len(days)
    table = np.zeros((max(n_days, 1), L_WIDTH), dtype=np.int64)
    table[:, L_UPPER] = NO_UPPER
    if not has_daily_limits(instrument) or not n_days:
        return table
    regular = (sessions[bar_day, S_HAS] != 0) & (ts <= sessions[bar_day, S_CLOSE])
    chosen = np.flatnonzero(regular)
    last_regular = _last_per_day(close[chosen], bar_day[chosen], n_days)
    venue_base = _carried_before(last_regular)
    risk_base = _carried_before(_last_per_day(close, bar_day, n_days))
    schemes = grid.scheme_of[k]
    rates = _rate_percents(days)
    lower, upper = daily_limits(venue_base, rates, schemes, grid.lows, grid.ticks, grid.bands)
    _, risk_upper = daily_limits(risk_base, rates, schemes, grid.lows, grid.ticks, grid.bands)
    if (upper < 0).any() or (risk_upper < 0).any():
        raise DslRuntimeError(f"{instrument.id}: a daily price limit passed 2**62")
    table[:n_days, L_LOWER] = lower
    table[:n_days, L_UPPER] = np.where(venue_base > 0, upper, NO_UPPER)
    table[:n_days, L_RISK_UPPER] = risk_upper
    return table


def daily_limits(  # noqa: PLR0917 - the tables travel as arrays, positionally
    bases: IntArray,
    rate_pct: IntArray,
    schemes: npt.NDArray[np.int32],
    lows: IntArray,
    ticks: IntArray,
    bands: IntArray,
) -> tuple[IntArray, IntArray]:
    """Per day: lower and upper limit around ``bases[i] > 0`` at ``rate_pct[i]`` percent
    (0..100), on tick table ``schemes[i]``: the upper rounds down, the lower up
    (``krx_daily_limits``). Days with a base of 0 get (0, 0); -1 marks an overflow (a
    product past 2**62, as `jts.dsl.vector.kernels.mul` reports it)."""
    n = bases.shape[0]
    lower = np.zeros(n, dtype=np.int64)
    upper = np.zeros(n, dtype=np.int64)
    on = np.flatnonzero(bases > 0)
    if not on.size:
        return lower, upper
    base = bases[on]
    rate = rate_pct[on].astype(np.int64)
    scheme = schemes[on].astype(np.int64)
    top, top_over = _products(base, 100 + rate)
    bottom, bottom_over = _products(base, 100 - rate)
    over = top_over | bottom_over
    up = _on_grid(top, 100, scheme, lows, ticks, bands, up=False)
    low = _on_grid(bottom, 100, scheme, lows, ticks, bands, up=True)
    up[over] = -1
    low[over] = -1
    upper[on] = up
    lower[on] = low
    return lower, upper


def _products(a: IntArray, b: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """``a x b`` for non-negative operands, and where it would pass 2**62 (those products
    are left at 0 rather than wrapped)."""
    over = (b > 0) & (a > LIMIT // np.maximum(b, 1))
    return np.where(over, 0, a) * b, over


def _on_grid(  # noqa: PLR0917 - the tables travel as arrays, positionally
    num: IntArray,
    den: int,
    scheme: IntArray,
    lows: IntArray,
    ticks: IntArray,
    bands: IntArray,
    *,
    up: bool,
) -> IntArray:
    """`jts.dsl.vector.kernels.grid_up` (or ``grid_down``) of ``num / den`` on each element's
    table, whole-array: the band is that of ``floor(num / den)`` (band bounds increase, so a
    binary search finds the last one at or below it), ``UP`` capped by the next band's
    lower bound; -1 where the step ``tick x den`` would pass 2**62."""
    x = num // den
    index = np.zeros(x.shape[0], dtype=np.int64)
    for s in np.unique(scheme):
        chosen = scheme == s
        index[chosen] = np.searchsorted(lows[s, : bands[s]], x[chosen], side="right") - 1
    np.maximum(index, 0, out=index)
    tick = ticks[scheme, index]
    step_over = tick > LIMIT // den
    step = np.where(step_over, 1, tick) * den
    multiple = num // step
    result = multiple * tick
    if up:
        following = index + 1
        has_next = following < bands[scheme]
        bound = lows[scheme, np.minimum(following, lows.shape[1] - 1)]
        above = (multiple + 1) * tick
        inexact = multiple * step != num
        capped = np.where(has_next & (above >= bound), bound, above)
        result = np.where(inexact, capped, result)
    result[step_over] = -1
    rounded: IntArray = result
    return rounded


def _rate_percents(days: tuple[dt.date, ...]) -> IntArray:
    """The daily limit rate of each day in whole percent (`krx_limit_rate`: 30 %, or 15 %
    before 2015-06-15)."""
    percents: list[int] = []
    for rate in (KRX_LIMIT_RATE, KRX_LIMIT_RATE_BEFORE_2015):
        whole = rate * 100
        if whole != whole.to_integral_value():  # pragma: no cover - both are whole percents
            raise DslRuntimeError(f"a daily limit rate of {rate} is not a whole percent")
        percents.append(int(whole))
    later = np.fromiter((day >= KRX_LIMIT_RATE_FROM for day in days), np.bool_, len(days))
    return np.where(later, percents[0], percents[1]).astype(np.int64)
