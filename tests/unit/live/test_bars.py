"""`LiveKernel`: strategies' subscriptions reach the feed; internal bars are built from ticks."""

from __future__ import annotations

from jts.core.clock import LiveClock
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import BarType
from jts.kernel.strategy.strategy import Strategy
from jts.live.bars import LiveKernel, feed_subscription

IID = InstrumentId("005930.KRX")


class _Feed:
    """Records what it is asked (the kernel's side of the port only)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, object]] = []
        self.sink = None

    def bind(self, sink) -> None:
        self.sink = sink

    def subscribe_trade_ticks(self, instrument_id) -> None:
        self.asked.append(("trades", instrument_id))

    def subscribe_quotes(self, instrument_id) -> None:
        self.asked.append(("quotes", instrument_id))

    def subscribe_bars(self, bar_type) -> None:
        self.asked.append(("bars", bar_type))

    def subscribe_order_book(self, instrument_id, depth=10) -> None:
        self.asked.append(("book", (instrument_id, depth)))


class Subscriber(Strategy):
    def on_start(self) -> None:
        self.subscribe_bars("005930.KRX-5-TICK-LAST-INTERNAL")
        self.subscribe_bars("005930.KRX-10-SECOND-LAST-INTERNAL")  # same ticks: asked once
        self.subscribe_bars("000660.KRX-1-MINUTE-LAST-EXTERNAL")


def test_internal_bars_ask_for_trades_external_bars_for_bars() -> None:
    internal = BarType.parse("005930.KRX-5-TICK-LAST-INTERNAL")
    external = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
    assert feed_subscription(internal) == ("trades", IID)
    assert feed_subscription(external) == ("bars", external)


def test_subscriptions_before_and_after_attaching_reach_the_feed_once() -> None:
    kernel = LiveKernel(LiveClock())
    kernel.add_strategy(Subscriber())
    kernel.start()  # subscribes before any feed exists
    feed = _Feed()
    kernel.attach_feed(feed)  # type: ignore[arg-type]
    assert feed.sink == kernel.process
    assert feed.asked == [
        ("trades", IID),
        ("bars", BarType.parse("000660.KRX-1-MINUTE-LAST-EXTERNAL")),
    ]
    late = _Feed()
    kernel.attach_feed(late)  # type: ignore[arg-type]
    assert late.asked == feed.asked
