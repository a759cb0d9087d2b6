"""Import a generic OHLCV CSV (a broker export, a data vendor, a spreadsheet) into our schema.

What varies between such files, and how each is handled:

- column names: `ColumnNames` maps ours to theirs; without one, the header is matched
  (ignoring case and spaces) against the `PRESETS`: ``Date,Open,High,Low,Close,Volume``, the
  Korean ``일자,시가,고가,저가,종가,거래량`` (also ``날짜``, and a ``시간`` time column), ...;
- dates: ``YYYYMMDD``, ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD``, optionally followed by
  ``HH:MM`` or ``HH:MM:SS`` (or ``HHMM``/``HHMMSS``), or a separate time column; all fields
  zero-padded. Times are in ``timezone`` (KST unless told otherwise). An explicit
  ``date_format`` (strptime) overrides the detection;
- numbers with thousands separators (``"70,000"``) and a leading ``+``;
- text encoding: UTF-8 (with or without BOM) or CP949/EUC-KR, detected;
- row order: each instrument's rows must be in time order, oldest or newest first (newest-first
  exports are common and are simply reversed); rows out of order and duplicate rows are errors
  unless ``repair`` is on, which sorts and drops exact duplicates with a warning.

Date-only rows are daily bars: each is stamped at its session's close (the calendar's, or
15:30 KST). The output is a file in our schema (Parquet, or CSV for a ``.csv`` destination),
sorted by (timestamp, instrument), written atomically. The whole input is read into memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from jts.backtest.data.arrays import InstrumentTable, Int64Array
from jts.backtest.data.columns import (
    ColumnRef,
    exact_raw_by_instrument,
    instrument_indices,
)
from jts.backtest.data.errors import (
    DataFileError,
    FeedOptionError,
    MissingColumnsError,
    NoDataFilesError,
)
from jts.backtest.data.frames import IID, TS, Frame
from jts.backtest.data.report import FeedReport, IssueKind
from jts.backtest.data.schema import (
    BAR_PRICE_COLUMNS,
    VOLUME,
    DataKind,
    TimestampConvention,
)
from jts.backtest.data.sessions import stamp_daily_close
from jts.backtest.data.validation import OrderChecker, check_values, repair_frame
from jts.backtest.data.writers import bar_table, write_bars
from jts.core.errors import ParseError
from jts.core.time import KST
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import BarSpecification
from jts.domain.reference import load_reference_instruments
from jts.ports.calendar import TradingCalendar

__all__ = [
    "ENGLISH",
    "KOREAN",
    "KOREAN_WITH_TIME",
    "PRESETS",
    "ColumnNames",
    "ImportOptions",
    "ImportResult",
    "import_ohlcv_csv",
]

_NS: Final = 1_000_000_000
_DIGITS_FORMAT: Final = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


@dataclass(frozen=True, slots=True)
class ColumnNames:
    """The source file's names for our columns; ``time`` is a separate time-of-day column,
    ``instrument`` a column of instrument ids (``005930.KRX``)."""

    date: str
    open: str
    high: str
    low: str
    close: str
    volume: str
    time: str | None = None
    instrument: str | None = None

    def required(self) -> list[str]:
        names = [self.date, self.open, self.high, self.low, self.close, self.volume]
        return names + [n for n in (self.time, self.instrument) if n is not None]


ENGLISH: Final = ColumnNames("Date", "Open", "High", "Low", "Close", "Volume")
KOREAN: Final = ColumnNames("일자", "시가", "고가", "저가", "종가", "거래량")
KOREAN_WITH_TIME: Final = ColumnNames("일자", "시가", "고가", "저가", "종가", "거래량", time="시간")
_KOREAN_DATE: Final = ColumnNames("날짜", "시가", "고가", "저가", "종가", "거래량")
_ENGLISH_TIME: Final = ColumnNames("Date", "Open", "High", "Low", "Close", "Volume", time="Time")
_ENGLISH_DATETIME: Final = ColumnNames("Datetime", "Open", "High", "Low", "Close", "Volume")
#: Tried in order; the first whose columns are all in the header wins (most specific first).
PRESETS: Final = (
    KOREAN_WITH_TIME,
    KOREAN,
    _KOREAN_DATE,
    _ENGLISH_TIME,
    ENGLISH,
    _ENGLISH_DATETIME,
)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read the source: see the module docstring. ``interval`` is needed only for
    intraday files stamped at the bar open (``timestamp_convention=OPEN``)."""

    columns: ColumnNames | None = None
    instrument: InstrumentId | None = None
    timezone: dt.tzinfo = KST
    date_format: str | None = None
    thousands: str = ","
    encoding: str = "auto"
    delimiter: str = ","
    timestamp_convention: TimestampConvention = TimestampConvention.CLOSE
    interval: BarSpecification | None = None
    repair: bool = False

    def __post_init__(self) -> None:
        if self.timezone.utcoffset(None) is None:
            raise FeedOptionError(
                f"option timezone must be a fixed-offset tzinfo (KST, UTC), got {self.timezone!r}"
            )
        if len(self.delimiter) != 1:
            raise FeedOptionError(f"option delimiter must be one character: {self.delimiter!r}")
        if self.thousands == "." or len(self.thousands) > 1:
            raise FeedOptionError(
                f"option thousands must be one character other than '.', or empty, "
                f"got {self.thousands!r}"
            )
        if self.timestamp_convention is TimestampConvention.OPEN and self.interval is None:
            raise FeedOptionError("option interval is needed with timestamp_convention=OPEN")
        if self.interval is not None and not self.interval.is_time_aggregated:
            raise FeedOptionError(f"option interval must be a time bar, got {self.interval}")

    @property
    def offset_ns(self) -> int:
        offset = self.timezone.utcoffset(None)
        assert offset is not None
        return (offset.days * 86_400 + offset.seconds) * _NS


