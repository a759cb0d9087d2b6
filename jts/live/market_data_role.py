"""The market-data role of a split node: the venue's WebSocket feed, published on the bus.

It holds the only market data session with the venue (KIS allows one WebSocket per app key, so
it uses the simulator's second app key when there is one; see `VenueTarget.data_app`) and
publishes each tick, quote, book update and venue bar as it is parsed, on the kernel's data
topics. What to stream is asked of it over the bus (`DataSubscription` on the
``market-data.subscribe`` endpoint) by the strategy roles; it keeps no other state, so a restart
loses nothing but the ticks of the outage.
"""

from __future__ import annotations

import logging
from typing import Any

from jts.adapters.kis.data import KisMarketDataClient
from jts.adapters.kis.node import KisNode
from jts.config import Settings
from jts.core.errors import StateError
from jts.domain.market_data import Bar, BarType, OrderBookDeltas, OrderBookSnapshot, QuoteTick
from jts.domain.messages import Message
from jts.kernel import topics
from jts.live.buses import build_bus
from jts.live.messages import DataSubscribed, DataSubscription
from jts.live.node import NodeOptions
from jts.live.topics import MARKET_DATA_SUBSCRIBE
from jts.live.venue import VenueTarget, client_config, shared_redis, shared_target
from jts.monitoring.logging import get_logger
from jts.ports.market_data import MarketData

__all__ = ["MarketDataNode", "data_topic"]


def data_topic(data: MarketData) -> str:
    """The kernel's topic for one piece of market data."""
    if isinstance(data, Bar):
        return topics.bars(data.bar_type)
    if isinstance(data, QuoteTick):
        return topics.quotes(data.instrument_id)
    if isinstance(data, OrderBookSnapshot | OrderBookDeltas):
        return topics.books(data.instrument_id)
    return topics.trades(data.instrument_id)


class MarketDataNode:
    def __init__(self, settings: Settings, options: NodeOptions) -> None:
        self.settings = settings
        self.options = options
        trader_id = settings.node.trader_id
        self.log = get_logger("jts.live", trader=str(trader_id), role="market-data")
        self.bus = build_bus(settings.bus, "market-data", trader_id)
        self.kis: KisNode | None = None
        self.feed: KisMarketDataClient | None = None
        self.target: VenueTarget | None = None
        self.subscriptions: dict[tuple[str, str], DataSubscription] = {}
        self.published = 0

    async def start(self) -> None:
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.root.level))
        opts = self.options
        self.target = target = shared_target(
            self.settings,
            sim_config=opts.sim_config,
            sim_port=opts.sim_port,
            sim_ws_port=opts.sim_ws_port,
            role="market-data",
        )
        app = target.data_app or target.app
        token_dir = self.settings.data_dir / "kis-tokens"
        self.kis = KisNode(
            client_config(target, token_dir, redis_url=shared_redis(self.settings, "market-data")),
            [app],
            [],
            transport=opts.kis_transport,
        )
        await self.kis.start()
        self.feed = feed = self.kis.data_client()
        feed.bind(self._publish)
        await feed.connect()
        self.bus.register_endpoint(MARKET_DATA_SUBSCRIBE, self._on_subscribe)
        await self.bus.start()
        self.log.info("node_started", role="market-data", venue=target.description, app=app.label)

    def _publish(self, data: MarketData) -> None:
        self.bus.publish(data_topic(data), data)
        self.published += 1

    def _on_subscribe(self, message: Message) -> DataSubscribed:
        if not isinstance(message, DataSubscription):
            raise StateError(f"expected a DataSubscription, got {type(message).__name__}")
        feed = self.feed
        if feed is None:
            raise StateError("the market data feed is not connected yet")
        new = message.key not in self.subscriptions
        if new:
            if message.kind == "trades":
                feed.subscribe_trade_ticks(message.instrument_id)
            elif message.kind == "quotes":
                feed.subscribe_quotes(message.instrument_id)
            elif message.kind == "book":
                feed.subscribe_order_book(message.instrument_id, message.depth)
            else:
                assert message.bar_type is not None  # checked by the message
                feed.subscribe_bars(BarType.parse(message.bar_type))
            self.subscriptions[message.key] = message
            self.log.info("data_subscribed", kind=message.kind, key=message.key[1])
        return DataSubscribed(kind=message.kind, instrument_id=message.instrument_id, new=new)

    async def stop(self) -> None:
        await self.bus.stop()
        if self.feed is not None:
            await self.feed.disconnect()
        if self.kis is not None:
            await self.kis.close()
        self.log.info("node_stopped", **self.summary())

    def summary(self) -> dict[str, Any]:
        return {"published": self.published, "subscriptions": len(self.subscriptions)}
