"""Every instrument's bars as one time-ordered stream of rows, the compiled loop's input.

The event-driven backtest feeds one account the bars of all instruments merged by (time,
instrument id) (`jts.backtest.data.feed.merge_frames`); the strategy acts on each bar in that
order, and the cash one instrument spends is gone for the next. So the loop walks the same
merged order: per row the instrument, its prices, its signals (as bits), the per-bar amounts
sizing and stops read, and its day. With one instrument the rows are its bars and nothing is
copied.

Days are numbered over the union of all instruments' days, so the per-day tables (sessions,
limits, the sell tax by settlement date, the tick table) are indexed ``[day]`` or
``[instrument, day]``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jts.dsl.signals import Signals
from jts.dsl.vector.bars import VectorBars
from jts.dsl.vector.kernels import ENTER_LONG, ENTER_SHORT, EXIT_LONG, EXIT_SHORT, FLATTEN
from jts.dsl.vector.market import day_numbers

__all__ = ["AMOUNTS", "RowPlan", "Rows", "plan_rows", "signal_flags"]

IntArray = npt.NDArray[np.int64]
DayArray = npt.NDArray[np.int32]
#: the per-bar amounts the loop may read, in the order of their rows in ``Rows.amounts``
AMOUNTS = ("size_risk_per", "stop_loss", "take_profit", "trailing_stop")
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Rows:
    """The loop's per-row inputs; ``amount_row[name]`` is the row of ``amounts`` holding that
    amount (absent: the program has none); ``day`` indexes ``days``, every instrument's days
    in order."""

    inst: DayArray
    ts: IntArray
    open: IntArray
    high: IntArray
    low: IntArray
    close: IntArray
    flags: npt.NDArray[np.uint8]
    amounts: npt.NDArray[np.float64]
    amount_row: dict[str, int]
    day: DayArray
    days: tuple[dt.date, ...]

    def __len__(self) -> int:
        return int(self.ts.shape[0])


def signal_flags(signals: Signals) -> npt.NDArray[np.uint8]:
    """The five decisions of each bar as bits (`jts.dsl.vector.kernels` ``ENTER_LONG``...)."""
    flags = signals.enter_long.view(np.uint8) * np.uint8(ENTER_LONG)
    for array, bit in (
        (signals.exit_long, EXIT_LONG),
        (signals.enter_short, ENTER_SHORT),
        (signals.exit_short, EXIT_SHORT),
        (signals.flatten, FLATTEN),
    ):
        if array.any():  # most programs leave some of these empty
            flags |= array.view(np.uint8) * np.uint8(bit)
    return flags


@dataclass(frozen=True, slots=True)
class RowPlan:
    """The rows' parameter-free part (prices and days, merged once); `rows` adds one run's
    signals in the same order. ``bar_days[k]`` is the day of each bar of instrument ``k``."""

    base: Rows
    order: npt.NDArray[np.intp] | None  # None: one instrument, rows are its bars
    bar_days: tuple[DayArray, ...]

    def rows(self, signals: Sequence[Signals]) -> Rows:
        names = [name for name in AMOUNTS if name in signals[0].amounts]
        lengths = [len(s.enter_long) for s in signals]
        amounts = np.empty((len(names), sum(lengths)), dtype=np.float64)
        start = 0
        for s, length in zip(signals, lengths, strict=True):
            for index, name in enumerate(names):
                amounts[index, start : start + length] = s.amounts[name]
            start += length
        if len(signals) == 1:
            flags = signal_flags(signals[0])
        else:
            flags = np.concatenate([signal_flags(s) for s in signals])
        if self.order is not None:
            flags = flags[self.order]
            amounts = amounts[:, self.order]
        return dataclasses.replace(
            self.base,
            flags=flags,
            amounts=amounts,
            amount_row={name: index for index, name in enumerate(names)},
        )


def _sorted_unique(values: IntArray) -> IntArray:
    """The distinct values of a sorted array (cheaper than hashing them)."""
    if not len(values):
        return values
    distinct: IntArray = values[np.append(True, values[1:] != values[:-1])]
    return distinct


def _bar_days(ts: IntArray, numbers: IntArray) -> DayArray:
    """Each bar's index into the sorted day ``numbers`` (bars in time order)."""
    own = day_numbers(ts)
    if not len(own):
        return np.zeros(0, dtype=np.int32)
    new_day = np.empty(len(own), dtype=np.bool_)
    new_day[0] = True
    np.not_equal(own[1:], own[:-1], out=new_day[1:])
    starts = np.flatnonzero(new_day)
    per_day = np.searchsorted(numbers, own[starts]).astype(np.int32)
    return per_day[np.cumsum(new_day, dtype=np.int32) - 1]


def plan_rows(bars: Sequence[VectorBars]) -> RowPlan:
    """Every instrument's bars merged in the feed's order: by time, then instrument id
    (``bars`` are given in that id order)."""
    numbers = np.unique(np.concatenate([_sorted_unique(day_numbers(b.ts)) for b in bars]))
    days = tuple(_EPOCH + dt.timedelta(days=int(d)) for d in numbers)
    bar_days = tuple(_bar_days(b.ts, numbers) for b in bars)
    no_flags = np.zeros(0, dtype=np.uint8)
    no_amounts = np.zeros((0, 0), dtype=np.float64)
    if len(bars) == 1:
        b = bars[0]
        base = Rows(
            inst=np.zeros(len(b), dtype=np.int32),
            ts=b.ts, open=b.open, high=b.high, low=b.low, close=b.close,
            flags=no_flags, amounts=no_amounts, amount_row={},
            day=bar_days[0], days=days,
        )  # fmt: skip
        return RowPlan(base, None, bar_days)
    inst = np.concatenate([np.full(len(b), k, dtype=np.int32) for k, b in enumerate(bars)])
    ts = np.concatenate([b.ts for b in bars])
    order = np.lexsort((inst, ts))  # by time, then instrument: the feed's order

    def merged(arrays: Sequence[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        return np.concatenate(arrays)[order]

    base = Rows(
        inst=inst[order],
        ts=ts[order],
        open=merged([b.open for b in bars]),
        high=merged([b.high for b in bars]),
        low=merged([b.low for b in bars]),
        close=merged([b.close for b in bars]),
        flags=no_flags,
        amounts=no_amounts,
        amount_row={},
        day=merged(bar_days),
        days=days,
    )
    return RowPlan(base, order, bar_days)
