"""The feed's internal unit of work: converted rows of one kind, with where each row came from.

A `Frame` holds named numpy columns (``ts``, ``iid`` and the value columns of its kind) plus,
per row, the source file index and the 1-based data row in that file, so checks that run after
files are merged can still name the file and row of a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from jts.backtest.data.arrays import BarArrays, Int32Array, Int64Array, TickArrays
from jts.backtest.data.schema import DataKind
from jts.domain.identifiers import InstrumentId

__all__ = ["BAR_VALUES", "IID", "TICK_VALUES", "TS", "Frame"]

TS: Final = "ts"
IID: Final = "iid"
BAR_VALUES: Final = ("open", "high", "low", "close", "volume")
TICK_VALUES: Final = ("price", "size", "aggressor", "trade_id")


@dataclass(slots=True)
class Frame:
    """Rows of bars or ticks; ``columns`` always has ``ts`` (int64) and ``iid`` (int32)."""

    kind: DataKind
    columns: dict[str, np.ndarray]
    source: Int32Array
    rows: Int64Array

    @classmethod
    def empty(cls, kind: DataKind) -> Frame:
        names = BAR_VALUES if kind is DataKind.BARS else TICK_VALUES
        columns: dict[str, np.ndarray] = {
            TS: np.empty(0, np.int64),
            IID: np.empty(0, np.int32),
        }
        for name in names:
            dtype = {"aggressor": np.int8, "trade_id": object}.get(name, np.int64)
            columns[name] = np.empty(0, dtype=dtype)
        return cls(kind, columns, np.empty(0, np.int32), np.empty(0, np.int64))

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def ts(self) -> Int64Array:
        return self.columns[TS]

    @property
    def iid(self) -> Int32Array:
        return self.columns[IID]

    def take(self, selection: slice | npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> Frame:
        return Frame(
            self.kind,
            {name: values[selection] for name, values in self.columns.items()},
            self.source[selection],
            self.rows[selection],
        )

    @classmethod
    def concat(cls, frames: Sequence[Frame]) -> Frame:
        if len(frames) == 1:
            return frames[0]
        first = frames[0]
        return cls(
            first.kind,
            {name: np.concatenate([f.columns[name] for f in frames]) for name in first.columns},
            np.concatenate([f.source for f in frames]),
            np.concatenate([f.rows for f in frames]),
        )

    def sort_by_time(self, ranks: Int64Array) -> Frame:
        """Stable order by (timestamp, instrument id): the order the feed delivers rows in."""
        ts = self.ts
        if len(ts) < 2 or bool(np.all(ts[1:] > ts[:-1])):
            return self
        order = np.lexsort((ranks[self.iid], ts))
        if bool(np.all(order[1:] > order[:-1])):
            return self
        return self.take(order)

    def to_bar_arrays(self, ids: tuple[InstrumentId, ...]) -> BarArrays:
        c = self.columns
        return BarArrays(
            ids, c[IID], c[TS], c["open"], c["high"], c["low"], c["close"], c["volume"]
        )

    def to_tick_arrays(self, ids: tuple[InstrumentId, ...]) -> TickArrays:
        c = self.columns
        return TickArrays(ids, c[IID], c[TS], c["price"], c["size"], c["aggressor"], c["trade_id"])