@dataclass(slots=True)
class ImportResult:
    path: Path
    rows: int
    instruments: tuple[InstrumentId, ...]
    first_ns: int | None
    last_ns: int | None
    encoding: str
    columns: ColumnNames
    reversed: bool = False
    report: FeedReport = field(default_factory=FeedReport)


def _detect_encoding(path: Path, requested: str) -> str:
    if requested != "auto":
        return requested
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("cp949")
        except UnicodeDecodeError:
            raise DataFileError(
                "text is neither UTF-8 nor CP949; pass encoding=", file=str(path)
            ) from None
        return "cp949"
    return "utf-8"


def _normal(name: str) -> str:
    return re.sub(r"\s+", "", name.lstrip("\ufeff")).lower()


def _choose_columns(header: Sequence[str], given: ColumnNames | None, file: str) -> ColumnNames:
    """The mapping to use, with the header's own spelling of each name."""
    by_normal = {_normal(name): name for name in header}
    candidates = [given] if given is not None else list(PRESETS)
    for candidate in candidates:
        wanted = candidate.required()
        if all(_normal(n) in by_normal for n in wanted):

            def real(name: str | None) -> str | None:
                return None if name is None else by_normal[_normal(name)]

            return ColumnNames(
                by_normal[_normal(candidate.date)],
                by_normal[_normal(candidate.open)],
                by_normal[_normal(candidate.high)],
                by_normal[_normal(candidate.low)],
                by_normal[_normal(candidate.close)],
                by_normal[_normal(candidate.volume)],
                time=real(candidate.time),
                instrument=real(candidate.instrument),
            )
    if given is not None:
        missing = [n for n in given.required() if _normal(n) not in by_normal]
        raise MissingColumnsError(
            f"missing column(s) {missing} named in columns=; found {list(header)}", file=file
        )
    tried = "; ".join(",".join(p.required()) for p in PRESETS)
    raise MissingColumnsError(
        f"header {list(header)} matches no known layout ({tried}); pass columns=ColumnNames(...)",
        file=file,
    )


def _read_table(path: Path, options: ImportOptions, encoding: str) -> pa.Table:
    codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    try:
        with path.open(encoding=codec, newline="") as handle:
            header = next(csv.reader(handle, delimiter=options.delimiter), None)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataFileError(f"cannot decode as {encoding}: {exc}", file=str(path)) from None
    if not header:
        raise MissingColumnsError("file is empty: no header row", file=str(path))
    try:
        return pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(encoding=encoding),
            parse_options=pcsv.ParseOptions(delimiter=options.delimiter),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        raise DataFileError(f"cannot read CSV: {exc}".replace("\n", " "), file=str(path)) from None


def _digits(array: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_trim_whitespace(array), r"[^0-9]", "")


