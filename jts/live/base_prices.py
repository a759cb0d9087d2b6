"""The day's base price (기준가) of every KRX instrument the node trades, from the venue.

The risk engine's daily price-limit check (±30 % on KRX) and the execution algorithms' price
clipping need the day's base price. The kernel only learns one when it sees an instrument
cross a KST midnight (it then takes the previous session's last price), so a node started
during the day would trade without limits, and a base the exchange adjusted (ex-dividend,
rights issue) would be wrong. The venue's quote says it exactly (KIS ``inquire-price``,
``stck_sdpr``), so the node asks it:

* at start, for the instruments the strategies subscribed to (`refresh`);
* for an instrument first heard of on the bus (a split node's execution role learns its
  instruments from the prices it is sent);
* at each KST day roll: at midnight (`run`), and again on the first price of the new day,
  since a venue may roll its base only when the session opens. The live kernel is built with
  ``derive_base_price=False``: it never replaces the venue's base with its own guess (the
  previous session's last price, which backtests use).

A failed inquiry is logged and leaves the previous base in place (the next price of the day
does not retry it, the next day roll does): a quote that cannot be had must not stop trading
that the other rules still guard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from jts.core.time import NANOS_PER_DAY, NANOS_PER_SECOND, kst_date, kst_to_ns
from jts.domain.identifiers import KRX, InstrumentId
from jts.domain.market_data import Bar, TradeTick
from jts.domain.messages import Message
from jts.domain.values import Price
from jts.live.day_roll import seconds_to_next_kst_day
from jts.ports.bus import MessageBus

__all__ = ["BasePriceKeeper", "FetchBasePrice", "SetBasePrice"]

#: Asks the venue for an instrument's base price today; None when the venue has none.
FetchBasePrice = Callable[[InstrumentId], Awaitable[Price | None]]
SetBasePrice = Callable[[InstrumentId, Price], None]
#: After midnight, how long to wait before asking (a venue rolls its day a moment late).
ROLL_DELAY_NS = 5 * NANOS_PER_SECOND


class BasePriceKeeper:
    def __init__(
        self,
        fetch: FetchBasePrice,
        set_base: SetBasePrice,
        *,
        now_ns: Callable[[], int],
        log: Any,
        roll_delay_ns: int = ROLL_DELAY_NS,
    ) -> None:
        self._fetch = fetch
        self._set = set_base
        self._now_ns = now_ns
        self._log = log
        self._roll_delay_ns = roll_delay_ns
        #: per instrument, the end (ns) of the KST day of the last price heard: a price at or
        #: after it is a day roll (one comparison per price on the bus, no date arithmetic)
        self._day_end: dict[InstrumentId, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.fetched = 0
        self.failed = 0

    @property
    def instruments(self) -> list[InstrumentId]:
        """Every instrument whose base price is kept."""
        return list(self._day_end)

    # ---- wiring -------------------------------------------------------------------------------
    def attach(self, bus: MessageBus) -> None:
        bus.subscribe("data.trades.**", self.on_market_data)
        bus.subscribe("data.bars.**", self.on_market_data)

    async def refresh(self, instruments: Iterable[InstrumentId]) -> None:
        """Ask the venue for each instrument's base price now and give it to the risk engine."""
        day_end = _kst_day_end(self._now_ns())
        wanted = [i for i in dict.fromkeys(instruments) if i.venue == KRX]
        for instrument_id in wanted:
            self._day_end.setdefault(instrument_id, day_end)
        await asyncio.gather(*(self._refresh_one(i) for i in wanted))

    async def _refresh_one(self, instrument_id: InstrumentId) -> None:
        try:
            price = await self._fetch(instrument_id)
        except Exception as exc:  # logged, counted: the previous base stays
            self.failed += 1
            self._log.error("base_price_unavailable", instrument=str(instrument_id), error=str(exc))
            return
        if price is None:
            self.failed += 1
            self._log.error(
                "base_price_unavailable", instrument=str(instrument_id), error="none quoted"
            )
            return
        self._set(instrument_id, price)
        self.fetched += 1
        self._log.info("base_price", instrument=str(instrument_id), price=str(price))

    # ---- bus handler --------------------------------------------------------------------------
    def on_market_data(self, message: Message) -> None:
        """A new instrument, or the first price of a new KST day: ask the venue (in the
        background; the bus handler must not wait for a REST call)."""
        if isinstance(message, TradeTick):
            instrument_id = message.instrument_id
        elif isinstance(message, Bar):
            instrument_id = message.bar_type.instrument_id
        else:
            return
        ts = message.ts_event
        if ts < self._day_end.get(instrument_id, -1) or instrument_id.venue != KRX:
            return
        self._day_end[instrument_id] = _kst_day_end(ts)
        task = asyncio.get_running_loop().create_task(
            self._refresh_one(instrument_id), name="jts-base-price"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the inquiries under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ---- day roll -----------------------------------------------------------------------------
    async def run(self) -> None:
        """At each KST midnight (plus ``roll_delay_ns``), refresh every instrument kept."""
        while True:
            await asyncio.sleep(seconds_to_next_kst_day(self._now_ns(), self._roll_delay_ns))
            await self.refresh(self.instruments)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()


def _kst_day_end(ts_ns: int) -> int:
    """The first instant of the KST day after the one ``ts_ns`` falls in."""
    return kst_to_ns(kst_date(ts_ns)) + NANOS_PER_DAY
