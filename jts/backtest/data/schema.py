"""The column schema of historical data files and the options that say how to read them.

docs/data-format.md is the user-facing statement of this schema; this module is its single
definition in code, so readers, writers, the generator and the importer cannot drift apart.

Timestamps: a bar's ``timestamp`` is the bar's CLOSE time, matching `Bar.ts_event` (the 09:00-
09:01 KST minute bar is stamped 09:01). Files stamped with the bar's OPEN time are read with
``timestamp_convention=TimestampConvention.OPEN``, which adds the bar interval. Trade ticks are
stamped with the trade time.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Final

import pyarrow as pa

from jts.backtest.data.errors import FeedOptionError
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import (
    AggressorSide,
    BarAggregation,
    BarSpecification,
    PriceType,
)

__all__ = [
    "AGGRESSOR",
    "AGGRESSOR_CODES",
    "BAR_OPTIONAL_COLUMNS",
    "BAR_PRICE_COLUMNS",
    "BAR_REQUIRED_COLUMNS",
    "CLOSE",
    "HIGH",
    "INSTRUMENT",
    "LOW",
    "ONE_DAY",
    "ONE_MINUTE",
    "OPEN",
    "PRICE",
    "SIZE",
    "TICK_OPTIONAL_COLUMNS",
    "TICK_REQUIRED_COLUMNS",
    "TIMESTAMP",
    "TRADE_ID",
    "VOLUME",
    "DataKind",
    "FileFormat",
    "GapPolicy",
    "ReadOptions",
    "SessionPolicy",
    "TimestampConvention",
    "aggressor_code",
    "bar_file_schema",
    "decimal_type",
    "value_type",
]

TIMESTAMP: Final = "timestamp"
INSTRUMENT: Final = "instrument"
OPEN: Final = "open"
HIGH: Final = "high"
LOW: Final = "low"
CLOSE: Final = "close"
VOLUME: Final = "volume"
PRICE: Final = "price"
SIZE: Final = "size"
AGGRESSOR: Final = "aggressor"
TRADE_ID: Final = "trade_id"

BAR_PRICE_COLUMNS: Final = (OPEN, HIGH, LOW, CLOSE)
BAR_REQUIRED_COLUMNS: Final = (TIMESTAMP, OPEN, HIGH, LOW, CLOSE, VOLUME)
BAR_OPTIONAL_COLUMNS: Final = (INSTRUMENT,)
TICK_REQUIRED_COLUMNS: Final = (TIMESTAMP, PRICE, SIZE)
TICK_OPTIONAL_COLUMNS: Final = (INSTRUMENT, AGGRESSOR, TRADE_ID)

ONE_MINUTE: Final = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
ONE_DAY: Final = BarSpecification(1, BarAggregation.DAY, PriceType.LAST)

#: Aggressor letters in files and their int8 codes in tick arrays (0 = no aggressor).
AGGRESSOR_CODES: Final[dict[str, AggressorSide]] = {
    "B": AggressorSide.BUYER,
    "S": AggressorSide.SELLER,
    "N": AggressorSide.NO_AGGRESSOR,
}
_AGGRESSOR_INT: Final = {
    AggressorSide.NO_AGGRESSOR: 0,
    AggressorSide.BUYER: 1,
    AggressorSide.SELLER: 2,
}


def aggressor_code(side: AggressorSide) -> int:
    """The int8 code of an aggressor side in `TickArrays.aggressor` (0 none, 1 buy, 2 sell)."""
    return _AGGRESSOR_INT[side]


class DataKind(enum.Enum):
    BARS = "bars"
    TRADES = "trades"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return BAR_REQUIRED_COLUMNS if self is DataKind.BARS else TICK_REQUIRED_COLUMNS

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return BAR_OPTIONAL_COLUMNS if self is DataKind.BARS else TICK_OPTIONAL_COLUMNS


class FileFormat(enum.Enum):
    CSV = "csv"
    PARQUET = "parquet"


class TimestampConvention(enum.Enum):
    """What a bar file's ``timestamp`` means: the bar's close (ours) or its open."""

    CLOSE = "close"
    OPEN = "open"


class GapPolicy(enum.Enum):
    """Missing bars inside a session: not checked, a counted warning, or an error."""

    IGNORE = "ignore"
    WARN = "warn"
    ERROR = "error"


class SessionPolicy(enum.Enum):
    """Rows outside the calendar's sessions: kept unchecked, dropped with a counted warning,
    or an error."""

    KEEP = "keep"
    DROP = "drop"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a data file or folder.

    - ``instrument``: the instrument of files without an ``instrument`` column (without it, the
      file name is tried: ``005930.KRX.csv``).
    - ``naive_timezone``: what ISO text without a UTC offset means (``KST``); None refuses it,
      because guessing the zone of a timestamp shifts every bar by hours.
    - ``timestamp_convention`` / ``bar_spec``: bar files stamped at the bar open are shifted by
      the bar interval; ``bar_spec`` is also the `BarType` of the bars read and the interval
      gap detection expects.
    - ``repair``: sort a file whose rows are out of order and drop exact duplicate rows, with a
      warning; the file is then read whole into memory (repair a file once with the importer
      rather than on every run).
    - ``gaps`` / ``outside_sessions``: see `GapPolicy` and `SessionPolicy`; both need a
      calendar, without one they are not checked.
    - ``chunk_rows``: rows per chunk the feed yields (memory stays proportional to it).
    """

    instrument: InstrumentId | None = None
    naive_timezone: dt.tzinfo | None = None
    timestamp_convention: TimestampConvention = TimestampConvention.CLOSE
    bar_spec: BarSpecification = ONE_MINUTE
    repair: bool = False
    gaps: GapPolicy = GapPolicy.WARN
    outside_sessions: SessionPolicy = SessionPolicy.KEEP
    chunk_rows: int = 16_384  # a few MB of arrays in flight; larger chunks save little time

    def __post_init__(self) -> None:
        if self.instrument is not None and not isinstance(self.instrument, InstrumentId):
            raise FeedOptionError(
                f"option instrument must be an InstrumentId, got {self.instrument!r}"
            )
        if self.naive_timezone is not None:
            offset = (
                self.naive_timezone.utcoffset(None)
                if isinstance(self.naive_timezone, dt.tzinfo)
                else None
            )
            if offset is None:
                raise FeedOptionError(
                    "option naive_timezone must be a fixed-offset tzinfo such as KST or UTC, "
                    f"got {self.naive_timezone!r}"
                )
        for name, value, kind in (
            ("timestamp_convention", self.timestamp_convention, TimestampConvention),
            ("gaps", self.gaps, GapPolicy),
            ("outside_sessions", self.outside_sessions, SessionPolicy),
        ):
            if not isinstance(value, kind):
                raise FeedOptionError(f"option {name} must be a {kind.__name__}, got {value!r}")
        if not isinstance(self.bar_spec, BarSpecification) or not self.bar_spec.is_time_aggregated:
            raise FeedOptionError(
                f"option bar_spec must be a time bar specification (e.g. 1-MINUTE-LAST), "
                f"got {self.bar_spec!r}"
            )
        if type(self.repair) is not bool:
            raise FeedOptionError(f"option repair must be a bool, got {self.repair!r}")
        if type(self.chunk_rows) is not int or self.chunk_rows < 1:
            raise FeedOptionError(
                f"option chunk_rows must be a positive int, got {self.chunk_rows!r}"
            )

    @property
    def interval_ns(self) -> int:
        return self.bar_spec.interval_ns()

    @property
    def naive_offset_ns(self) -> int | None:
        """The UTC offset of naive text in nanoseconds, None when naive text is refused."""
        if self.naive_timezone is None:
            return None
        offset = self.naive_timezone.utcoffset(None)
        assert offset is not None  # checked in __post_init__
        return (offset.days * 86_400 + offset.seconds) * 1_000_000_000


def decimal_type(precision: int) -> pa.Decimal128Type:
    """The exact Arrow type of a price or volume with ``precision`` decimals."""
    return pa.decimal128(38, precision)


def value_type(precision: int) -> pa.DataType:
    """How JTS writes a price or volume column: whole numbers as int64 (KRW prices, share
    counts), anything finer as a decimal, so no reader ever sees a float."""
    return pa.int64() if precision == 0 else decimal_type(precision)


def bar_file_schema(price_precision: int = 0, size_precision: int = 0) -> pa.Schema:
    """The Parquet schema JTS writes for bars (the generator, the importer, the converter)."""
    price = value_type(price_precision)
    return pa.schema(
        [
            pa.field(TIMESTAMP, pa.timestamp("ns", tz="UTC"), nullable=False),
            pa.field(INSTRUMENT, pa.string(), nullable=False),
            pa.field(OPEN, price, nullable=False),
            pa.field(HIGH, price, nullable=False),
            pa.field(LOW, price, nullable=False),
            pa.field(CLOSE, price, nullable=False),
            pa.field(VOLUME, value_type(size_precision), nullable=False),
        ]
    )
