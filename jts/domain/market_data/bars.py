"""Bars (OHLCV) and the bar type that says how a bar was made.

A `BarType` is the key bars are stored, subscribed and cached under, so it has one stable text
form, ``005930.KRX-1-MINUTE-LAST-EXTERNAL``: instrument, step, aggregation, price type, source.
`BarType.parse` reads exactly that form back and refuses anything else with a `ParseError`.
"""

from __future__ import annotations

import enum
import re
from typing import Final, Self, TypeVar

import msgspec

from jts.core.errors import ParseError
from jts.core.time import (
    NANOS_PER_DAY,
    NANOS_PER_HOUR,
    NANOS_PER_MINUTE,
    NANOS_PER_SECOND,
)
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data._validation import (
    check_price,
    check_size,
    check_timestamps,
    check_type,
    fail,
)
from jts.domain.market_data.errors import InvalidBarError, InvalidMarketDataError
from jts.domain.messages import Message
from jts.domain.values import Price, Quantity


class BarAggregation(enum.Enum):
    """What closes a bar: a number of ticks, an amount traded, or a span of time.

    For `VOLUME` the step counts whole units of the instrument (shares), for `VALUE` whole units
    of the quote currency (won); the time aggregations have a fixed length (`interval_ns`).
    """

    TICK = "TICK"
    VOLUME = "VOLUME"
    VALUE = "VALUE"
    SECOND = "SECOND"
    MINUTE = "MINUTE"
    HOUR = "HOUR"
    DAY = "DAY"


_UNIT_NS: Final = {
    BarAggregation.SECOND: NANOS_PER_SECOND,
    BarAggregation.MINUTE: NANOS_PER_MINUTE,
    BarAggregation.HOUR: NANOS_PER_HOUR,
    BarAggregation.DAY: NANOS_PER_DAY,
}


class PriceType(enum.Enum):
    """Which price the bar follows: trades (`LAST`) or the quote (`BID`, `ASK`, `MID`)."""

    LAST = "LAST"
    BID = "BID"
    ASK = "ASK"
    MID = "MID"


class AggregationSource(enum.Enum):
    """`EXTERNAL` bars come finished from the venue (KIS minute charts, Upbit candles);
    `INTERNAL` bars are aggregated by JTS from ticks. Both can exist for one instrument, and
    they differ (venues differ on auction trades, empty intervals, corrections), so the source
    is part of the key."""

    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"


_E = TypeVar("_E", bound=enum.Enum)
_STEP_RE: Final = re.compile(r"[1-9][0-9]*")


def _member(enum_type: type[_E], name: str, text: str) -> _E:
    try:
        return enum_type[name]
    except KeyError:
        allowed = ", ".join(m.name for m in enum_type)
        raise ParseError(
            f"unknown {enum_type.__name__} {name!r} in {text!r}; expected one of {allowed}"
        ) from None


