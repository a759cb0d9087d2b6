"""What the simulated venue and the risk engine would know on each bar, as int64 arrays.

The event-driven backtest answers these questions bar by bar inside `jts.matching` and
`jts.kernel.risk`; here they are answered once per *trading day* of the data (a few thousand
calendar look-ups for a million bars) and broadcast to the bars, so the compiled loop only
indexes arrays. Each rule mirrors its source:

- **window** (`jts.matching.sessions.SessionRules.bar_window`): a bar covers
  ``(ts - interval, ts]``; it can fill orders only if it overlaps the session; a bar inside the
  closing auction fills nothing unless it reaches the close, where it fills at its close only.
  ``first_ns`` is when its first tradable price happened (-1: the bar fills nothing);
- **DAY expiry** (`SessionRules.day_order_expiry`): the close of the session in progress, or
  the next session's close for an order sent at/after the close or on a holiday;
- **venue limits** (`MatchingEngine._roll_day`): the day's base price is the previous
  session's last regular price (a bar closing at or before the session close); every fill
  price is clipped to the daily limits around it (KRX stocks, ETFs, ETNs);
- **risk base** (`Kernel._new_day`): the risk engine's base price is the last close of the
  previous day with any data; a market buy must afford ``quantity x upper limit``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR
from jts.domain.instruments import Instrument
from jts.domain.values import Price
from jts.matching.engine import has_daily_limits
from jts.ports.calendar import TradingCalendar

__all__ = ["Market", "prepare_market"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_KST_OFFSET_NS = 9 * NANOS_PER_HOUR
_EPOCH = dt.date(1970, 1, 1)
#: "no limit" for a price clip: far above any int64 price a fill can have
NO_UPPER = np.int64(1 << 62)


@dataclass(frozen=True, slots=True)
class Market:
    """Per-bar facts for the fill loop (all arrays as long as the bars)."""

    day_index: npt.NDArray[np.int32]  # index into ``days``
    days: tuple[dt.date, ...]  # each distinct KST date of the data
    bar_start: IntArray
    first_ns: IntArray  # -1: this bar fills nothing
    close_only: BoolArray
    expiry: IntArray  # when a DAY order sent at this bar's close expires
    lower: IntArray  # venue's daily limits (0 / NO_UPPER: none)
    upper: IntArray
    risk_upper: IntArray  # the risk engine's upper limit for market buys (0: no base yet)


def _dates(day_numbers: IntArray) -> tuple[dt.date, ...]:
    return tuple(_EPOCH + dt.timedelta(days=int(d)) for d in day_numbers)


def prepare_market(
    instrument: Instrument,
    ts: IntArray,
    close: IntArray,
    interval_ns: int,
    calendar: TradingCalendar | None,
) -> Market:
    """The venue's and the risk engine's view of every bar (see the module docstring).

    ``interval_ns`` is the bar length of time-aggregated bars, 0 for others (a bar then
    starts where the previous one ended).
    """
    n = len(ts)
    day_number = (ts + _KST_OFFSET_NS) // NANOS_PER_DAY
    starts = np.flatnonzero(np.concatenate(([True], day_number[1:] != day_number[:-1])))
    unique_days = day_number[starts]
    day_index = np.cumsum(np.concatenate(([0], (day_number[1:] != day_number[:-1])))).astype(
        np.int32
    )
    days = _dates(unique_days)
    n_days = len(days)
    if interval_ns:
        bar_start = ts - interval_ns
    else:
        bar_start = np.concatenate((ts[:1], ts[:-1])) if n else ts.copy()

    has_session = np.zeros(n_days, dtype=np.bool_)
    open_ns = np.zeros(n_days, dtype=np.int64)
    close_ns = np.zeros(n_days, dtype=np.int64)
    auction_ns = np.full(n_days, -1, dtype=np.int64)
    next_close = np.zeros(n_days, dtype=np.int64)
    day_start = unique_days * NANOS_PER_DAY - _KST_OFFSET_NS
    if calendar is not None:
        for k, date in enumerate(days):
            session = calendar.session(date)
            if session is not None:
                has_session[k] = True
                open_ns[k] = session.open_ns
                close_ns[k] = session.close_ns
                if session.closing_auction_start_ns is not None:
                    auction_ns[k] = session.closing_auction_start_ns
            next_close[k] = calendar.next_session(date).close_ns

    d = day_index
    if calendar is None:
        first_ns = bar_start.copy()
        close_only = np.zeros(n, dtype=np.bool_)
        expiry = (day_start + NANOS_PER_DAY)[d]
        regular = np.ones(n, dtype=np.bool_)
    else:
        sess = has_session[d]
        o, c, a = open_ns[d], close_ns[d], auction_ns[d]
        live = sess & (ts > o) & (bar_start < c)
        in_auction = live & (a >= 0) & (bar_start >= a)
        close_only = in_auction & (ts >= c)
        first_ns = np.where(live & ~in_auction, np.maximum(bar_start, o), -1)
        first_ns = np.where(close_only, c, first_ns)
        expiry = np.where(sess & (ts < c), c, next_close[d])
        regular = sess & (ts <= c)

    lower, upper, risk_upper = _limits(instrument, close, d, days, regular, starts)
    return Market(
        day_index=day_index,
        days=days,
        bar_start=bar_start.astype(np.int64),
        first_ns=first_ns.astype(np.int64),
        close_only=close_only,
        expiry=expiry.astype(np.int64),
        lower=lower,
        upper=upper,
        risk_upper=risk_upper,
    )


def _limits(  # noqa: PLR0917 - private, called once
    instrument: Instrument,
    close: IntArray,
    day_index: npt.NDArray[np.int32],
    days: tuple[dt.date, ...],
    regular: BoolArray,
    starts: IntArray,
) -> tuple[IntArray, IntArray, IntArray]:
    n_days = len(days)
    pp = instrument.price_precision
    day_lower = np.zeros(n_days, dtype=np.int64)
    day_upper = np.full(n_days, NO_UPPER, dtype=np.int64)
    day_risk = np.zeros(n_days, dtype=np.int64)
    limited = has_daily_limits(instrument)
    # the venue's base: the last regular close of the latest earlier day that had one
    last_regular = np.full(n_days, -1, dtype=np.int64)
    idx = np.flatnonzero(regular)
    if idx.size:
        last_regular[day_index[idx]] = close[idx]  # later rows of a day overwrite earlier ones
    ends = np.concatenate((starts[1:], [len(close)])) - 1
    base = -1
    for k in range(n_days):
        if limited and base > 0:
            limits = instrument.daily_limits(Price.from_raw(base, pp), days[k])
            day_lower[k] = limits.lower.raw_at(pp)
            day_upper[k] = limits.upper.raw_at(pp)
        if k > 0 and limited:
            risk_base = int(close[ends[k - 1]])
            if risk_base == base:  # the usual case: the day's last bar was a regular one
                day_risk[k] = day_upper[k]
            else:
                upper = instrument.daily_limits(Price.from_raw(risk_base, pp), days[k]).upper
                day_risk[k] = upper.raw_at(pp)
        if last_regular[k] >= 0:
            base = int(last_regular[k])
    return day_lower[day_index], day_upper[day_index], day_risk[day_index]
