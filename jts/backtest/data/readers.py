"""Reading one data file (CSV or Parquet) into validated frames, a bounded chunk at a time.

CSV goes through `pyarrow.csv`'s streaming reader with every column read as text (so prices
are parsed exactly by `columns`, never guessed as floats); Parquet through
`pyarrow.parquet.ParquetFile.iter_batches`, one row group at a time and single-threaded (a
backtest consumes rows in one thread; reader threads only raise the memory peak), skipping row
groups that lie wholly before ``start`` or after ``end`` when their statistics say so. A file
must be in time order (checked); only with ``repair`` is a file read whole, sorted and
de-duplicated.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from jts.backtest.data.arrays import InstrumentTable, Int32Array
from jts.backtest.data.columns import (
    ColumnRef,
    aggressor_codes,
    exact_raw_by_instrument,
    instrument_indices,
    timestamps_ns,
    trade_ids,
)
from jts.backtest.data.errors import DataFileError, MissingColumnsError, NoDataFilesError
from jts.backtest.data.frames import IID, TS, Frame
from jts.backtest.data.report import FeedReport, IssueKind
from jts.backtest.data.schema import (
    AGGRESSOR,
    BAR_PRICE_COLUMNS,
    INSTRUMENT,
    PRICE,
    SIZE,
    TIMESTAMP,
    TRADE_ID,
    VOLUME,
    DataKind,
    FileFormat,
    ReadOptions,
    TimestampConvention,
)
from jts.backtest.data.sessions import stamp_daily_close
from jts.backtest.data.validation import OrderChecker, check_values, repair_frame
from jts.core.errors import ParseError
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import BarAggregation
from jts.ports.calendar import TradingCalendar

__all__ = ["DataFile", "FileReader", "discover_files"]

_SUFFIXES: Final = {
    ".csv": FileFormat.CSV,
    ".csv.gz": FileFormat.CSV,
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
}
_CSV_BYTES_PER_ROW: Final = 64


@dataclass(frozen=True, slots=True)
class DataFile:
    path: Path
    format: FileFormat

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def stem(self) -> str:
        """The name without the data suffix: ``005930.KRX.csv.gz`` -> ``005930.KRX``."""
        name = self.path.name
        for suffix in sorted(_SUFFIXES, key=len, reverse=True):
            if name.lower().endswith(suffix):
                return name[: -len(suffix)]
        return name


def _format_of(path: Path) -> FileFormat | None:
    name = path.name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return _SUFFIXES[suffix]
    return None


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def discover_files(
    paths: str | Path | Sequence[str | Path],
) -> tuple[list[DataFile], list[Path]]:
    """The data files of a file, a folder (all files inside, recursively, sorted by path) or a
    list of either; also the non-hidden files a folder holds that are not data files."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise NoDataFilesError("no data path given")
    found: list[DataFile] = []
    ignored: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for candidate in inside:
                kind = _format_of(candidate)
                if kind is None:
                    ignored.append(candidate)
                else:
                    found.append(DataFile(candidate, kind))
            if not any(f.path.is_relative_to(path) for f in found):
                raise NoDataFilesError(
                    "folder holds no .csv, .csv.gz, .parquet or .pq file", file=str(path)
                )
        elif path.is_file():
            kind = _format_of(path)
            if kind is None:
                raise NoDataFilesError(
                    "unknown file type: expected .csv, .csv.gz, .parquet or .pq", file=str(path)
                )
            found.append(DataFile(path, kind))
        else:
            raise NoDataFilesError("no such file or folder", file=str(path))
    return found, ignored


