"""Exact conversion of file columns (Arrow arrays) to int64 numpy arrays.

Each converter has a fast path (one vectorised Arrow cast) and, only when that fails, a slow
path that walks the rows in Python with the domain parsers. The slow path is the definition: it
either finds the first bad row and raises an error naming file, row and column, or (for text
Arrow does not read but the domain does, e.g. a decimal with surrounding spaces) produces the
values itself. Prices never pass through a float: text and decimals are read as decimals, whole
numbers as integers, and float columns are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jts.backtest.data.arrays import InstrumentTable, Int8Array, Int32Array, Int64Array, ObjectArray
from jts.backtest.data.errors import (
    DataFileError,
    DataPrecisionError,
    DataValueError,
    UnknownDataInstrumentError,
)
from jts.backtest.data.schema import AGGRESSOR_CODES, aggressor_code, decimal_type
from jts.core.errors import ParseError, PrecisionError, UnknownInstrumentError
from jts.core.time import parse_iso_ns
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import AggressorSide
from jts.domain.values import parse_decimal_text

__all__ = [
    "ColumnRef",
    "aggressor_codes",
    "exact_raw",
    "exact_raw_by_instrument",
    "instrument_indices",
    "timestamps_ns",
    "trade_ids",
]

_INT64_MAX: Final = 2**63 - 1
_AGGRESSOR_NAMES: Final = {
    **{letter: aggressor_code(side) for letter, side in AGGRESSOR_CODES.items()},
    **{side.value: aggressor_code(side) for side in AggressorSide},
}


@dataclass(frozen=True, slots=True)
class ColumnRef:
    """Where an array came from: file, column and the 1-based data row of its first element."""

    file: str
    column: str
    first_row: int

    def value_error(self, index: int, message: str) -> DataValueError:
        return DataValueError(
            message, file=self.file, row=self.first_row + index, column=self.column
        )


#: Arrow integer types and their numpy dtypes, for `_numpy`.
_NUMPY_INTEGERS: Final[dict[pa.DataType, np.dtype[Any]]] = {
    pa.int8(): np.dtype(np.int8),
    pa.int16(): np.dtype(np.int16),
    pa.int32(): np.dtype(np.int32),
    pa.int64(): np.dtype(np.int64),
    pa.uint8(): np.dtype(np.uint8),
    pa.uint16(): np.dtype(np.uint16),
    pa.uint32(): np.dtype(np.uint32),
    pa.uint64(): np.dtype(np.uint64),
}


def _numpy(array: pa.Array) -> np.ndarray:
    """The values of an Arrow array as numpy.

    Integer arrays without nulls are read straight from their data buffer (a read-only view,
    as ``to_numpy`` gives for them too): Arrow's ``to_numpy`` goes through its pandas
    conversion, which imports pandas, some 40 MB a backtest otherwise never needs.
    """
    dtype = _NUMPY_INTEGERS.get(array.type)
    if dtype is None or array.null_count or not isinstance(array, pa.Array):
        converted: np.ndarray = array.to_numpy(zero_copy_only=False)
        return converted
    data = array.buffers()[1]
    if data is None:  # an empty array may have no data buffer
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _numpy64(array: pa.Array) -> Int64Array:
    return np.asarray(_numpy(array), dtype=np.int64)


def _integers(array: pa.Array, ref: ColumnRef) -> Int64Array:
    """Any Arrow integer column as int64; unsigned values past int64 name their row."""
    try:
        return _numpy64(array.cast(pa.int64()))
    except pa.ArrowInvalid:
        values = array.to_pylist()
        index = next(i for i, v in enumerate(values) if v > _INT64_MAX)
        raise ref.value_error(index, f"{values[index]} is too large") from None


def _check_no_nulls(array: pa.Array, ref: ColumnRef) -> None:
    if array.null_count:
        first = int(np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))[0])
        raise ref.value_error(first, "missing value (empty cell or null)")


# ---- timestamps ---------------------------------------------------------------------------------


def timestamps_ns(array: pa.Array, ref: ColumnRef, naive_offset_ns: int | None) -> Int64Array:
    """Epoch nanoseconds (UTC) from ISO-8601 text, epoch-ns integers or an Arrow timestamp.

    Text without a UTC offset (and a naive Arrow timestamp) is accepted only when
    ``naive_offset_ns`` says which zone it is in.
    """
    _check_no_nulls(array, ref)
    kind = array.type
    if pa.types.is_integer(kind):
        values = _integers(array, ref)
    elif pa.types.is_timestamp(kind):
        values = _from_arrow_timestamps(array, ref, naive_offset_ns)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = _from_text(array, ref, naive_offset_ns)
    else:
        raise DataValueError(
            f"timestamps must be ISO-8601 text, epoch nanoseconds (int64) or an Arrow "
            f"timestamp, got type {kind}",
            file=ref.file,
            column=ref.column,
        )
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ref.value_error(int(negative[0]), f"timestamp {values[negative[0]]} is before 1970")
    return values


def _from_arrow_timestamps(
    array: pa.Array, ref: ColumnRef, naive_offset_ns: int | None
) -> Int64Array:
    try:
        as_ns = array.cast(pa.timestamp("ns", tz=array.type.tz))
    except pa.ArrowInvalid as exc:
        raise DataValueError(
            f"timestamps do not fit int64 nanoseconds: {exc}", file=ref.file, column=ref.column
        ) from None
    values = _numpy64(as_ns.cast(pa.int64()))
    if array.type.tz is None:
        if naive_offset_ns is None:
            raise DataValueError(
                "timestamps have no time zone; say which one they are in "
                "(naive_timezone=KST, or --tz) or store them in UTC",
                file=ref.file,
                column=ref.column,
            )
        values = values - naive_offset_ns
    return values


def _from_text(array: pa.Array, ref: ColumnRef, naive_offset_ns: int | None) -> Int64Array:
    first = array[0].as_py() if len(array) else ""
    if first.strip().isdigit():
        try:
            return _numpy64(pc.cast(array, pa.int64()))
        except pa.ArrowInvalid:
            return _text_slow(array, ref, naive_offset_ns)
    try:
        return _numpy64(pc.cast(array, pa.timestamp("ns", tz="UTC")).cast(pa.int64()))
    except pa.ArrowInvalid:
        pass
    if naive_offset_ns is not None:
        try:
            naive = _numpy64(pc.cast(array, pa.timestamp("ns")).cast(pa.int64()))
        except pa.ArrowInvalid:
            pass  # a mix of naive and offset text, or a bad row: the slow path sorts it out
        else:
            return naive - naive_offset_ns
    return _text_slow(array, ref, naive_offset_ns)


def _text_slow(array: pa.Array, ref: ColumnRef, naive_offset_ns: int | None) -> Int64Array:
    """Row by row with `parse_iso_ns` (or int for epoch digits): the reference semantics."""
    zone = None
    if naive_offset_ns is not None:
        zone = dt.timezone(dt.timedelta(microseconds=naive_offset_ns // 1_000))
    out = np.empty(len(array), dtype=np.int64)
    for index, text in enumerate(array.to_pylist()):
        stripped = text.strip()
        if stripped.isdigit():
            value = int(stripped)
            if value > _INT64_MAX:
                raise ref.value_error(index, f"epoch nanoseconds {text!r} do not fit int64")
            out[index] = value
            continue
        try:
            out[index] = parse_iso_ns(stripped, zone)
        except ParseError as exc:
            hint = ""
            if "no UTC offset" in str(exc):
                hint = " (pass naive_timezone=KST, or --tz, if the file is in Korean time)"
            raise ref.value_error(index, f"{exc}{hint}") from None
    return out


# ---- prices and volumes -------------------------------------------------------------------------


def exact_raw(
    array: pa.Array, precision: int, ref: ColumnRef, owner: Callable[[int], str]
) -> Int64Array:
    """Raw int64 values at ``precision`` decimals (``"70000.5"`` at 1 -> 700005).

    ``owner(i)`` names the instrument of row ``i`` for the message when a value has more
    decimals than its instrument allows.
    """
    _check_no_nulls(array, ref)
    kind = array.type
    if pa.types.is_integer(kind):
        values = _integers(array, ref)
        limit = _INT64_MAX // 10**precision
        too_big = np.flatnonzero(np.abs(values) > limit)
        if too_big.size:
            raise ref.value_error(int(too_big[0]), f"{values[too_big[0]]} is too large")
        return values * np.int64(10**precision)
    if pa.types.is_decimal(kind):
        try:
            return _decimal_raw(array.cast(decimal_type(precision)), ref)
        except pa.ArrowInvalid:
            return _decimal_slow(array.to_pylist(), precision, ref, owner)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if precision == 0:
            try:
                return _numpy64(pc.cast(array, pa.int64()))
            except pa.ArrowInvalid:
                pass
        try:
            return _decimal_raw(pc.cast(array, decimal_type(precision)), ref)
        except pa.ArrowInvalid:
            return _decimal_slow(array.to_pylist(), precision, ref, owner)
    if pa.types.is_floating(kind):
        raise DataValueError(
            f"column is {kind}: prices and volumes must be exact, so store them as integers, "
            "decimals or text, never as floats",
            file=ref.file,
            column=ref.column,
        )
    raise DataValueError(
        f"expected numbers (integers, decimals or decimal text), got type {kind}",
        file=ref.file,
        column=ref.column,
    )


def exact_raw_by_instrument(
    array: pa.Array, iid: Int32Array, table: InstrumentTable, ref: ColumnRef, *, prices: bool
) -> Int64Array:
    """`exact_raw` at each row's instrument precision (price or size precision); rows are
    converted in groups of equal precision, and errors name the row in the whole array."""
    precision_of = table.price_precision if prices else table.size_precision
    ids = table.ids
    if len(iid) and not (iid != iid[0]).any():
        # one instrument in the batch (the common case, read per file): no `unique` needed
        precisions = {int(iid[0]): precision_of(int(iid[0]))}
    else:
        precisions = {i: precision_of(i) for i in np.unique(iid).tolist()}
    if len(set(precisions.values())) <= 1:
        precision = next(iter(precisions.values()), 0)
        return exact_raw(array, precision, ref, lambda k: str(ids[int(iid[k])]))
    out = np.empty(len(iid), dtype=np.int64)
    row_precision = np.array([precisions[i] for i in iid.tolist()], dtype=np.int64)
    for precision in sorted(set(precisions.values())):
        where = np.flatnonzero(row_precision == precision)

        def owner(k: int, where: np.ndarray = where) -> str:
            return str(ids[int(iid[where[k]])])

        try:
            out[where] = exact_raw(pc.take(array, pa.array(where)), precision, ref, owner)
        except DataFileError as exc:
            if exc.row is None:
                raise
            row = ref.first_row + int(where[exc.row - ref.first_row])
            raise type(exc)(exc.reason, file=exc.file, row=row, column=exc.column) from None
    return out


def _decimal_raw(array: pa.Array, ref: ColumnRef) -> Int64Array:
    """The unscaled integers of a decimal128 array, read from its 16-byte little-endian words."""
    buffer = array.buffers()[1]
    assert buffer is not None
    words = np.frombuffer(buffer, dtype="<i8", count=2 * (array.offset + len(array)))
    pairs = words[2 * array.offset :].reshape(-1, 2)
    low, high = pairs[:, 0], pairs[:, 1]
    overflow = np.flatnonzero(high != (low >> 63))
    if overflow.size:
        index = int(overflow[0])
        raise ref.value_error(index, f"{array[index].as_py()} is too large")
    return low.astype(np.int64, copy=True)


def _parse_exact(text: object) -> tuple[int, int]:
    if isinstance(text, Decimal):
        parsed = text
    elif isinstance(text, str) and "e" not in text.lower():
        return parse_decimal_text(text)
    else:
        try:
            parsed = Decimal(str(text).strip())
        except InvalidOperation:
            raise ParseError(f"not a decimal number: {text!r}") from None
    if not parsed.is_finite():
        raise ParseError(f"not a finite number: {text!r}")
    sign, digits, exponent = parsed.as_tuple()
    assert isinstance(exponent, int)
    magnitude = int("".join(map(str, digits))) if digits else 0
    raw, prec = (magnitude * 10**exponent, 0) if exponent >= 0 else (magnitude, -exponent)
    return (-raw if sign else raw), prec


def _decimal_slow(
    values: list[object], precision: int, ref: ColumnRef, owner: Callable[[int], str]
) -> Int64Array:
    out = np.empty(len(values), dtype=np.int64)
    for index, value in enumerate(values):
        try:
            raw, prec = _parse_exact(value)
        except (ParseError, PrecisionError) as exc:
            raise ref.value_error(index, str(exc)) from None
        if prec > precision:
            scale = 10 ** (prec - precision)
            if raw % scale:
                raise DataPrecisionError(
                    f"{value} has more than the {precision} decimals {owner(index)} allows",
                    file=ref.file,
                    row=ref.first_row + index,
                    column=ref.column,
                )
            raw //= scale
        else:
            raw *= 10 ** (precision - prec)
        if abs(raw) > _INT64_MAX:
            raise ref.value_error(index, f"{value} is too large")
        out[index] = raw
    return out


# ---- instruments, aggressors, trade ids ---------------------------------------------------------


def _text_array(array: pa.Array, ref: ColumnRef, what: str) -> pa.Array:
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        raise DataValueError(
            f"{what} must be text, got type {array.type}", file=ref.file, column=ref.column
        )
    return array


def instrument_indices(array: pa.Array, ref: ColumnRef, table: InstrumentTable) -> Int32Array:
    """The `InstrumentTable` index of every row's instrument id."""
    _check_no_nulls(array, ref)
    encoded = pc.dictionary_encode(_text_array(array, ref, "instrument ids"))
    codes = _numpy(encoded.indices)
    lookup = np.empty(len(encoded.dictionary), dtype=np.int32)
    for position, text in enumerate(encoded.dictionary.to_pylist()):
        first = int(np.flatnonzero(codes == position)[0])
        try:
            instrument_id = InstrumentId(text)
        except ParseError as exc:
            raise ref.value_error(first, str(exc)) from None
        try:
            lookup[position] = table.index_of(instrument_id)
        except UnknownInstrumentError:
            raise UnknownDataInstrumentError(
                f"unknown instrument {text!r}: pass its Instrument to the reader",
                file=ref.file,
                row=ref.first_row + first,
                column=ref.column,
            ) from None
    return np.asarray(lookup[codes], dtype=np.int32)


