"""Bars built by JTS from trade ticks (``INTERNAL`` bars, ``LAST`` prices).

The aggregators are pure: they take ticks (and, for time bars, the current time) and return
the bars they complete. Who feeds them and where the bars go is the data engine's business.

Time bars cover half-open intervals ``[start, start + interval)`` aligned to ``origin_ns``; a
bar's ``ts_event`` is its close time (the interval end). An interval without trades produces
no bar (as Upbit does for candles): inventing a flat bar would fabricate a price nobody traded,
and a consumer that wants a continuous series can fill gaps knowingly.
"""

from __future__ import annotations

from jts.domain.market_data import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarType,
    InvalidMarketDataError,
    PriceType,
    TradeTick,
)
from jts.domain.values import Price, Quantity


class _BarBuilder:
    """The running open/high/low/close/volume of the bar being built."""

    __slots__ = ("_close", "_high", "_low", "_open", "_volume", "count")

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._open: Price | None = None
        self._high: Price | None = None
        self._low: Price | None = None
        self._close: Price | None = None
        self._volume: Quantity | None = None
        self.count = 0

    def add(self, price: Price, size: Quantity) -> None:
        if self._high is None or self._low is None or self._volume is None:
            self._open = self._high = self._low = price
            self._volume = size
        else:
            self._high = max(self._high, price)
            self._low = min(self._low, price)
            self._volume = self._volume + size
        self._close = price
        self.count += 1

    def build(self, bar_type: BarType, ts_event: int, ts_init: int) -> Bar:
        """The finished bar; the builder starts empty again."""
        if (
            self._open is None
            or self._high is None
            or self._low is None
            or self._close is None
            or self._volume is None
        ):
            raise AssertionError("no trade in the bar being built")  # callers check first
        bar = Bar(
            bar_type=bar_type,
            open=self._open,
            high=self._high,
            low=self._low,
            close=self._close,
            volume=self._volume,
            ts_event=ts_event,
            ts_init=ts_init,
        )
        self._reset()
        return bar


def _check_bar_type(bar_type: BarType, allowed: set[BarAggregation], what: str) -> None:
    if not isinstance(bar_type, BarType):
        raise InvalidMarketDataError(f"{what} needs a BarType, got {type(bar_type).__name__}")
    spec = bar_type.spec
    if spec.aggregation not in allowed:
        names = ", ".join(sorted(a.name for a in allowed))
        raise InvalidMarketDataError(f"{what} builds {names} bars, not {bar_type}")
    if spec.price_type is not PriceType.LAST or bar_type.source is not AggregationSource.INTERNAL:
        raise InvalidMarketDataError(
            f"{what} builds LAST-INTERNAL bars from trades, not {bar_type}"
        )


def _check_tick(bar_type: BarType, tick: TradeTick) -> None:
    if not isinstance(tick, TradeTick):
        raise InvalidMarketDataError(f"bars of {bar_type} are built from TradeTicks, got {tick!r}")
    if tick.instrument_id != bar_type.instrument_id:
        raise InvalidMarketDataError(
            f"trade of {tick.instrument_id} sent to the aggregator of {bar_type}"
        )


class TimeBarAggregator:
    """SECOND, MINUTE, HOUR or DAY bars from trades.

    A bar is emitted when a trade at or after its interval end arrives (`update`), or when the
    clock passes the interval end (`advance_to`, driven by a timer so a quiet market does not hold
    the last bar back). The emitted bar's ``ts_init`` is the time JTS learned it was complete.

    ``origin_ns`` places the interval grid: boundaries fall at ``origin_ns + k * interval``. The
    default (the Unix epoch) suits seconds, minutes and hours in UTC and KST alike; Korean daily
    bars need ``origin_ns=-9 * NANOS_PER_HOUR`` so days start at midnight KST.

    A trade older than the open bar's interval (feeds reorder slightly) is added to the open bar,
    and one older than an already emitted bar starts the next interval; a bar once emitted never
    changes and the traded volume is never dropped. `late_ticks` counts such trades.
    """

    __slots__ = (
        "_bar_end",
        "_bar_type",
        "_builder",
        "_interval",
        "_last_end",
        "_origin",
        "late_ticks",
    )

    def __init__(self, bar_type: BarType, *, origin_ns: int = 0) -> None:
        _check_bar_type(
            bar_type,
            {BarAggregation.SECOND, BarAggregation.MINUTE, BarAggregation.HOUR, BarAggregation.DAY},
            "TimeBarAggregator",
        )
        if type(origin_ns) is not int:
            raise InvalidMarketDataError(f"origin_ns must be int nanoseconds, got {origin_ns!r}")
        self._bar_type = bar_type
        self._interval = bar_type.spec.interval_ns()
        self._origin = origin_ns
        self._builder = _BarBuilder()
        self._bar_end: int | None = None  # end of the open bar, None when no bar is open
        self._last_end: int | None = None  # end of the last emitted bar
        self.late_ticks = 0

    @property
    def bar_type(self) -> BarType:
        return self._bar_type

    @property
    def open_bar_end(self) -> int | None:
        """When the bar being built closes (None when no trade has opened one)."""
        return self._bar_end

    def update(self, tick: TradeTick) -> Bar | None:
        """Add a trade; returns the bar it completed, if it was the first trade past one."""
        _check_tick(self._bar_type, tick)
        ts = tick.ts_event
        completed = None
        if self._bar_end is not None and ts >= self._bar_end:
            completed = self._emit(tick.ts_init)
        if self._bar_end is None:
            start = self._origin + (ts - self._origin) // self._interval * self._interval
            if self._last_end is not None and start < self._last_end:
                start = self._last_end
                self.late_ticks += 1
            self._bar_end = start + self._interval
        elif ts < self._bar_end - self._interval:
            self.late_ticks += 1
        self._builder.add(tick.price, tick.size)
        return completed

    def advance_to(self, now_ns: int) -> Bar | None:
        """Emit the open bar if its interval has ended by ``now_ns`` (stamped as ``ts_init``)."""
        if self._bar_end is not None and now_ns >= self._bar_end:
            return self._emit(now_ns)
        return None

    def _emit(self, ts_init: int) -> Bar:
        assert self._bar_end is not None
        bar = self._builder.build(self._bar_type, self._bar_end, ts_init)
        self._last_end = self._bar_end
        self._bar_end = None
        return bar


class TickBarAggregator:
    """A bar every ``step`` trades; its ``ts_event`` is the last trade's time."""

    __slots__ = ("_bar_type", "_builder", "_step")

    def __init__(self, bar_type: BarType) -> None:
        _check_bar_type(bar_type, {BarAggregation.TICK}, "TickBarAggregator")
        self._bar_type = bar_type
        self._step = bar_type.spec.step
        self._builder = _BarBuilder()

    @property
    def bar_type(self) -> BarType:
        return self._bar_type

    def update(self, tick: TradeTick) -> Bar | None:
        """Add a trade; returns the bar when this trade is its ``step``-th."""
        _check_tick(self._bar_type, tick)
        self._builder.add(tick.price, tick.size)
        if self._builder.count < self._step:
            return None
        return self._builder.build(self._bar_type, tick.ts_event, tick.ts_init)
