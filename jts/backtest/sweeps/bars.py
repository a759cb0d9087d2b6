"""The bars of a sweep, read once per worker and replayed for every combination.

Reading and checking the files (Parquet/CSV decoding, session and gap checks against the
calendar) costs as much as a short backtest, so a worker does it once: the feed's exact int64
columns are kept (about 52 bytes a bar, whatever the number of combinations) and each run
rebuilds `Bar` objects from them exactly as `BarFeed.iter_bars` does, sliced to the run's
window by binary search. The bars a run sees are therefore those `run_backtest` would read
with the same options, instruments and calendar.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from jts.backtest.data import BarArrays, BarFeed, ReadOptions
from jts.backtest.data.arrays import Int64Array
from jts.core.errors import InvalidInputError
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, BarType
from jts.domain.values import Price, Quantity
from jts.ports.calendar import TradingCalendar

__all__ = ["BarStore"]

#: Rows turned into Python values at a time while replaying (bounds the temporary lists).
_BLOCK_ROWS: Final = 65_536
#: Distinct prices (or volumes) kept as shared objects per precision before the table restarts.
_VALUE_CACHE_LIMIT: Final = 65_536


class BarStore:
    def __init__(
        self,
        arrays: BarArrays,
        instruments: Sequence[Instrument],
        bar_types: Sequence[BarType],
    ) -> None:
        """``arrays`` hold every bar in feed order; ``bar_types`` one per ``instrument_ids``."""
        by_id = {i.id: i for i in instruments}
        self.instrument_ids = arrays.instrument_ids
        self._kinds = [
            (bar_type, by_id[iid].price_precision, by_id[iid].size_precision)
            for iid, bar_type in zip(self.instrument_ids, bar_types, strict=True)
        ]
        self._arrays = arrays
        self._prices: dict[int, dict[int, Price]] = {}
        self._sizes: dict[int, dict[int, Quantity]] = {}

    @classmethod
    def load(
        cls,
        paths: Sequence[Path],
        *,
        instruments: Sequence[Instrument],
        options: ReadOptions,
        start_ns: int | None,
        end_ns: int | None,
        calendar: TradingCalendar | None,
    ) -> BarStore:
        """One pass of a `BarFeed` over the files, kept as columns."""
        feed = BarFeed(
            list(paths),
            instruments=instruments,
            options=options,
            start=start_ns,
            end=end_ns,
            calendar=calendar,
        )
        chunks: list[BarArrays] = list(feed.iter_bar_arrays())
        if not chunks:
            raise InvalidInputError("no data in the selected range: nothing to sweep over")
        ids = chunks[-1].instrument_ids  # indices are stable; the last chunk knows them all

        def joined(name: str, dtype: type[np.integer[Any]]) -> Any:
            return np.ascontiguousarray(
                np.concatenate([getattr(chunk, name) for chunk in chunks]), dtype=dtype
            )

        arrays = BarArrays(
            instrument_ids=ids,
            instrument_index=joined("instrument_index", np.int32),
            ts_event=joined("ts_event", np.int64),
            open=joined("open", np.int64),
            high=joined("high", np.int64),
            low=joined("low", np.int64),
            close=joined("close", np.int64),
            volume=joined("volume", np.int64),
        )
        return cls(arrays, instruments, [feed.bar_type(iid) for iid in ids])

    def __len__(self) -> int:
        return len(self._arrays)

    @property
    def timestamps(self) -> Int64Array:
        """Every bar's ``ts_event`` in feed order (non-decreasing)."""
        return self._arrays.ts_event

    @property
    def nbytes(self) -> int:
        a = self._arrays
        columns = (a.instrument_index, a.ts_event, a.open, a.high, a.low, a.close, a.volume)
        return sum(column.nbytes for column in columns)

    def _price(self, raw: int, precision: int) -> Price:
        table = self._prices.setdefault(precision, {})
        found = table.get(raw)
        if found is None:
            if len(table) >= _VALUE_CACHE_LIMIT:
                table.clear()
            found = table[raw] = Price.from_raw(raw, precision)
        return found

    def _size(self, raw: int, precision: int) -> Quantity:
        table = self._sizes.setdefault(precision, {})
        found = table.get(raw)
        if found is None:
            if len(table) >= _VALUE_CACHE_LIMIT:
                table.clear()
            found = table[raw] = Quantity.from_raw(raw, precision)
        return found

    def bars(self, start_ns: int | None = None, end_ns: int | None = None) -> Iterator[Bar]:
        """`Bar` objects with ``start_ns <= ts_event <= end_ns`` (None: unbounded), in order."""
        a = self._arrays
        lo = 0 if start_ns is None else int(np.searchsorted(a.ts_event, start_ns, side="left"))
        hi = len(a) if end_ns is None else int(np.searchsorted(a.ts_event, end_ns, "right"))
        kinds = [
            (bar_type, self._prices.setdefault(pp, {}), self._sizes.setdefault(sp, {}), pp, sp)
            for bar_type, pp, sp in self._kinds
        ]
        price, size = self._price, self._size
        for first in range(lo, hi, _BLOCK_ROWS):
            last = min(first + _BLOCK_ROWS, hi)
            for iid, ts, o, h, low, c, v in zip(
                a.instrument_index[first:last].tolist(),
                a.ts_event[first:last].tolist(),
                a.open[first:last].tolist(),
                a.high[first:last].tolist(),
                a.low[first:last].tolist(),
                a.close[first:last].tolist(),
                a.volume[first:last].tolist(),
                strict=True,
            ):
                bar_type, prices, sizes, pp, sp = kinds[iid]
                yield Bar(
                    bar_type=bar_type,
                    open=prices.get(o) or price(o, pp),
                    high=prices.get(h) or price(h, pp),
                    low=prices.get(low) or price(low, pp),
                    close=prices.get(c) or price(c, pp),
                    volume=sizes.get(v) or size(v, sp),
                    ts_event=ts,
                    ts_init=ts,
                )
