"""The historical feed: many files merged into one time-ordered stream, a chunk at a time.

Each file is read by its own `FileReader` (a bounded number of rows at a time, checked to be
in time order). The merge keeps one chunk per file and a *watermark*: the smallest last
timestamp among the files that may still produce rows. Every row before the watermark can be
delivered, because no file can later produce an earlier one; rows are delivered in
(timestamp, instrument id) order, so equal timestamps break ties the same way on every run.
Memory is therefore proportional to ``chunk_rows`` and the number of files, not to the length
of the data.

Two ways out: `iter_bar_arrays` yields exact int64 column chunks (`BarArrays`) for vectorised
code, and `iter_bars` builds `Bar` objects from them one at a time for the event-driven engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa

from jts.backtest.data.arrays import BarArrays, InstrumentTable, Int64Array, TickArrays
from jts.backtest.data.errors import FeedOptionError
from jts.backtest.data.frames import Frame
from jts.backtest.data.readers import DataFile, FileReader, discover_files
from jts.backtest.data.report import FeedReport, IssueKind
from jts.backtest.data.schema import DataKind, ReadOptions
from jts.backtest.data.sessions import SessionChecker
from jts.backtest.data.validation import check_cross_source_duplicates
from jts.backtest.data.writers import bar_table_from_arrays
from jts.core.errors import ParseError
from jts.core.time import NANOS_PER_DAY, dt_to_ns, kst_to_ns, parse_iso_ns
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.instruments import Instrument
from jts.domain.market_data import (
    AggregationSource,
    AggressorSide,
    Bar,
    BarType,
    TradeTick,
)
from jts.domain.reference import load_reference_instruments
from jts.domain.values import Price, Quantity, unchecked_builders
from jts.ports.calendar import TradingCalendar

__all__ = ["BarFeed", "TimeBound", "TradeTickFeed", "merge_frames", "resolve_bound"]

TimeBound = int | dt.date | dt.datetime | str
_MIN_FRAME_ROWS = 1_024
_VALUE_CACHE_LIMIT = 65_536
_ROWS_PER_SLICE = 4_096
_V = TypeVar("_V", Price, Quantity)


def resolve_bound(value: TimeBound | None, option: str, *, is_end: bool) -> int | None:
    """``start``/``end`` as int ns UTC, both inclusive. A date (or ``YYYY-MM-DD`` text) is a
    whole KST day: ``start`` from its first instant, ``end`` to its last. Datetimes and ISO
    text need a UTC offset."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else parse_iso_ns(text)
        except (ValueError, ParseError) as exc:
            raise FeedOptionError(
                f"option {option}: {value!r} is not a date or ISO time: {exc}"
            ) from None
    if isinstance(value, bool):
        raise FeedOptionError(f"option {option} must be a time, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise FeedOptionError(f"option {option} must not be before 1970, got {value}")
        return value
    if isinstance(value, dt.datetime):
        try:
            return dt_to_ns(value)
        except ParseError as exc:
            raise FeedOptionError(f"option {option}: {exc}") from None
    if isinstance(value, dt.date):
        first = kst_to_ns(value)
        return first + NANOS_PER_DAY - 1 if is_end else first
    raise FeedOptionError(f"option {option} must be a date, datetime or int ns, got {value!r}")


@dataclass(slots=True)
class _Cursor:
    frames: Iterator[Frame]
    buffer: Frame | None = None
    exhausted: bool = False

    def pull(self) -> None:
        """Fill an empty buffer from the stream (or mark the stream exhausted)."""
        while (self.buffer is None or not len(self.buffer)) and not self.exhausted:
            self.buffer = next(self.frames, None)
            if self.buffer is None:
                self.exhausted = True

    def extend(self) -> None:
        """Append the next frame to a buffer whose rows all sit at the watermark."""
        following = next(self.frames, None)
        if following is None:
            self.exhausted = True
        elif self.buffer is not None:
            self.buffer = Frame.concat([self.buffer, following])

    @property
    def rows(self) -> int:
        return len(self.buffer) if self.buffer is not None else 0


def merge_frames(
    streams: Sequence[Iterator[Frame]], ranks: Callable[[], Int64Array]
) -> Iterator[Frame]:
    """Merge time-ordered frame streams into frames ordered by (timestamp, instrument rank)."""
    cursors = [_Cursor(stream) for stream in streams]
    for cursor in cursors:
        cursor.pull()
    while True:
        live = [c for c in cursors if c.rows]
        if not live:
            return
        still_open = [c for c in live if not c.exhausted]
        watermark = (
            min(int(c.buffer.ts[-1]) for c in still_open if c.buffer is not None)
            if still_open
            else None
        )
        parts: list[Frame] = []
        for cursor in live:
            assert cursor.buffer is not None
            if watermark is None:
                parts.append(cursor.buffer)
                cursor.buffer = None
                continue
            cut = int(np.searchsorted(cursor.buffer.ts, watermark, side="left"))
            if cut:
                parts.append(cursor.buffer.take(slice(0, cut)))
                cursor.buffer = cursor.buffer.take(slice(cut, None))
        if parts:
            yield Frame.concat(parts).sort_by_time(ranks())
        else:
            for cursor in still_open:
                assert cursor.buffer is not None
                if int(cursor.buffer.ts[-1]) == watermark:
                    cursor.extend()
        for cursor in cursors:
            cursor.pull()


class _Feed:
    """What bar and tick feeds share: files, instruments, options, merge and checks."""

    _kind: DataKind

    def __init__(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        instruments: Iterable[Instrument] | None = None,
        options: ReadOptions | None = None,
        start: TimeBound | None = None,
        end: TimeBound | None = None,
        calendar: TradingCalendar | None = None,
    ) -> None:
        self._options = options if options is not None else ReadOptions()
        if not isinstance(self._options, ReadOptions):
            raise FeedOptionError(f"options must be ReadOptions, got {options!r}")
        self._start = resolve_bound(start, "start", is_end=False)
        self._end = resolve_bound(end, "end", is_end=True)
        if self._start is not None and self._end is not None and self._start > self._end:
            raise FeedOptionError(f"option start ({start}) is after option end ({end})")
        if calendar is not None and not isinstance(calendar, TradingCalendar):
            raise FeedOptionError(f"option calendar must be a TradingCalendar, got {calendar!r}")
        self._calendar = calendar
        self._files, self._ignored = discover_files(paths)
        known = load_reference_instruments() if instruments is None else instruments
        self._table = InstrumentTable(known)
        self._report = FeedReport(files=[f.name for f in self._files])

    @property
    def files(self) -> tuple[DataFile, ...]:
        return tuple(self._files)

    @property
    def instrument_ids(self) -> tuple[InstrumentId, ...]:
        """Instruments met so far, in the order of their ``instrument_index``."""
        return self._table.ids

    def instrument(self, index: int) -> Instrument:
        return self._table.instrument(index)

    @property
    def report(self) -> FeedReport:
        """Counts of the latest (or current) pass over the data."""
        return self._report

    def _frames(self) -> Iterator[Frame]:
        """One pass: merged, checked frames. Warnings are raised when the pass ends or is
        closed early."""
        names = [f.name for f in self._files]
        report = FeedReport(files=names)
        self._report = report
        if self._ignored:
            report.note(
                str(self._ignored[0].parent),
                IssueKind.IGNORED_FILES,
                len(self._ignored),
                detail=", ".join(p.name for p in self._ignored[:5]),
            )
        rows = max(_MIN_FRAME_ROWS, self._options.chunk_rows // max(1, len(self._files)))
        rows = min(rows, self._options.chunk_rows)
        readers = [
            FileReader(
                file,
                index,
                kind=self._kind,
                options=self._options,
                table=self._table,
                files=names,
                report=report,
                frame_rows=rows,
                start_ns=self._start,
                end_ns=self._end,
                calendar=self._calendar,
            ).frames()
            for index, file in enumerate(self._files)
        ]
        checker = None
        if self._calendar is not None:
            checker = SessionChecker(
                self._calendar,
                kind=self._kind,
                spec=self._options.bar_spec,
                outside=self._options.outside_sessions,
                gaps=self._options.gaps,
                files=names,
                table=self._table,
                report=report,
            )
        tail: Frame | None = None
        pool = pa.default_memory_pool()
        try:
            for frame in merge_frames(readers, self._table.ranks):
                if len(self._files) > 1:
                    tail = check_cross_source_duplicates(frame, tail, names, self._table)
                checked = checker.apply(frame) if checker is not None else frame
                # Arrow's allocator keeps freed blocks for reuse; a long replay holds the
                # process at its peak, so hand back what the frames read so far no longer use
                pool.release_unused()
                if len(checked):
                    report.rows_delivered += len(checked)
                    yield checked
        finally:
            report.emit_warnings()


class _Values(dict[int, _V]):
    """Shared immutable `Price`/`Quantity` objects of one precision by raw value.

    Prices on a tick grid repeat constantly; building each once roughly doubles the rate of
    `Bar` construction. A hit is a plain subscript (``table[raw]``, no call into Python); a
    miss builds the value in `__missing__`. The table is bounded (cleared when full) so
    memory stays flat.
    """

    __slots__ = ("_kind", "_precision")

    def __init__(self, kind: type[_V], precision: int) -> None:
        super().__init__()
        self._kind: type[_V] = kind
        self._precision = precision

    def __missing__(self, raw: int) -> _V:
        if len(self) >= _VALUE_CACHE_LIMIT:
            self.clear()
        value: _V = self._kind.from_raw(raw, self._precision)
        self[raw] = value
        return value


class _ValueCache:
    """The `_Values` tables of one feed pass, one per kind and precision."""

    def __init__(self) -> None:
        self._prices: dict[int, _Values[Price]] = {}
        self._sizes: dict[int, _Values[Quantity]] = {}

    def prices(self, precision: int) -> _Values[Price]:
        found = self._prices.get(precision)
        if found is None:
            found = self._prices[precision] = _Values(Price, precision)
        return found

    def sizes(self, precision: int) -> _Values[Quantity]:
        found = self._sizes.get(precision)
        if found is None:
            found = self._sizes[precision] = _Values(Quantity, precision)
        return found


class BarFeed(_Feed):
    """Bars from CSV/Parquet files or folders (schema: docs/data-format.md).

    ``start``/``end`` bound the bars delivered (inclusive; see `resolve_bound`); ``calendar``
    enables the session and gap policies of ``options``. Each iteration reads the files
    again; `report` describes the latest pass.
    """

    _kind = DataKind.BARS

    def iter_bar_arrays(self) -> Iterator[BarArrays]:
        for frame in self._frames():
            yield frame.to_bar_arrays(self._table.ids)

    def to_table(self) -> pa.Table:
        """All bars of one pass as one table in the file schema (e.g. to convert CSV to
        Parquet with `write_bars`); this materialises the data, unlike the iterators."""
        return bar_table_from_arrays(self.iter_bar_arrays(), self._table)

    def bar_type(self, instrument_id: InstrumentId) -> BarType:
        return BarType(instrument_id, self._options.bar_spec, AggregationSource.EXTERNAL)

    def iter_bars(self) -> Iterator[Bar]:
        """`Bar` objects in feed order, ``ts_init == ts_event`` (the bar close)."""
        cache = _ValueCache()
        # per instrument index: its bar type, price table and size precision. Prices come
        # from the table (a tick grid repeats them); volumes hardly repeat, so each is built
        # directly, which is cheaper than a table that keeps missing.
        kinds: list[tuple[BarType, _Values[Price], int]] = []
        volume_of = Quantity.from_raw
        new, set_raw, set_precision = unchecked_builders()
        for chunk in self.iter_bar_arrays():
            while len(kinds) < len(chunk.instrument_ids):
                index = len(kinds)
                pp = self._table.price_precision(index)
                sp = self._table.size_precision(index)
                bar_type = self.bar_type(chunk.instrument_ids[index])
                kinds.append((bar_type, cache.prices(pp), sp))
            # the readers refused negative volumes already; checked again for the whole chunk
            # (cheap, vectorised), a volume is then built without the per-value checks
            checked = not len(chunk.volume) or int(chunk.volume.min()) >= 0
            # rows become Python ints a slice at a time: a whole chunk of them would hold
            # tens of MB for as long as the chunk is being replayed
            for first in range(0, len(chunk.ts_event), _ROWS_PER_SLICE):
                cut = slice(first, first + _ROWS_PER_SLICE)
                for iid, ts, o, h, low, c, v in zip(
                    chunk.instrument_index[cut].tolist(),
                    chunk.ts_event[cut].tolist(),
                    chunk.open[cut].tolist(),
                    chunk.high[cut].tolist(),
                    chunk.low[cut].tolist(),
                    chunk.close[cut].tolist(),
                    chunk.volume[cut].tolist(),
                    strict=True,
                ):
                    bar_type, prices, sp = kinds[iid]
                    if checked:
                        volume = new(Quantity)
                        set_raw(volume, v)
                        set_precision(volume, sp)
                    else:
                        volume = volume_of(v, sp)
                    yield Bar(
                        bar_type=bar_type,
                        open=prices[o],
                        high=prices[h],
                        low=prices[low],
                        close=prices[c],
                        volume=volume,
                        ts_event=ts,
                        ts_init=ts,
                    )

    def __iter__(self) -> Iterator[Bar]:
        return self.iter_bars()


_SIDES = (AggressorSide.NO_AGGRESSOR, AggressorSide.BUYER, AggressorSide.SELLER)


class TradeTickFeed(_Feed):
    """Trade ticks from CSV/Parquet files or folders (schema: docs/data-format.md).

    A tick without a ``trade_id`` gets ``<ts_event>-<n>``, n counting the ticks of that
    instrument at that instant from 0: deterministic, and unique per instrument.
    """

    _kind = DataKind.TRADES

    def iter_tick_arrays(self) -> Iterator[TickArrays]:
        for frame in self._frames():
            yield frame.to_tick_arrays(self._table.ids)

    def iter_trade_ticks(self) -> Iterator[TradeTick]:
        cache = _ValueCache()
        last: dict[int, tuple[int, int]] = {}
        for chunk in self.iter_tick_arrays():
            ids = chunk.instrument_ids
            for iid, ts, px, qty, side, given in zip(
                chunk.instrument_index.tolist(),
                chunk.ts_event.tolist(),
                chunk.price.tolist(),
                chunk.size.tolist(),
                chunk.aggressor.tolist(),
                chunk.trade_id.tolist(),
                strict=True,
            ):
                trade = given
                if trade is None:
                    previous_ts, seq = last.get(iid, (-1, -1))
                    seq = seq + 1 if previous_ts == ts else 0
                    last[iid] = (ts, seq)
                    trade = f"{ts}-{seq}"
                yield TradeTick(
                    instrument_id=ids[iid],
                    price=cache.prices(self._table.price_precision(iid))[px],
                    size=cache.sizes(self._table.size_precision(iid))[qty],
                    aggressor_side=_SIDES[side],
                    trade_id=TradeId(trade),
                    ts_event=ts,
                    ts_init=ts,
                )

    def __iter__(self) -> Iterator[TradeTick]:
        return self.iter_trade_ticks()