class FileReader:
    """Validated frames of one file: converted, checked, in time order, inside the range."""

    def __init__(
        self,
        file: DataFile,
        source: int,
        *,
        kind: DataKind,
        options: ReadOptions,
        table: InstrumentTable,
        files: Sequence[str],
        report: FeedReport,
        frame_rows: int,
        start_ns: int | None = None,
        end_ns: int | None = None,
        calendar: TradingCalendar | None = None,
    ) -> None:
        self._file = file
        self._source = source
        self._kind = kind
        self._options = options
        self._table = table
        self._files = files
        self._report = report
        self._frame_rows = frame_rows
        self._start = start_ns
        self._end = end_ns
        self._calendar = calendar
        self._fixed_iid: int | None = None

    # ---- the pipeline ----------------------------------------------------------------------
    def frames(self) -> Iterator[Frame]:
        converted = (self._convert(batch, first) for batch, first in self._batches())
        if self._options.repair:
            yield from self._repaired(list(converted))
            return
        checker = OrderChecker(self._files, self._table)
        for frame in converted:
            checker.check(frame)
            if self._end is not None and len(frame) and frame.ts[0] > self._end:
                self._report.rows_out_of_range += len(frame)
                return  # the file is in time order: nothing later can be in range
            yield from self._in_range(frame)

    def _repaired(self, frames: list[Frame]) -> Iterator[Frame]:
        whole = Frame.concat(frames) if frames else Frame.empty(self._kind)
        result = repair_frame(whole, self._files, self._table)
        name = self._file.name
        self._report.note(
            name, IssueKind.REORDERED, result.reordered, row=result.first_reordered_row
        )
        self._report.note(
            name, IssueKind.DUPLICATES_DROPPED, result.dropped, row=result.first_dropped_row
        )
        yield from self._in_range(result.frame)

    def _in_range(self, frame: Frame) -> Iterator[Frame]:
        self._report.rows_read += len(frame)
        if self._start is not None or self._end is not None:
            ts = frame.ts
            keep = np.ones(len(ts), dtype=bool)
            if self._start is not None:
                keep &= ts >= self._start
            if self._end is not None:
                keep &= ts <= self._end
            if not bool(np.all(keep)):
                self._report.rows_out_of_range += int(np.count_nonzero(~keep))
                frame = frame.take(keep)
        for offset in range(0, len(frame), self._frame_rows):
            yield frame.take(slice(offset, offset + self._frame_rows))

    # ---- reading ---------------------------------------------------------------------------
    def _wanted(self, names: Sequence[str]) -> list[str]:
        """The schema's columns present in the file; refuses missing required ones."""
        required = self._kind.required_columns
        if len(set(names)) != len(names):
            doubled = sorted({n for n in names if list(names).count(n) > 1})
            raise MissingColumnsError(f"duplicate column names {doubled}", file=self._file.name)
        missing = [c for c in required if c not in names]
        if missing:
            hint = ""
            lowered = {n.strip().lower(): n for n in names}
            near = [f"{lowered[c]!r} for {c!r}" for c in missing if c in lowered]
            if near:
                hint = f"; names are case-sensitive: rename {', '.join(near)}"
            raise MissingColumnsError(
                f"missing required column(s) {missing}; found {list(names)}; expected "
                f"{list(required)} and optionally {list(self._kind.optional_columns)}{hint}",
                file=self._file.name,
            )
        wanted = [c for c in (*required, *self._kind.optional_columns) if c in names]
        if INSTRUMENT not in wanted:
            self._fixed_iid = self._file_instrument()
        return wanted

    def _file_instrument(self) -> int:
        chosen = self._options.instrument
        if chosen is None:
            try:
                from_name = InstrumentId(self._file.stem)
            except ParseError:
                from_name = None
            if from_name is not None and self._table.knows(from_name):
                chosen = from_name
        if chosen is None:
            raise MissingColumnsError(
                "no 'instrument' column and no instrument given: pass instrument= (--instrument)"
                " or name the file after the instrument, e.g. 005930.KRX.csv",
                file=self._file.name,
            )
        try:
            return self._table.index_of(chosen)
        except KeyError:
            raise DataFileError(
                f"unknown instrument {chosen}: pass its Instrument to the reader",
                file=self._file.name,
            ) from None

    def _batches(self) -> Iterator[tuple[pa.RecordBatch, int]]:
        if self._file.format is FileFormat.CSV:
            yield from self._csv_batches()
        else:
            yield from self._parquet_batches()

    def _csv_batches(self) -> Iterator[tuple[pa.RecordBatch, int]]:
        names = _csv_header(self._file)
        wanted = self._wanted(names)
        block = max(1 << 16, self._frame_rows * _CSV_BYTES_PER_ROW)
        convert = pcsv.ConvertOptions(
            column_types=dict.fromkeys(wanted, pa.string()),
            include_columns=wanted,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        )
        first_row = 1
        try:
            reader = pcsv.open_csv(
                self._file.path,
                read_options=pcsv.ReadOptions(block_size=block),
                convert_options=convert,
            )
            for batch in reader:
                yield batch, first_row
                first_row += batch.num_rows
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            row = _ragged_row(self._file, len(names))
            raise DataFileError(
                f"cannot read CSV: {exc}".replace("\n", " "), file=self._file.name, row=row
            ) from None

    def _parquet_batches(self) -> Iterator[tuple[pa.RecordBatch, int]]:
        try:
            parquet = pq.ParquetFile(self._file.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataFileError(
                f"not a readable Parquet file: {exc}", file=self._file.name
            ) from None
        wanted = self._wanted(parquet.schema_arrow.names)
        first_row = 1
        metadata = parquet.metadata
        for group in range(metadata.num_row_groups):
            rows = metadata.row_group(group).num_rows
            bounds = self._group_bounds(parquet, group)
            if bounds is not None and self._start is not None and bounds[1] < self._start:
                self._report.rows_out_of_range += rows
                first_row += rows
                continue
            if bounds is not None and self._end is not None and bounds[0] > self._end:
                break  # the file is in time order: nothing after this can be in range
            for batch in parquet.iter_batches(
                batch_size=self._frame_rows, row_groups=[group], columns=wanted, use_threads=False
            ):
                yield batch, first_row
                first_row += batch.num_rows

    def _group_bounds(self, parquet: pq.ParquetFile, group: int) -> tuple[int, int] | None:
        """The (min, max) timestamp of a row group in ns, when statistics make that exact;
        None otherwise (the group is then read and filtered row by row). Not used with
        ``repair``: an unsorted file cannot be skipped by its pieces."""
        if self._options.repair or (self._start is None and self._end is None):
            return None
        field = parquet.schema_arrow.field(TIMESTAMP)
        if not (pa.types.is_integer(field.type) or pa.types.is_timestamp(field.type)):
            return None
        column = parquet.schema_arrow.get_field_index(TIMESTAMP)
        stats = parquet.metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max:
            return None
        low = pa.array([stats.min], field.type)
        high = pa.array([stats.max], field.type)
        ref = ColumnRef(self._file.name, TIMESTAMP, 1)
        offset = self._options.naive_offset_ns
        try:
            lo = int(timestamps_ns(low, ref, offset)[0])
            # statistics may come back as datetimes, without the nanoseconds: widen the bound
            hi = int(timestamps_ns(high, ref, offset)[0]) + 999
        except DataFileError:
            return None
        if self._kind is DataKind.BARS and self._is_daily():
            return None  # date stamps move to the session close: bounds are not exact
        if self._shift_open():
            lo, hi = lo + self._options.interval_ns, hi + self._options.interval_ns
        return lo, hi

    # ---- conversion ------------------------------------------------------------------------
    def _is_daily(self) -> bool:
        return self._options.bar_spec.aggregation is BarAggregation.DAY

    def _shift_open(self) -> bool:
        return (
            self._kind is DataKind.BARS
            and self._options.timestamp_convention is TimestampConvention.OPEN
        )

    def _ref(self, column: str, first_row: int) -> ColumnRef:
        return ColumnRef(self._file.name, column, first_row)

    def _convert(self, batch: pa.RecordBatch, first_row: int) -> Frame:
        n = batch.num_rows
        if self._fixed_iid is not None:
            iid: Int32Array = np.full(n, self._fixed_iid, dtype=np.int32)
        else:
            column = batch.column(INSTRUMENT)
            iid = instrument_indices(column, self._ref(INSTRUMENT, first_row), self._table)
        ts = timestamps_ns(
            batch.column(TIMESTAMP),
            self._ref(TIMESTAMP, first_row),
            self._options.naive_offset_ns,
        )
        ts = self._bar_stamps(ts)
        columns: dict[str, np.ndarray] = {TS: ts, IID: iid}
        if self._kind is DataKind.BARS:
            for name in BAR_PRICE_COLUMNS:
                columns[name] = self._exact_column(batch, name, iid, first_row, prices=True)
            columns[VOLUME] = self._exact_column(batch, VOLUME, iid, first_row, prices=False)
        else:
            columns[PRICE] = self._exact_column(batch, PRICE, iid, first_row, prices=True)
            columns[SIZE] = self._exact_column(batch, SIZE, iid, first_row, prices=False)
            names = batch.schema.names
            columns[AGGRESSOR] = (
                aggressor_codes(batch.column(AGGRESSOR), self._ref(AGGRESSOR, first_row))
                if AGGRESSOR in names
                else np.zeros(n, dtype=np.int8)
            )
            columns[TRADE_ID] = (
                trade_ids(batch.column(TRADE_ID), self._ref(TRADE_ID, first_row))
                if TRADE_ID in names
                else np.full(n, None, dtype=object)
            )
        rows = np.arange(first_row, first_row + n, dtype=np.int64)
        frame = Frame(self._kind, columns, np.full(n, self._source, dtype=np.int32), rows)
        check_values(frame, self._files, self._table)
        return frame

    def _exact_column(
        self, batch: pa.RecordBatch, name: str, iid: Int32Array, first_row: int, *, prices: bool
    ) -> np.ndarray:
        return exact_raw_by_instrument(
            batch.column(name), iid, self._table, self._ref(name, first_row), prices=prices
        )

    def _bar_stamps(self, ts: np.ndarray) -> np.ndarray:
        if self._kind is not DataKind.BARS:
            return ts
        if self._is_daily():
            if self._options.timestamp_convention is TimestampConvention.OPEN:
                ts = ts - (ts + 9 * 3_600_000_000_000) % 86_400_000_000_000
            return stamp_daily_close(ts, self._calendar)
        if self._shift_open():
            return ts + self._options.interval_ns
        return ts


def _open_text(file: DataFile) -> io.TextIOBase:
    if file.path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(file.path, "rb"), encoding="utf-8-sig", newline="")
    return open(file.path, encoding="utf-8-sig", newline="")


def _csv_header(file: DataFile) -> list[str]:
    try:
        with _open_text(file) as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise DataFileError(
            "CSV is not UTF-8 text (convert it, or import it with encoding='cp949')",
            file=file.name,
        ) from None
    if not header:
        raise MissingColumnsError("file is empty: no header row", file=file.name)
    return header


def _ragged_row(file: DataFile, width: int) -> int | None:
    """The first data row whose number of fields differs from the header (error path only)."""
    try:
        with _open_text(file) as handle:
            rows = csv.reader(handle)
            next(rows, None)
            for number, row in enumerate(rows, start=1):
                if len(row) != width:
                    return number
    except (UnicodeDecodeError, csv.Error):
        return None
    return None