def _local_timestamps(
    table: pa.Table, columns: ColumnNames, options: ImportOptions, file: str
) -> tuple[Int64Array, np.ndarray]:
    """Local wall-clock nanoseconds per row, and which rows gave a date only."""
    dates = table.column(columns.date).combine_chunks()
    _no_nulls(dates, columns.date, file)
    if options.date_format is not None:
        try:
            parsed = pc.strptime(dates, format=options.date_format, unit="s")
        except pa.ArrowInvalid as exc:
            raise DataFileError(
                f"dates do not match date_format {options.date_format!r}: {exc}",
                file=file,
                column=columns.date,
            ) from None
        seconds = parsed.cast(pa.int64()).to_numpy()
        return seconds * _NS, (seconds % 86_400) == 0
    text = _digits(dates)
    if columns.time is not None:
        times = table.column(columns.time).combine_chunks()
        _no_nulls(times, columns.time, file)
        time_digits = _digits(times)
        lengths = pc.utf8_length(time_digits).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(~np.isin(lengths, (3, 4, 5, 6)))
        if bad.size:
            raise DataFileError(
                f"time {times[int(bad[0])].as_py()!r} is not HHMM or HHMMSS",
                file=file,
                row=int(bad[0]) + 1,
                column=columns.time,
            )
        # H:MM / HH:MM give 3-4 digits, H:MM:SS / HH:MM:SS 5-6: pad hours, add seconds
        short = pa.array(lengths <= 4)
        padded = pc.if_else(
            short,
            pc.binary_join_element_wise(pc.utf8_lpad(time_digits, 4, "0"), "00", ""),
            pc.utf8_lpad(time_digits, 6, "0"),
        )
        text = pc.binary_join_element_wise(text, padded, "")
    lengths = pc.utf8_length(text).to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(~np.isin(lengths, tuple(_DIGITS_FORMAT)))
    if bad.size:
        raise DataFileError(
            f"date {dates[int(bad[0])].as_py()!r} is not YYYYMMDD or YYYY-MM-DD "
            "(optionally with HH:MM[:SS]); pass date_format= for other layouts",
            file=file,
            row=int(bad[0]) + 1,
            column=columns.date,
        )
    full = pc.utf8_rpad(text, 14, "0")
    try:
        seconds = pc.strptime(full, format="%Y%m%d%H%M%S", unit="s").cast(pa.int64()).to_numpy()
    except pa.ArrowInvalid:
        for index, value in enumerate(full.to_pylist()):
            try:
                dt.datetime.strptime(value, "%Y%m%d%H%M%S")  # noqa: DTZ007 - wall clock only
            except ValueError:
                raise DataFileError(
                    f"{dates[index].as_py()!r} is not a valid date/time",
                    file=file,
                    row=index + 1,
                    column=columns.date,
                ) from None
        raise
    return seconds * _NS, lengths == 8


def _no_nulls(array: pa.Array, column: str, file: str) -> None:
    if array.null_count:
        first = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])
        raise DataFileError("missing value", file=file, row=first + 1, column=column)


def _numbers(array: pa.Array, thousands: str) -> pa.Array:
    text = pc.utf8_trim_whitespace(array)
    if thousands:
        text = pc.replace_substring(text, thousands, "")
    return text


def import_ohlcv_csv(
    source: str | Path,
    destination: str | Path,
    *,
    options: ImportOptions | None = None,
    instruments: Iterable[Instrument] | None = None,
    calendar: TradingCalendar | None = None,
) -> ImportResult:
    """Convert ``source`` (a generic OHLCV CSV) into ``destination`` in our schema."""
    options = options or ImportOptions()
    path = Path(source)
    if not path.is_file():
        raise NoDataFilesError("no such file", file=str(path))
    file = str(path)
    encoding = _detect_encoding(path, options.encoding)
    table = _read_table(path, options, encoding)
    columns = _choose_columns(table.column_names, options.columns, file)
    known = InstrumentTable(load_reference_instruments() if instruments is None else instruments)
    iid = _instrument_column(table, columns, options, known, path)
    local, date_only = _local_timestamps(table, columns, options, file)
    ts = _to_utc(local, date_only, options, calendar)
    frame_columns: dict[str, np.ndarray] = {TS: ts, IID: iid}
    for ours, theirs in zip(
        (*BAR_PRICE_COLUMNS, VOLUME),
        (columns.open, columns.high, columns.low, columns.close, columns.volume),
        strict=True,
    ):
        text = _numbers(table.column(theirs).combine_chunks(), options.thousands)
        ref = ColumnRef(file, theirs, 1)
        frame_columns[ours] = exact_raw_by_instrument(text, iid, known, ref, prices=ours != VOLUME)
    n = len(ts)
    frame = Frame(
        DataKind.BARS,
        frame_columns,
        np.zeros(n, dtype=np.int32),
        np.arange(1, n + 1, dtype=np.int64),
    )
    check_values(frame, [file], known)
    report = FeedReport(files=[file])
    frame, was_reversed = _in_time_order(frame, options, known, file, report)
    result_table = _output_table(frame, known)
    target = write_bars(result_table, destination)
    report.rows_read = n
    report.rows_delivered = len(frame)
    report.emit_warnings()
    return ImportResult(
        path=target,
        rows=len(frame),
        instruments=known.ids,
        first_ns=int(frame.ts[0]) if len(frame) else None,
        last_ns=int(frame.ts[-1]) if len(frame) else None,
        encoding=encoding,
        columns=columns,
        reversed=was_reversed,
        report=report,
    )


