"""Row checks of converted data: values, order and duplicates, and the opt-in repair.

Value checks are vectorised over a whole frame; only when one fails is the first bad row
located and described. Order is checked per file (a file must be in time order) with state
carried across the file's frames, and again across files after the merge (two files must not
hold the same instrument at the same instant).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jts.backtest.data.arrays import InstrumentTable
from jts.backtest.data.errors import (
    DataPriceError,
    DataValueError,
    DuplicateRowError,
    InconsistentBarError,
    UnsortedDataError,
)
from jts.backtest.data.frames import BAR_VALUES, Frame
from jts.backtest.data.schema import DataKind
from jts.core.time import KST, ns_to_dt
from jts.domain.values import Price

__all__ = [
    "OrderChecker",
    "RepairResult",
    "check_cross_source_duplicates",
    "check_values",
    "format_ts",
    "repair_frame",
]


def format_ts(ns: int) -> str:
    """A timestamp for messages, in Korean time: ``2024-01-02T09:01:00+09:00``."""
    moment = ns_to_dt(int(ns), KST)
    text = moment.isoformat(timespec="seconds")
    rest = int(ns) % 1_000_000_000
    if rest:
        text = text[:19] + f".{rest:09d}".rstrip("0") + text[19:]
    return text


@dataclass(frozen=True, slots=True)
class _Where:
    """File names by source index, and the instrument table, to describe a row."""

    files: Sequence[str]
    table: InstrumentTable

    def row(self, frame: Frame, index: int) -> tuple[str, int]:
        return self.files[int(frame.source[index])], int(frame.rows[index])

    def instrument(self, frame: Frame, index: int) -> str:
        return str(self.table.ids[int(frame.iid[index])])

    def price(self, frame: Frame, column: str, index: int) -> str:
        precision = self.table.price_precision(int(frame.iid[index]))
        return str(Price.from_raw(int(frame.columns[column][index]), precision))

    def size(self, frame: Frame, column: str, index: int) -> str:
        precision = self.table.size_precision(int(frame.iid[index]))
        return str(Price.from_raw(int(frame.columns[column][index]), precision))


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def check_values(frame: Frame, files: Sequence[str], table: InstrumentTable) -> None:
    """Positive prices, non-negative volumes (positive tick sizes), consistent OHLC."""
    where = _Where(files, table)
    c = frame.columns
    if frame.kind is DataKind.TRADES:
        _check_positive(frame, where, "price")
        bad = _first(c["size"] <= 0)
        if bad is not None:
            file, row = where.row(frame, bad)
            raise DataValueError(
                f"trade size must be positive, got {where.size(frame, 'size', bad)}",
                file=file,
                row=row,
                column="size",
            )
        return
    for name in BAR_VALUES[:4]:
        _check_positive(frame, where, name)
    bad = _first(c["volume"] < 0)
    if bad is not None:
        file, row = where.row(frame, bad)
        raise DataValueError(
            f"volume cannot be negative, got {where.size(frame, 'volume', bad)}",
            file=file,
            row=row,
            column="volume",
        )
    o, h, low, close = c["open"], c["high"], c["low"], c["close"]
    for mask, rule in (
        (low > h, "low {low} is above high {high} (rule: low <= high)"),
        (o > h, "high {high} is below open {open} (rule: high >= max(open, close))"),
        (close > h, "high {high} is below close {close} (rule: high >= max(open, close))"),
        (o < low, "low {low} is above open {open} (rule: low <= min(open, close))"),
        (close < low, "low {low} is above close {close} (rule: low <= min(open, close))"),
    ):
        bad = _first(mask)
        if bad is not None:
            file, row = where.row(frame, bad)
            values = {name: where.price(frame, name, bad) for name in BAR_VALUES[:4]}
            raise InconsistentBarError(rule.format(**values), file=file, row=row)


def _check_positive(frame: Frame, where: _Where, column: str) -> None:
    bad = _first(frame.columns[column] <= 0)
    if bad is not None:
        file, row = where.row(frame, bad)
        raise DataPriceError(
            f"{column} must be positive, got {where.price(frame, column, bad)} "
            f"({where.instrument(frame, bad)})",
            file=file,
            row=row,
            column=column,
        )


def _duplicate_pairs(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (earlier, later) of rows with the same key, for a frame sorted by time.

    The key is (timestamp, instrument) for bars; for ticks it also includes the trade id, and
    ticks without a trade id are never duplicates (two equal trades in one instant are real).
    """
    ts, iid = frame.ts, frame.iid
    if len(ts) < 2 or not bool(np.any(ts[1:] == ts[:-1])):
        return np.empty(0, np.intp), np.empty(0, np.intp)
    if frame.kind is DataKind.TRADES:
        ids = frame.columns["trade_id"]
        has_id = np.fromiter((value is not None for value in ids), bool, len(ids))
        tied = np.zeros(len(ts), dtype=bool)
        tied[1:] = ts[1:] == ts[:-1]
        tied[:-1] |= tied[1:]
        candidates = np.flatnonzero(has_id & tied)
        keyed = [(int(ts[i]), int(iid[i]), ids[i], int(i)) for i in candidates]
        keyed.sort()
        earlier, later = [], []
        for a, b in itertools.pairwise(keyed):
            if a[:3] == b[:3]:
                earlier.append(a[3])
                later.append(b[3])
        return np.array(earlier, np.intp), np.array(later, np.intp)
    order = np.lexsort((iid, ts))
    same = (ts[order][1:] == ts[order][:-1]) & (iid[order][1:] == iid[order][:-1])
    hits = np.flatnonzero(same)
    return order[hits], order[hits + 1]