class BarSpecification(msgspec.Struct, frozen=True, cache_hash=True):
    """Step, aggregation and price type: ``1-MINUTE-LAST``, ``100-TICK-LAST``, ``1-DAY-MID``."""

    step: int
    aggregation: BarAggregation
    price_type: PriceType

    def __post_init__(self) -> None:
        if type(self.step) is not int or self.step < 1:
            raise InvalidMarketDataError(
                f"bar step must be a positive int, got {self.step!r} "
                f"(aggregation {getattr(self.aggregation, 'name', self.aggregation)})"
            )
        check_type(self, "aggregation", self.aggregation, BarAggregation)
        check_type(self, "price_type", self.price_type, PriceType)

    @property
    def is_time_aggregated(self) -> bool:
        """True for SECOND/MINUTE/HOUR/DAY bars, whose length is fixed in time."""
        return self.aggregation in _UNIT_NS

    def interval_ns(self) -> int:
        """The length of a time bar in nanoseconds (``1-MINUTE`` is 60e9).

        A `DAY` is 24 hours; where a trading day starts (midnight KST, not UTC) is the
        aggregator's business. Tick, volume and value bars have no fixed length and raise.
        """
        unit = _UNIT_NS.get(self.aggregation)
        if unit is None:
            raise InvalidMarketDataError(
                f"bar specification {self} is not time aggregated and has no interval"
            )
        return self.step * unit

    def __str__(self) -> str:
        return f"{self.step}-{self.aggregation.value}-{self.price_type.value}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """The inverse of `str`: ``"5-MINUTE-LAST"``; anything else raises `ParseError`."""
        if not isinstance(text, str):
            raise ParseError(f"bar specification must be a string, got {type(text).__name__}")
        parts = text.split("-")
        if len(parts) != 3:
            raise ParseError(
                f"bar specification must be STEP-AGGREGATION-PRICE_TYPE "
                f"(e.g. 1-MINUTE-LAST), got {text!r}"
            )
        return cls._from_parts(parts[0], parts[1], parts[2], text)

    @classmethod
    def _from_parts(cls, step: str, aggregation: str, price_type: str, text: str) -> Self:
        if not (step.isascii() and _STEP_RE.fullmatch(step)):
            raise ParseError(
                f"bar step must be a positive integer without sign or leading zeros, "
                f"got {step!r} in {text!r}"
            )
        return cls(
            int(step),
            _member(BarAggregation, aggregation, text),
            _member(PriceType, price_type, text),
        )


class BarType(msgspec.Struct, frozen=True, cache_hash=True):
    """Which bars: instrument + specification + source, e.g. ``005930.KRX-1-MINUTE-LAST-EXTERNAL``.

    Hashable and comparable for equality, so it keys caches and subscriptions directly.
    """

    instrument_id: InstrumentId
    spec: BarSpecification
    source: AggregationSource

    def __post_init__(self) -> None:
        check_type(self, "instrument_id", self.instrument_id, InstrumentId)
        check_type(self, "spec", self.spec, BarSpecification)
        check_type(self, "source", self.source, AggregationSource)

    @property
    def is_internal(self) -> bool:
        return self.source is AggregationSource.INTERNAL

    def __str__(self) -> str:
        return f"{self.instrument_id}-{self.spec}-{self.source.value}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """The inverse of `str`; the instrument may itself contain ``-`` (``KRW-BTC.UPBIT``)
        because the four fields after it are split off from the right."""
        if not isinstance(text, str):
            raise ParseError(f"bar type must be a string, got {type(text).__name__}")
        parts = text.rsplit("-", 4)
        if len(parts) != 5:
            raise ParseError(
                "bar type must be INSTRUMENT-STEP-AGGREGATION-PRICE_TYPE-SOURCE "
                f"(e.g. 005930.KRX-1-MINUTE-LAST-EXTERNAL), got {text!r}"
            )
        instrument, step, aggregation, price_type, source = parts
        try:
            instrument_id = InstrumentId(instrument)
        except ParseError as exc:
            raise ParseError(f"bad instrument in bar type {text!r}: {exc}") from exc
        spec = BarSpecification._from_parts(step, aggregation, price_type, text)
        return cls(instrument_id, spec, _member(AggregationSource, source, text))


# ``gc=False``: a bar holds only immutable values (no container, nothing that can point back at
# it), so it can never be part of a reference cycle; a backtest makes millions, and the collector
# need not track them.
class Bar(Message, frozen=True, kw_only=True, gc=False):
    """Open, high, low, close and volume of one bar; ``ts_event`` is the bar's close time.

    Construction (and decoding) checks that the prices are positive and consistent:
    ``low <= high``, ``high >= max(open, close)``, ``low <= min(open, close)``, and that the
    volume is a `Quantity` (never negative). A zero volume is allowed: some venues publish
    bars for intervals without trades, carrying the last price.
    """

    bar_type: BarType
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Quantity
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        # Fast path for the common case (a backtest builds millions of bars): exact types, one
        # precision, consistent raw integers. Anything else takes the full check below, which
        # names the broken rule.
        o, h, low, c = self.open, self.high, self.low, self.close
        if (
            type(o) is Price
            and type(h) is Price
            and type(low) is Price
            and type(c) is Price
            and type(self.volume) is Quantity
            and type(self.bar_type) is BarType
            and type(self.ts_event) is int
            and type(self.ts_init) is int
            and self.ts_event >= 0
            and self.ts_init >= 0
            and o.precision == h.precision == low.precision == c.precision
        ):
            low_raw, high_raw = low.raw, h.raw
            if 0 < low_raw <= o.raw <= high_raw and low_raw <= c.raw <= high_raw:
                return
        self._check_fully()

    def _check_fully(self) -> None:
        check_type(self, "bar_type", self.bar_type, BarType, InvalidBarError)
        check_timestamps(self, self.ts_event, self.ts_init, InvalidBarError)
        for name in ("open", "high", "low", "close"):
            check_price(self, name, getattr(self, name), InvalidBarError)
        check_size(self, "volume", self.volume, positive=False, error=InvalidBarError)
        o, h, low, c = self.open, self.high, self.low, self.close
        if low > h:
            raise fail(self, f"low {low} is above high {h} (rule: low <= high)", InvalidBarError)
        for name, value in (("open", o), ("close", c)):
            if value > h:
                raise fail(
                    self,
                    f"high {h} is below {name} {value} (rule: high >= max(open, close))",
                    InvalidBarError,
                )
            if value < low:
                raise fail(
                    self,
                    f"low {low} is above {name} {value} (rule: low <= min(open, close))",
                    InvalidBarError,
                )