def aggressor_codes(array: pa.Array, ref: ColumnRef) -> Int8Array:
    """0/1/2 for N/B/S (or the `AggressorSide` names); an empty cell means no aggressor."""
    text = _text_array(array, ref, "aggressor")
    encoded = pc.dictionary_encode(pc.fill_null(text, "N"))
    codes = _numpy(encoded.indices)
    lookup = np.empty(len(encoded.dictionary), dtype=np.int8)
    for position, value in enumerate(encoded.dictionary.to_pylist()):
        code = _AGGRESSOR_NAMES.get(value.strip().upper() or "N")
        if code is None:
            first = int(np.flatnonzero(codes == position)[0])
            raise ref.value_error(first, f"aggressor must be B, S or N, got {value!r}")
        lookup[position] = code
    return np.asarray(lookup[codes], dtype=np.int8)


def trade_ids(array: pa.Array, ref: ColumnRef) -> ObjectArray:
    """Trade ids as str (None where empty: the feed derives an id from time and order)."""
    values = _text_array(array, ref, "trade ids").to_pylist()
    out = np.empty(len(values), dtype=object)
    for index, value in enumerate(values):
        stripped = value.strip() if value is not None else ""
        if stripped and not (stripped.isascii() and stripped.isprintable() and " " not in stripped):
            raise ref.value_error(index, f"trade id must be printable ASCII, got {value!r}")
        if len(stripped) > 64:
            raise ref.value_error(index, f"trade id is longer than 64 characters: {value!r}")
        out[index] = stripped or None
    return out
