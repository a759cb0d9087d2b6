"""Writing bars in the documented schema: Parquet (typed, exact) or CSV (ISO text in KST).

Writes are atomic: the file is written next to its destination under a temporary name and
renamed into place, so an interrupted write never leaves a file that looks complete. Output is
deterministic: the same table gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from jts.backtest.data.arrays import BarArrays, InstrumentTable, Int64Array
from jts.backtest.data.errors import FeedOptionError
from jts.backtest.data.schema import (
    CLOSE,
    HIGH,
    INSTRUMENT,
    LOW,
    OPEN,
    TIMESTAMP,
    VOLUME,
    FileFormat,
    bar_file_schema,
    decimal_type,
)
from jts.backtest.data.validation import format_ts

__all__ = [
    "bar_table",
    "bar_table_from_arrays",
    "kst_iso_text",
    "raw_to_arrow",
    "write_bars",
]

_NS: Final = 1_000_000_000
_KST_SECONDS: Final = 9 * 3_600
_ISO_WIDTH: Final = 25  # 2024-01-02T09:01:00+09:00
#: Rows per Parquet row group: small enough to skip by time, large enough to compress well.
PARQUET_ROW_GROUP: Final = 131_072


def _civil_from_days(days: Int64Array) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Year, month, day of days since 1970-01-01 (H. Hinnant's algorithm, vectorised)."""
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = np.where(month <= 2, year + 1, year)
    return year, month, day


def kst_iso_text(ts_ns: Int64Array) -> pa.Array:
    """``2024-01-02T09:01:00+09:00`` for each timestamp, built as fixed-width bytes in numpy
    (Arrow's own timestamp formatting is an order of magnitude slower). Timestamps with a
    fraction of a second are written with all their digits, row by row."""
    n = len(ts_ns)
    if n and bool(np.any(ts_ns % _NS)):
        return pa.array([format_ts(int(t)) for t in ts_ns.tolist()], pa.string())
    seconds = ts_ns // _NS + _KST_SECONDS
    days, second_of_day = np.divmod(seconds, 86_400)
    year, month, day = _civil_from_days(days)
    text = np.empty((n, _ISO_WIDTH), dtype=np.uint8)
    text[:] = np.frombuffer(b"0000-00-00T00:00:00+09:00", dtype=np.uint8)
    zero = ord("0")
    for position, divisor, value in (
        (0, 1_000, year),
        (1, 100, year),
        (2, 10, year),
        (3, 1, year),
        (5, 10, month),
        (6, 1, month),
        (8, 10, day),
        (9, 1, day),
        (11, 10, second_of_day // 3_600),
        (12, 1, second_of_day // 3_600),
        (14, 10, second_of_day // 60 % 60),
        (15, 1, second_of_day // 60 % 60),
        (17, 10, second_of_day % 60),
        (18, 1, second_of_day % 60),
    ):
        text[:, position] = zero + (value // divisor) % 10
    offsets = np.arange(0, (n + 1) * _ISO_WIDTH, _ISO_WIDTH, dtype=np.int32)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(text.tobytes())
    )


def raw_to_arrow(raw: Int64Array, precision: int) -> pa.Array:
    """Raw int64 values as int64 (precision 0) or as exact decimal128(38, precision)."""
    if precision == 0:
        return pa.array(raw, pa.int64())
    words = np.empty((len(raw), 2), dtype="<i8")
    words[:, 0] = raw
    words[:, 1] = raw >> 63  # sign extension into the high word
    return pa.Array.from_buffers(
        decimal_type(precision), len(raw), [None, pa.py_buffer(words.tobytes())]
    )


def bar_table(
    ts_ns: Int64Array,
    instruments: pa.Array,
    ohlcv: tuple[Int64Array, Int64Array, Int64Array, Int64Array, Int64Array],
    *,
    price_precision: int = 0,
    size_precision: int = 0,
) -> pa.Table:
    """A table in the file schema from raw columns (``instruments`` is a string array)."""
    o, h, low, c, v = ohlcv
    columns = [
        pa.array(ts_ns, pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        instruments.cast(pa.string()),
        *(raw_to_arrow(x, price_precision) for x in (o, h, low, c)),
        raw_to_arrow(v, size_precision),
    ]
    return pa.Table.from_arrays(columns, schema=bar_file_schema(price_precision, size_precision))


def bar_table_from_arrays(chunks: Iterable[BarArrays], table: InstrumentTable) -> pa.Table:
    """The rows of feed chunks as one table (all instruments must share their precisions)."""
    parts: list[pa.Table] = []
    for chunk in chunks:
        present = np.unique(chunk.instrument_index).tolist()
        precisions = {(table.price_precision(i), table.size_precision(i)) for i in present}
        if len(precisions) > 1:
            raise FeedOptionError(
                "cannot write instruments with different precisions into one file: "
                f"{sorted(str(chunk.instrument_ids[i]) for i in present)}"
            )
        if not present:
            continue
        price_precision, size_precision = precisions.pop()
        names = pa.array([str(i) for i in chunk.instrument_ids], pa.string())
        instruments = names.take(pa.array(chunk.instrument_index))
        parts.append(
            bar_table(
                chunk.ts_event,
                instruments,
                (chunk.open, chunk.high, chunk.low, chunk.close, chunk.volume),
                price_precision=price_precision,
                size_precision=size_precision,
            )
        )
    if not parts:
        return bar_file_schema().empty_table()
    return pa.concat_tables(parts)


def _csv_ready(table: pa.Table) -> pa.Table:
    ts = table.column(TIMESTAMP).combine_chunks().cast(pa.int64()).to_numpy()
    text = kst_iso_text(np.asarray(ts, dtype=np.int64))
    return table.set_column(0, TIMESTAMP, text)


def write_bars(table: pa.Table, path: str | Path, *, file_format: FileFormat | None = None) -> Path:
    """Write a bar table (file schema) to ``path``, atomically; the format follows the suffix
    (``.parquet``/``.pq`` or ``.csv``) unless given."""
    target = Path(path)
    chosen = file_format or _format_from_suffix(target)
    expected = [TIMESTAMP, INSTRUMENT, OPEN, HIGH, LOW, CLOSE, VOLUME]
    if table.column_names != expected:
        raise FeedOptionError(f"bar table columns must be {expected}, got {table.column_names}")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        if chosen is FileFormat.PARQUET:
            pq.write_table(
                table,
                temporary,
                compression="zstd",
                row_group_size=PARQUET_ROW_GROUP,
                write_statistics=True,
            )
        else:
            pcsv.write_csv(
                _csv_ready(table),
                temporary,
                write_options=pcsv.WriteOptions(quoting_style="needed"),
            )
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _format_from_suffix(path: Path) -> FileFormat:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return FileFormat.PARQUET
    if name.endswith(".csv"):
        return FileFormat.CSV
    raise FeedOptionError(f"output {path} must end in .parquet, .pq or .csv (or give a format)")
