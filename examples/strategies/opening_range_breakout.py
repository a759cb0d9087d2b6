"""Intraday opening-range breakout, long only, flat before every close.

Rules, per KST trading day, on intraday bars:

- **opening range**: the highest high and lowest low of the bars of the first
  ``range_minutes`` of the session. The session starts where the day's first bar opens
  (09:00 KST on a normal day, 10:00 on the year's first session), so a late open shifts the
  range instead of leaving the day without one;
- **enter**: once the range is complete, flat, before ``last_entry`` (KST) and at most
  ``max_entries`` times a day: a bar closing *above* the range high buys ``quantity`` shares
  at market;
- **stop**: when the entry fills, a sell stop-market order rests at the range low, the other
  side of the range: a break that falls back through the whole range has failed;
- **flatten**: at ``flatten_at`` (KST, default 15:15, before the 15:20 closing auction) a
  time alert cancels the day's orders and sells whatever is held at market. A bar at or after
  that time flattens too, should the alert ever be missed. Nothing is held overnight.

Long only: KRX retail accounts cannot short without a margin account, so a break *below* the
range is not traded. Orders are tagged ``entry`` / ``stop`` / ``flatten``.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import Field, model_validator

from jts.core.clock import TimeEvent
from jts.core.time import NANOS_PER_MINUTE, kst_date, kst_to_ns
from jts.domain.enums import OrderType
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import Bar
from jts.domain.orders import Order
from jts.domain.values import Price
from jts.kernel.strategy import Strategy, StrategyParams

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


def _at(day: dt.date, hhmm: str) -> int:
    return kst_to_ns(day, hhmm.replace(":", "") + "00")


class OpeningRangeBreakout(Strategy):
    class Params(StrategyParams):
        quantity: int = Field(50, ge=1)
        range_minutes: int = Field(30, ge=1, le=300)
        last_entry: str = Field("14:30", pattern=_HHMM)
        flatten_at: str = Field("15:15", pattern=_HHMM)
        max_entries: int = Field(1, ge=1)
        instrument: str = "005930.KRX"
        bar_type: str = ""  # default: 1-minute external bars of the instrument

        @model_validator(mode="after")
        def _times_ordered(self) -> Self:
            if self.last_entry >= self.flatten_at:  # "HH:MM" texts compare as times
                raise ValueError(
                    f"last_entry ({self.last_entry}) must be before flatten_at ({self.flatten_at})"
                )
            return self

    def on_start(self) -> None:
        p = self.params
        self.bar_type = self.subscribe_bars(p.bar_type or f"{p.instrument}-1-MINUTE-LAST-EXTERNAL")
        self.instrument_id: InstrumentId = self.bar_type.instrument_id
        self.bar_ns = self.bar_type.spec.interval_ns()
        self.day: dt.date | None = None
        self._new_day_state()

    def _new_day_state(self) -> None:
        self.range_end_ns = 0
        self.high: Price | None = None
        self.low: Price | None = None
        self.entries = 0
        self.last_entry_ns = 0
        self.flatten_ns = 0

    def _start_day(self, bar: Bar) -> None:
        day = kst_date(bar.ts_event)
        self.day = day
        self._new_day_state()
        session_open = bar.ts_event - self.bar_ns  # the first bar's open
        self.range_end_ns = session_open + self.params.range_minutes * NANOS_PER_MINUTE
        self.last_entry_ns = _at(day, self.params.last_entry)
        self.flatten_ns = _at(day, self.params.flatten_at)
        self.set_time_alert("flatten", self.flatten_ns)

    def on_bar(self, bar: Bar) -> None:
        if kst_date(bar.ts_event) != self.day:
            self._start_day(bar)
        ts = bar.ts_event
        if ts >= self.flatten_ns:
            self.flatten()
            return
        if ts <= self.range_end_ns:  # still inside the opening range
            self.high = bar.high if self.high is None else max(self.high, bar.high)
            self.low = bar.low if self.low is None else min(self.low, bar.low)
            return
        if self.high is None or self.open_orders(self.instrument_id):
            return  # no range (data started mid-day) or the entry/stop is being worked
        if (
            self.is_flat(self.instrument_id)
            and ts < self.last_entry_ns
            and self.entries < self.params.max_entries
            and bar.close > self.high
        ):
            self.entries += 1
            self.buy(self.instrument_id, self.params.quantity, tags=("entry",))

    def on_order_filled(self, order: Order, event: OrderFilled) -> None:
        if "entry" not in order.tags or order.leaves_qty.raw or self.low is None:
            return
        if self.clock.timestamp_ns() >= self.flatten_ns:
            self.flatten()  # filled too late in the day to protect: go flat instead
            return
        self.sell(
            self.instrument_id,
            self.position_qty(self.instrument_id),
            trigger_price=self.low,
            order_type=OrderType.STOP_MARKET,
            tags=("stop",),
        )

    def on_timer(self, event: TimeEvent) -> None:
        if event.name == "flatten":
            self.flatten()

    def flatten(self) -> None:
        """Cancel the day's orders and sell what is held; a no-op when already flat."""
        iid = self.instrument_id
        held = self.position_qty(iid)
        if any("flatten" in o.tags for o in self.open_orders(iid)):
            return  # already on its way out
        self.cancel_all_orders(iid)
        if held > 0:
            self.sell(iid, held, tags=("flatten",))
