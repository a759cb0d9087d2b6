"""Bars for live strategies: subscriptions reach the venue's feed, ticks become bars.

The kernel already aggregates ``INTERNAL`` bar types from trade ticks (`TickBarAggregator`,
`TimeBarAggregator`), so a live node needs no second aggregator. What it lacks in a backtest
is a feed to ask: a strategy that subscribes to ``005930.KRX-10-TICK-LAST-INTERNAL`` must make
the market data client stream that instrument's trades. `LiveKernel` is the kernel with that
one addition; it forwards each subscription to the attached `MarketDataClient` (internal bars
become trade-tick subscriptions, external bars go to the adapter as they are).
"""

from __future__ import annotations

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import BarType
from jts.kernel.kernel import Kernel
from jts.kernel.strategy.strategy import Strategy
from jts.ports.market_data import MarketDataClient

__all__ = ["LiveKernel", "feed_subscription"]


def feed_subscription(bar_type: BarType) -> tuple[str, InstrumentId | BarType]:
    """What to ask the feed for a bar type: ``("trades", instrument)`` for internal bars the
    kernel builds itself, ``("bars", bar_type)`` for bars the venue provides."""
    if bar_type.is_internal:
        return "trades", bar_type.instrument_id
    return "bars", bar_type


class LiveKernel(Kernel):
    """A `Kernel` whose strategies' subscriptions are forwarded to the live feeds.

    Subscriptions made before a feed is attached (strategies started before the feed
    connected) are remembered and replayed by `attach_feed`.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._feeds: list[MarketDataClient] = []
        self._wanted: list[tuple[str, object]] = []

    def attach_feed(self, feed: MarketDataClient) -> None:
        feed.bind(self.process)
        self._feeds.append(feed)
        for kind, key in self._wanted:
            _ask(feed, kind, key)

    def _want(self, kind: str, key: object) -> None:
        if (kind, key) in self._wanted:
            return
        self._wanted.append((kind, key))
        for feed in self._feeds:
            _ask(feed, kind, key)

    @property
    def feed_subscriptions(self) -> list[tuple[str, object]]:
        """What the strategies asked the feeds for, in order (status output, tests)."""
        return list(self._wanted)

    def subscribe_bars(self, strategy: Strategy, bar_type: BarType) -> None:
        super().subscribe_bars(strategy, bar_type)
        kind, key = feed_subscription(bar_type)
        self._want(kind, key)

    def subscribe_trade_ticks(self, strategy: Strategy, instrument_id: InstrumentId) -> None:
        super().subscribe_trade_ticks(strategy, instrument_id)
        self._want("trades", instrument_id)

    def subscribe_quotes(self, strategy: Strategy, instrument_id: InstrumentId) -> None:
        super().subscribe_quotes(strategy, instrument_id)
        self._want("quotes", instrument_id)

    def subscribe_order_book(
        self, strategy: Strategy, instrument_id: InstrumentId, depth: int
    ) -> None:
        super().subscribe_order_book(strategy, instrument_id, depth)
        self._want("book", (instrument_id, depth))


def _ask(feed: MarketDataClient, kind: str, key: object) -> None:
    if kind == "trades" and isinstance(key, InstrumentId):
        feed.subscribe_trade_ticks(key)
    elif kind == "quotes" and isinstance(key, InstrumentId):
        feed.subscribe_quotes(key)
    elif kind == "bars" and isinstance(key, BarType):
        feed.subscribe_bars(key)
    elif kind == "book" and isinstance(key, tuple):
        instrument_id, depth = key
        feed.subscribe_order_book(instrument_id, depth)
