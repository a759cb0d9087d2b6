"""The market-data and strategy roles' own wiring, with the Redis bus swapped for in-process
buses (the processes themselves are tested in tests/integration/live/test_split.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jts.bus.inprocess import InProcessMessageBus
from jts.config import Settings
from jts.core.errors import StateError
from jts.domain.identifiers import InstrumentId, StrategyId, TradeId
from jts.domain.market_data import Bar, BarType, QuoteTick, TradeTick
from jts.domain.market_data.ticks import AggressorSide
from jts.domain.messages import Message
from jts.domain.signals import Signal, SignalDirection
from jts.domain.values import Price, Quantity
from jts.live.market_data_role import MarketDataNode, data_topic
from jts.live.messages import DataSubscribed, DataSubscription, ExecutionStatusRequest
from jts.live.node import NodeOptions
from jts.live.strategy_role import StrategyNode

SAMSUNG = InstrumentId("005930.KRX")
NOW = 1_795_000_000_000_000_000


def _settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {"data_dir": str(tmp_path), "database": {"url": "sqlite://"}, "bus": {"backend": "redis"}}
    )


def _tick() -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG,
        price=Price("70000"),
        size=Quantity("2"),
        aggressor_side=AggressorSide.BUYER,
        trade_id=TradeId("t-1"),
        ts_event=NOW,
        ts_init=NOW,
    )


class FakeFeed:
    def __init__(self) -> None:
        self.asked: list[tuple[str, object]] = []

    def subscribe_trade_ticks(self, instrument_id: InstrumentId) -> None:
        self.asked.append(("trades", instrument_id))

    def subscribe_quotes(self, instrument_id: InstrumentId) -> None:
        self.asked.append(("quotes", instrument_id))

    def subscribe_order_book(self, instrument_id: InstrumentId, depth: int = 10) -> None:
        self.asked.append(("book", (instrument_id, depth)))

    def subscribe_bars(self, bar_type: BarType) -> None:
        self.asked.append(("bars", bar_type))


def test_market_data_goes_out_on_the_kernels_topics() -> None:
    bar_type = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
    bar = Bar(
        bar_type=bar_type,
        open=Price("70000"),
        high=Price("70100"),
        low=Price("69900"),
        close=Price("70000"),
        volume=Quantity("10"),
        ts_event=NOW,
        ts_init=NOW,
    )
    quote = QuoteTick(
        instrument_id=SAMSUNG,
        bid_price=Price("69900"),
        ask_price=Price("70000"),
        bid_size=Quantity("5"),
        ask_size=Quantity("7"),
        ts_event=NOW,
        ts_init=NOW,
    )
    assert data_topic(_tick()) == "data.trades.005930.KRX"
    assert data_topic(quote) == "data.quotes.005930.KRX"
    assert data_topic(bar) == "data.bars.005930.KRX-1-MINUTE-LAST-EXTERNAL"


def test_the_market_data_role_subscribes_each_feed_once_and_publishes_what_it_parses(
    tmp_path: Path,
) -> None:
    node = MarketDataNode(_settings(tmp_path), NodeOptions(role="market-data"))
    node.bus = InProcessMessageBus()
    heard: list[Message] = []
    node.bus.subscribe("data.**", heard.append)
    with pytest.raises(StateError, match="not connected"):
        node._on_subscribe(DataSubscription(kind="trades", instrument_id=SAMSUNG))
    feed = FakeFeed()
    node.feed = feed  # type: ignore[assignment]
    first = node._on_subscribe(DataSubscription(kind="trades", instrument_id=SAMSUNG))
    again = node._on_subscribe(DataSubscription(kind="trades", instrument_id=SAMSUNG))
    node._on_subscribe(DataSubscription(kind="book", instrument_id=SAMSUNG, depth=5))
    node._on_subscribe(
        DataSubscription(
            kind="bars", instrument_id=SAMSUNG, bar_type="005930.KRX-1-MINUTE-LAST-EXTERNAL"
        )
    )
    assert first == DataSubscribed(kind="trades", instrument_id=SAMSUNG, new=True)
    assert not again.new
    assert feed.asked == [
        ("trades", SAMSUNG),
        ("book", (SAMSUNG, 5)),
        ("bars", BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")),
    ]
    with pytest.raises(StateError, match="expected a DataSubscription"):
        node._on_subscribe(ExecutionStatusRequest(trader_id=node.settings.node.trader_id))
    node._publish(_tick())
    assert heard == [_tick()]
    assert node.summary() == {"published": 1, "subscriptions": 3}


def test_the_strategy_role_sends_signals_out_and_keeps_order_events_local(
    tmp_path: Path,
) -> None:
    node = StrategyNode(_settings(tmp_path), NodeOptions(role="strategy"))
    remote, local = InProcessMessageBus(), InProcessMessageBus()
    node.bus, node.local = remote, local  # type: ignore[assignment]
    out: list[str] = []
    inside: list[str] = []
    remote.subscribe("**", lambda m: out.append(type(m).__name__))
    local.subscribe("**", lambda m: inside.append(type(m).__name__))
    signal = Signal(
        strategy_id=StrategyId("S-001"),
        instrument_id=SAMSUNG,
        direction=SignalDirection.LONG,
        ts_event=NOW,
        ts_init=NOW,
    )
    node._publish("events.signal.S-001", signal)
    node._publish("events.position.005930.KRX", _tick())  # stands for any kernel event
    assert out == ["Signal"]
    assert inside == ["Signal", "TradeTick"]


async def test_the_strategy_role_gives_up_when_no_execution_role_answers(tmp_path: Path) -> None:
    node = StrategyNode(_settings(tmp_path), NodeOptions(role="strategy", wait_execution_s=0.3))
    node.bus = InProcessMessageBus()  # type: ignore[assignment]
    started = time.monotonic()
    with pytest.raises(StateError, match="no execution role of trader JTS-001"):
        await node._wait_for_execution()
    assert time.monotonic() - started < 5