def _identical(frame: Frame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    equal = np.ones(len(a), dtype=bool)
    for values in frame.columns.values():
        if values.dtype == object:
            equal &= np.array([values[i] == values[j] for i, j in zip(a, b, strict=True)], bool)
        else:
            equal &= values[a] == values[b]
    return equal


class OrderChecker:
    """Time order and duplicates within one file, across the frames the file is read in."""

    def __init__(self, files: Sequence[str], table: InstrumentTable) -> None:
        self._where = _Where(files, table)
        self._last_ts = -1
        self._last_row = 0
        self._tail: Frame | None = None

    def check(self, frame: Frame) -> None:
        if not len(frame):
            return
        ts = frame.ts
        back = _first(ts[1:] < ts[:-1])
        if ts[0] < self._last_ts:
            self._unsorted(frame, 0, self._last_ts, self._last_row)
        if back is not None:
            self._unsorted(frame, back + 1, int(ts[back]), int(frame.rows[back]))
        if self._tail is not None and ts[0] == self._last_ts:
            joined = Frame.concat([self._tail, frame.take(ts == self._last_ts)])
        else:
            joined = frame
        earlier, later = _duplicate_pairs(joined)
        if len(earlier):
            raise _duplicate_error(self._where, joined, int(earlier[0]), int(later[0]))
        self._last_ts = int(ts[-1])
        self._last_row = int(frame.rows[-1])
        self._tail = frame.take(ts == self._last_ts)

    def _unsorted(self, frame: Frame, index: int, previous_ts: int, previous_row: int) -> None:
        file, row = self._where.row(frame, index)
        raise UnsortedDataError(
            f"timestamp {format_ts(int(frame.ts[index]))} is before "
            f"{format_ts(previous_ts)} of row {previous_row}: rows must be in time order "
            "(repair=True, or --repair, sorts the file)",
            file=file,
            row=row,
            column="timestamp",
        )


def _duplicate_error(
    where: _Where, frame: Frame, earlier: int, later: int, *, repairing: bool = False
) -> DuplicateRowError:
    file, row = where.row(frame, later)
    extra = ""
    if frame.kind is DataKind.TRADES:
        extra = f" with trade id {frame.columns['trade_id'][later]!r}"
    first = f"first at row {int(frame.rows[earlier])}"
    advice = (
        f"values differ from the {first}, and repair only drops exact duplicates"
        if repairing
        else f"{first}; repair=True (or --repair) drops exact duplicates"
    )
    return DuplicateRowError(
        f"duplicate {where.instrument(frame, later)} at "
        f"{format_ts(int(frame.ts[later]))}{extra}: {advice}",
        file=file,
        row=row,
    )


@dataclass(slots=True)
class RepairResult:
    frame: Frame
    reordered: int = 0
    dropped: int = 0
    first_reordered_row: int | None = None
    first_dropped_row: int | None = None


def repair_frame(frame: Frame, files: Sequence[str], table: InstrumentTable) -> RepairResult:
    """Sort a whole file by (timestamp, instrument) and drop exact duplicate rows.

    Rows with the same key but different values are not guessed between: they stay an error.
    """
    ts = frame.ts
    result = RepairResult(frame)
    if len(ts) == 0:
        return result
    running_max = np.maximum.accumulate(ts)
    late = np.flatnonzero(ts[1:] < running_max[:-1]) + 1
    if late.size:
        result.reordered = int(late.size)
        result.first_reordered_row = int(frame.rows[late[0]])
        frame = frame.take(np.lexsort((frame.rows, frame.iid, ts)))
    earlier, later = _duplicate_pairs(frame)
    if len(earlier):
        identical = _identical(frame, earlier, later)
        if not bool(np.all(identical)):
            bad = int(np.flatnonzero(~identical)[0])
            where = _Where(files, table)
            raise _duplicate_error(where, frame, int(earlier[bad]), int(later[bad]), repairing=True)
        keep = np.ones(len(frame), dtype=bool)
        keep[later] = False
        dropped_rows = np.sort(frame.rows[later])
        result.dropped = len(later)
        result.first_dropped_row = int(dropped_rows[0])
        frame = frame.take(keep)
    result.frame = frame
    return result


def check_cross_source_duplicates(
    frame: Frame, previous_tail: Frame | None, files: Sequence[str], table: InstrumentTable
) -> Frame:
    """Refuse the same instrument at the same instant from two files (after the merge).

    ``previous_tail`` holds the rows of the last timestamp of the previous merged chunk;
    returns this chunk's tail for the next call.
    """
    if not len(frame):
        return previous_tail if previous_tail is not None else frame
    joined = frame
    if previous_tail is not None and len(previous_tail) and previous_tail.ts[-1] == frame.ts[0]:
        joined = Frame.concat([previous_tail, frame.take(frame.ts == frame.ts[0])])
    earlier, later = _duplicate_pairs(joined)
    if len(earlier):
        where = _Where(files, table)
        a, b = int(earlier[0]), int(later[0])
        file_a, row_a = where.row(joined, a)
        file_b, row_b = where.row(joined, b)
        raise DuplicateRowError(
            f"{where.instrument(joined, b)} at {format_ts(int(joined.ts[b]))} is also in "
            f"{file_a} row {row_a}: files overlap",
            file=file_b,
            row=row_b,
        )
    return frame.take(frame.ts == frame.ts[-1])
