"""`BusFeed`: a strategy role's subscriptions become bus subscriptions and requests to the
market-data role, retried until answered; data older than the feed is dropped."""

from __future__ import annotations

import asyncio
import time

import pytest

from jts.bus.inprocess import InProcessMessageBus
from jts.core.errors import InvalidInputError
from jts.domain.codec import Codec
from jts.domain.identifiers import InstrumentId, TradeId, Venue
from jts.domain.market_data import BarType, TradeTick
from jts.domain.market_data.ticks import AggressorSide
from jts.domain.messages import Message
from jts.domain.values import Price, Quantity
from jts.live.bus_feed import BusFeed
from jts.live.messages import DataSubscribed, DataSubscription
from jts.live.topics import MARKET_DATA_SUBSCRIBE

SAMSUNG = InstrumentId("005930.KRX")


def _tick(ts: int) -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG,
        price=Price("70000"),
        size=Quantity("1"),
        aggressor_side=AggressorSide.SELLER,
        trade_id=TradeId(f"t-{ts}"),
        ts_event=ts,
        ts_init=ts,
    )


class MarketDataRole:
    """The endpoint side: records what was asked."""

    def __init__(self) -> None:
        self.asked: list[DataSubscription] = []

    def __call__(self, message: Message) -> DataSubscribed:
        assert isinstance(message, DataSubscription)
        self.asked.append(message)
        return DataSubscribed(kind=message.kind, instrument_id=message.instrument_id, new=True)


async def _until(condition: object, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_subscriptions_are_asked_of_the_market_data_role_and_data_flows() -> None:
    bus = InProcessMessageBus()
    role = MarketDataRole()
    bus.register_endpoint(MARKET_DATA_SUBSCRIBE, role)
    feed = BusFeed(bus, Venue("KRX"))
    received: list[object] = []
    feed.bind(received.append)
    await feed.connect()
    feed.subscribe_bars(BarType.parse("005930.KRX-5-TICK-LAST-INTERNAL"))  # built from trades
    feed.subscribe_trade_ticks(SAMSUNG)  # the same feed: asked once
    feed.subscribe_bars(BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL"))
    await _until(feed.all_answered)
    assert [(s.kind, s.bar_type) for s in role.asked] == [
        ("trades", None),
        ("bars", "005930.KRX-1-MINUTE-LAST-EXTERNAL"),
    ]
    old, new = _tick(time.time_ns() - 10**9), _tick(time.time_ns())
    bus.publish("data.trades.005930.KRX", old)  # from the stream's backlog
    bus.publish("data.trades.005930.KRX", new)
    bus.publish("data.trades.000660.KRX", _tick(time.time_ns()))  # not subscribed
    assert received == [new]
    assert feed.dropped_stale == 1
    feed.unsubscribe(SAMSUNG)
    bus.publish("data.trades.005930.KRX", _tick(time.time_ns()))
    assert received == [new]
    await feed.disconnect()


async def test_requests_are_retried_until_the_market_data_role_is_up() -> None:
    bus = InProcessMessageBus()
    feed = BusFeed(bus, Venue("KRX"))
    feed.bind(lambda data: None)
    await feed.connect()
    feed.subscribe_trade_ticks(SAMSUNG)
    await asyncio.sleep(0.1)
    assert not feed.all_answered()  # nobody serves the endpoint yet
    role = MarketDataRole()
    bus.register_endpoint(MARKET_DATA_SUBSCRIBE, role)
    await _until(feed.all_answered, timeout_s=3.0)  # retried every second
    assert len(role.asked) == 1
    await feed.disconnect()


def test_subscription_messages_cross_the_wire_and_check_themselves() -> None:
    codec = Codec()
    asked = DataSubscription(
        kind="bars", instrument_id=SAMSUNG, bar_type="005930.KRX-1-MINUTE-LAST-EXTERNAL"
    )
    assert codec.decode(codec.encode(asked)) == asked
    assert asked.key == ("bars", "005930.KRX-1-MINUTE-LAST-EXTERNAL")
    book = DataSubscription(kind="book", instrument_id=SAMSUNG, depth=5)
    assert book.key == ("book", "005930.KRX/5")
    with pytest.raises(InvalidInputError, match="needs a bar_type"):
        DataSubscription(kind="bars", instrument_id=SAMSUNG)
    with pytest.raises(InvalidInputError, match="not of instrument"):
        DataSubscription(
            kind="bars", instrument_id=SAMSUNG, bar_type="000660.KRX-1-MINUTE-LAST-EXTERNAL"
        )
    with pytest.raises(InvalidInputError, match="depth"):
        DataSubscription(kind="book", instrument_id=SAMSUNG, depth=0)


async def test_a_failing_strategy_never_makes_the_bus_deliver_a_tick_again() -> None:
    bus = InProcessMessageBus()
    feed = BusFeed(bus, Venue("KRX"))

    def broken(data: object) -> None:
        raise RuntimeError("strategy bug")

    feed.bind(broken)
    await feed.connect()
    feed.subscribe_trade_ticks(SAMSUNG)
    bus.publish("data.trades.005930.KRX", _tick(time.time_ns()))
    assert feed.errors == 1
    assert bus.stats().handler_errors == 0  # the bus saw a handled message
    await feed.disconnect()
