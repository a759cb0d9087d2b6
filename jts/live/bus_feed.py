"""The strategy role's market data: the kernel's feed port served from the bus.

`LiveKernel` forwards each strategy subscription to its feeds; this feed turns one into a bus
subscription on the kernel's data topic (``data.trades.<instrument>``...) and into a
`DataSubscription` request to the market-data role, which asks the venue. The request is
repeated every ``refresh_s`` (asking twice is harmless), so a market-data role that restarted
learns again what this role needs without either side keeping state about the other.

Data older than the feed (read from the stream group's backlog after a restart) is dropped:
strategies trade on what happens now, and a tick they already acted on must not make them act
twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from jts.domain.identifiers import InstrumentId, Venue
from jts.domain.market_data import Bar, BarType
from jts.domain.messages import Message
from jts.kernel import topics
from jts.live.messages import DataSubscription
from jts.live.topics import MARKET_DATA_SUBSCRIBE
from jts.ports.bus import BusError, MessageBus
from jts.ports.market_data import MarketDataSink

__all__ = ["BusFeed"]

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 2.0


class BusFeed:
    """A `MarketDataClient` whose venue is the market-data role, reached over ``bus``."""

    def __init__(self, bus: MessageBus, venue: Venue, *, refresh_s: float = 10.0) -> None:
        self._bus = bus
        self._venue = venue
        self._refresh_s = refresh_s
        self._sink: MarketDataSink | None = None
        self._wanted: dict[tuple[str, str], DataSubscription] = {}
        self._answered: set[tuple[str, str]] = set()
        self._not_before = time.time_ns()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.dropped_stale = 0
        self.errors = 0

    @property
    def venue(self) -> Venue:
        return self._venue

    @property
    def subscriptions(self) -> Sequence[DataSubscription]:
        return list(self._wanted.values())

    def all_answered(self) -> bool:
        return self._answered.issuperset(self._wanted)

    def bind(self, sink: MarketDataSink) -> None:
        self._sink = sink

    async def connect(self) -> None:
        self._not_before = time.time_ns()
        if self._task is None:
            self._task = asyncio.create_task(self._ask_loop(), name="jts-feed-subscriptions")

    async def disconnect(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for topic in {self._topic(s) for s in self._wanted.values()}:
            self._bus.unsubscribe(topic, self._on_data)

    # ---- port: subscriptions ------------------------------------------------------------------
    def subscribe_trade_ticks(self, instrument_id: InstrumentId) -> None:
        self._want(DataSubscription(kind="trades", instrument_id=instrument_id))

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self._want(DataSubscription(kind="quotes", instrument_id=instrument_id))

    def subscribe_order_book(self, instrument_id: InstrumentId, depth: int = 10) -> None:
        self._want(DataSubscription(kind="book", instrument_id=instrument_id, depth=depth))

    def subscribe_bars(self, bar_type: BarType) -> None:
        if bar_type.is_internal:  # the kernel builds them from trades
            self.subscribe_trade_ticks(bar_type.instrument_id)
            return
        self._want(
            DataSubscription(
                kind="bars", instrument_id=bar_type.instrument_id, bar_type=str(bar_type)
            )
        )

    def unsubscribe(self, instrument_id: InstrumentId) -> None:
        for key, wanted in list(self._wanted.items()):
            if wanted.instrument_id == instrument_id:
                del self._wanted[key]
                self._answered.discard(key)
                self._bus.unsubscribe(self._topic(wanted), self._on_data)

    async def request_bars(self, bar_type: BarType, start_ns: int, end_ns: int) -> Sequence[Bar]:
        return []  # history is the market-data role's business; strategies warm up live

    def _want(self, subscription: DataSubscription) -> None:
        if subscription.key in self._wanted:
            return
        self._wanted[subscription.key] = subscription
        self._bus.subscribe(self._topic(subscription), self._on_data)
        self._wake.set()

    @staticmethod
    def _topic(subscription: DataSubscription) -> str:
        instrument_id = subscription.instrument_id
        if subscription.kind == "trades":
            return topics.trades(instrument_id)
        if subscription.kind == "quotes":
            return topics.quotes(instrument_id)
        if subscription.kind == "book":
            return topics.books(instrument_id)
        assert subscription.bar_type is not None
        return topics.bars(BarType.parse(subscription.bar_type))

    # ---- data ---------------------------------------------------------------------------------
    def _on_data(self, message: Message) -> None:
        if getattr(message, "ts_init", self._not_before) < self._not_before:
            self.dropped_stale += 1
            return
        if self._sink is None:
            return
        try:
            self._sink(message)  # type: ignore[arg-type]
        except Exception:
            # never into the bus: it would deliver the tick again seconds later, and a tick
            # acted on twice is worse than one a failing strategy missed
            self.errors += 1
            log.exception("the kernel failed on %s; it is not delivered again", message)

    async def _ask_loop(self) -> None:
        """Ask the market-data role for every feed; again after ``refresh_s``, or at once for a
        new one; unanswered ones are retried every second."""
        while True:
            for key, subscription in list(self._wanted.items()):
                try:
                    await self._bus.request(MARKET_DATA_SUBSCRIBE, subscription, REQUEST_TIMEOUT_S)
                except (BusError, TimeoutError) as exc:
                    if key in self._answered or not self._answered:
                        log.info("market data subscription %s not answered yet: %s", key, exc)
                    self._answered.discard(key)
                else:
                    self._answered.add(key)
            self._wake.clear()
            wait_s = self._refresh_s if self.all_answered() else 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait_s)
