"""Equity curves collapsed to Korean trading days.

Every statistic is annualised over market days, so the curve is first cut into KST calendar days
and each day keeps its last value, the equivalent of a daily close. KST, not UTC: a crypto point
at 08:00 KST belongs to that Korean day although its UTC date is the day before.

The first point of the curve is kept apart as the *opening*: it is the capital the run started
with and the base of day one's return, so a loss on the first day is a loss and not the
reference point.

Values stay exact (ints or `Decimal`) here; floats appear only in the ratios computed from them.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from jts.analytics.errors import AnalyticsInputError
from jts.core.errors import CurrencyMismatchError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, ns_to_iso
from jts.domain.values import Currency, FixedPoint, Money

#: What an equity (or benchmark) value may be: anything exact. Floats are refused.
#: numpy integers are accepted so that a runner can hand over an int64 column as is.
ExactValue: TypeAlias = int | np.integer[Any] | Decimal | Money | FixedPoint

_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


def kst_day_number(ts_ns: int) -> int:
    """Days since 1970-01-01 of the KST calendar day holding ``ts_ns``."""
    return (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY


def day_number_to_date(day: int) -> dt.date:
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def date_to_day_number(day: dt.date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def to_decimal(value: object, where: str) -> tuple[Decimal, Currency | None]:
    """An accepted exact value as a `Decimal` plus its currency (for `Money`), else an error.

    Floats are refused even though a ratio is computed from them later: an equity figure that
    is already a float has lost the won, and the curve's exact start and end are reported.
    """
    if isinstance(value, bool):
        raise AnalyticsInputError(f"{where}: a bool is not an amount ({value!r})")
    if isinstance(value, Money):
        return value.as_decimal(), value.currency
    if isinstance(value, FixedPoint):
        return value.as_decimal(), None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AnalyticsInputError(f"{where}: {value} is not a finite amount")
        return value, None
    if isinstance(value, numbers.Integral):  # int and numpy integers
        return Decimal(int(value)), None
    raise AnalyticsInputError(
        f"{where}: {value!r} ({type(value).__name__}) is not exact; pass int, Decimal, Money, "
        "Price or Quantity (floats would lose the won)"
    )


def _all_plain_ints(values: Sequence[object]) -> bool:
    """The common case (a list of Python ints) takes a fast path; anything else goes through
    the element-by-element check that names the offending element."""
    return all(type(value) is int for value in values)


def _fits_int64(values: Sequence[int]) -> bool:
    return not values or (min(values) >= _INT64_MIN and max(values) <= _INT64_MAX)


def as_timestamps(
    values: Sequence[int] | npt.NDArray[np.int64], what: str
) -> npt.NDArray[np.int64]:
    """Timestamps as an int64 array, refusing floats, bools, out-of-range values and disorder.

    Equal neighbours are allowed (several fills can land in one nanosecond); the later point
    wins when a day is collapsed.
    """
    if isinstance(values, np.ndarray):
        if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
            raise AnalyticsInputError(
                f"{what}: timestamps must be a 1-D integer array of nanoseconds, "
                f"got dtype {values.dtype} with shape {values.shape}"
            )
        if values.dtype.kind == "u" and values.size and int(values.max()) > _INT64_MAX:
            raise AnalyticsInputError(f"{what}: timestamp {int(values.max())} overflows int64")
        ts = values.astype(np.int64, copy=False)
    elif _all_plain_ints(values) and _fits_int64(values):
        ts = np.asarray(values, dtype=np.int64)
    else:
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise AnalyticsInputError(
                    f"{what}: timestamp #{index} is {value!r}; timestamps are int nanoseconds UTC"
                )
            if not _INT64_MIN <= int(value) <= _INT64_MAX:
                raise AnalyticsInputError(f"{what}: timestamp #{index} ({value}) overflows int64")
        ts = np.fromiter((int(v) for v in values), dtype=np.int64, count=len(values))
    if ts.size > 1:
        steps = np.diff(ts)
        bad = np.flatnonzero(steps < 0)
        if bad.size:
            i = int(bad[0]) + 1
            raise AnalyticsInputError(
                f"{what}: timestamps must not decrease; #{i} ({ns_to_iso(int(ts[i]))}) comes "
                f"before #{i - 1} ({ns_to_iso(int(ts[i - 1]))})"
            )
    return ts


@dataclass(frozen=True, slots=True)
class DailyEquity:
    """A curve collapsed to one exact close per KST day, plus the opening value.

    ``close_ns[i]`` is the instant of the last point of ``days[i]``; benchmarks are read as of
    those instants so that both series cover the same spans.
    """

    days: tuple[dt.date, ...]
    closes: tuple[Decimal, ...]
    close_ns: tuple[int, ...]
    opening: Decimal
    opening_ns: int
    currency: Currency | None

    @property
    def final(self) -> Decimal:
        return self.closes[-1]

    @property
    def day_numbers(self) -> tuple[int, ...]:
        return tuple(date_to_day_number(day) for day in self.days)

    def __len__(self) -> int:
        return len(self.days)


@dataclass(frozen=True, slots=True)
class Curve:
    """Validated raw points: sorted int64 timestamps and their exact values.

    Integer values (a list of ints, an integer array) are kept as given and turned into
    `Decimal` only when read: a million-point intraday curve needs a few thousand of them.
    """

    timestamps_ns: npt.NDArray[np.int64]
    values: Sequence[Decimal] | Sequence[int] | npt.NDArray[np.integer]
    currency: Currency | None

    @classmethod
    def of(
        cls,
        timestamps_ns: Sequence[int] | npt.NDArray[np.int64],
        values: Sequence[ExactValue] | npt.NDArray[np.integer],
        *,
        what: str = "equity curve",
    ) -> Curve:
        if len(timestamps_ns) != len(values):
            raise AnalyticsInputError(
                f"{what}: {len(timestamps_ns)} timestamps but {len(values)} values"
            )
        if len(values) == 0:
            raise AnalyticsInputError(f"{what} is empty; it needs at least its starting value")
        ts = as_timestamps(timestamps_ns, what)
        if isinstance(values, np.ndarray):
            if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
                raise AnalyticsInputError(
                    f"{what}: values must be a 1-D integer array (or exact objects), "
                    f"got dtype {values.dtype} with shape {values.shape}"
                )
            return cls(ts, values, None)
        if _all_plain_ints(values):
            return cls(ts, values, None)  # type: ignore[arg-type]  # all ints, checked above
        exact: list[Decimal] = []
        currency: Currency | None = None
        for index, value in enumerate(values):
            amount, unit = to_decimal(value, f"{what} value #{index}")
            if unit is not None:
                if currency is None:
                    currency = unit
                elif unit != currency:
                    raise CurrencyMismatchError(
                        f"{what} value #{index} is in {unit}, earlier values in {currency}"
                    )
            exact.append(amount)
        return cls(ts, tuple(exact), currency)

    def value(self, index: int) -> Decimal:
        raw = self.values[index]
        return raw if isinstance(raw, Decimal) else Decimal(int(raw))

    def daily(self, *, what: str = "equity curve") -> DailyEquity:
        """Collapse to KST days; every value a return is divided by must be positive."""
        ts = self.timestamps_ns
        day_numbers = (ts + _KST_OFFSET_NS) // NANOS_PER_DAY
        last = np.flatnonzero(np.append(day_numbers[1:] != day_numbers[:-1], True))
        days = tuple(day_number_to_date(int(day_numbers[i])) for i in last)
        closes = tuple(self.value(int(i)) for i in last)
        close_ns = tuple(int(ts[i]) for i in last)
        opening = self.value(0)
        bases = ((opening, int(ts[0])), *zip(closes[:-1], close_ns[:-1], strict=True))
        for base, stamp in bases:
            if base <= 0:
                raise AnalyticsInputError(
                    f"{what}: value {base} at {ns_to_iso(stamp)} is not positive, so the "
                    "return that follows it is undefined"
                )
        return DailyEquity(
            days=days,
            closes=closes,
            close_ns=close_ns,
            opening=opening,
            opening_ns=int(ts[0]),
            currency=self.currency,
        )

    def as_of(self, instants: Sequence[int]) -> list[Decimal | None]:
        """The last value at or before each instant; None before the first point."""
        positions = np.searchsorted(self.timestamps_ns, np.asarray(instants, np.int64), "right")
        return [self.value(int(p) - 1) if p > 0 else None for p in positions]


def daily_equity(
    timestamps_ns: Sequence[int] | npt.NDArray[np.int64],
    equity: Sequence[ExactValue] | npt.NDArray[np.integer],
) -> DailyEquity:
    """Validate an equity curve and collapse it to KST days (see the module docstring)."""
    return Curve.of(timestamps_ns, equity).daily()