def _instrument_column(
    table: pa.Table,
    columns: ColumnNames,
    options: ImportOptions,
    known: InstrumentTable,
    path: Path,
) -> np.ndarray:
    n = table.num_rows
    if columns.instrument is not None:
        ref = ColumnRef(str(path), columns.instrument, 1)
        return instrument_indices(table.column(columns.instrument).combine_chunks(), ref, known)
    chosen = options.instrument
    if chosen is None:
        stem = path.name.split(".csv")[0]
        try:
            candidate = InstrumentId(stem)
        except ParseError:
            candidate = None
        if candidate is not None and known.knows(candidate):
            chosen = candidate
    if chosen is None:
        raise FeedOptionError(
            f"{path}: no instrument column; pass instrument= (e.g. 005930.KRX) or name the file "
            "after the instrument (005930.KRX.csv)"
        )
    try:
        index = known.index_of(chosen)
    except KeyError:
        raise FeedOptionError(f"option instrument: unknown instrument {chosen}") from None
    return np.full(n, index, dtype=np.int32)


def _to_utc(
    local: Int64Array,
    date_only: np.ndarray,
    options: ImportOptions,
    calendar: TradingCalendar | None,
) -> Int64Array:
    ts = local - options.offset_ns
    if bool(np.any(date_only)):
        ts = ts.copy()
        ts[date_only] = stamp_daily_close(ts[date_only], calendar, options.offset_ns)
    intraday = ~date_only
    if options.timestamp_convention is TimestampConvention.OPEN and bool(np.any(intraday)):
        assert options.interval is not None
        ts = ts.copy()
        ts[intraday] += options.interval.interval_ns()
    return ts


def _in_time_order(
    frame: Frame, options: ImportOptions, table: InstrumentTable, file: str, report: FeedReport
) -> tuple[Frame, bool]:
    """Each instrument's rows oldest first (a newest-first run is reversed; rows out of order
    are an error unless ``repair`` sorts them), then all rows by (timestamp, instrument)."""
    grouped = frame.take(np.argsort(frame.iid, kind="stable"))
    starts = np.flatnonzero(np.diff(grouped.iid, prepend=-1))
    bounds = [*starts.tolist(), len(grouped)]
    parts: list[Frame] = []
    was_reversed = False
    for low, high in itertools.pairwise(bounds):
        part = grouped.take(slice(low, high))
        ts = part.ts
        if len(ts) > 1 and bool(np.all(ts[1:] <= ts[:-1])) and ts[0] != ts[-1]:
            part = part.take(slice(None, None, -1))
            was_reversed = True
        elif not options.repair:
            OrderChecker([file], table).check(part)  # raises on the first row out of order
        parts.append(part)
    joined = Frame.concat(parts) if parts else frame
    if options.repair:
        result = repair_frame(joined, [file], table)
        report.note(file, IssueKind.REORDERED, result.reordered, row=result.first_reordered_row)
        report.note(
            file, IssueKind.DUPLICATES_DROPPED, result.dropped, row=result.first_dropped_row
        )
        joined = result.frame
    ordered = joined.take(np.lexsort((joined.rows, table.ranks()[joined.iid], joined.ts)))
    OrderChecker([file], table).check(ordered)  # duplicates of one instrument and instant
    return ordered, was_reversed


def _output_table(frame: Frame, table: InstrumentTable) -> pa.Table:
    ids = table.ids
    present = np.unique(frame.iid).tolist()
    precisions = {(table.price_precision(i), table.size_precision(i)) for i in present}
    if len(precisions) > 1:
        raise FeedOptionError(
            "instruments with different precisions cannot share one file: "
            f"{sorted(str(ids[i]) for i in present)}"
        )
    price_precision, size_precision = precisions.pop() if precisions else (0, 0)
    names = pa.array([str(i) for i in ids], pa.string()).take(pa.array(frame.iid))
    c = frame.columns
    return bar_table(
        frame.ts,
        names,
        (c["open"], c["high"], c["low"], c["close"], c["volume"]),
        price_precision=price_precision,
        size_precision=size_precision,
    )
