"""Which strategy callbacks an event reaches: the general one, then the specific one, each
only where the strategy defines it (class or instance), subclasses of events included."""

from __future__ import annotations

from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.events_position import PositionEvent
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.market_data import Bar
from jts.domain.orders import Order
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy
from tests.unit.kernel.conftest import BAR_TYPE, SAMSUNG, ScriptedVenue, make_bar


class Listener(Strategy):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        if not self.seen:
            self.seen.append("bar")
            self.buy(SAMSUNG, 10)

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        self.seen.append(f"event {type(event).__name__}")

    def on_order_filled(self, order: Order, event: OrderFilled) -> None:
        self.seen.append("filled")

    def on_position_opened(self, event: PositionEvent) -> None:
        self.seen.append("opened")


class LateFill(OrderFilled, frozen=True, kw_only=True):
    """An event subclass (an adapter's own fill type): still an `OrderFilled` to strategies."""


def test_callbacks_in_order_and_only_where_defined(kernel: Kernel, venue: ScriptedVenue) -> None:
    strategy = Listener()
    accepted: list[str] = []
    strategy.on_order_accepted = lambda order, event: accepted.append(str(order.client_order_id))  # type: ignore[method-assign]
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    (command,) = venue.submitted
    venue.fill(command.order.client_order_id, "10", "70000")
    assert strategy.seen == [
        "bar",
        "event OrderInitialized",
        "event OrderSubmitted",
        "event OrderAccepted",
        "event OrderFilled",
        "filled",
        "opened",
    ]
    assert accepted == [str(command.order.client_order_id)]  # set on the instance: called


def test_an_event_subclass_reaches_its_base_callback(kernel: Kernel) -> None:
    strategy = Listener()
    kernel.add_strategy(strategy)
    fill = make_fill_like()
    strategy.handle_order_event(None, fill)  # type: ignore[arg-type]
    assert strategy.seen == ["event LateFill", "filled"]


def make_fill_like() -> LateFill:
    return LateFill(
        trader_id=TraderId("T-001"),
        strategy_id=StrategyId("Listener-001"),
        instrument_id=SAMSUNG,
        client_order_id=ClientOrderId("O-1"),
        account_id=AccountId("SIM-001"),
        venue_order_id=VenueOrderId("V-1"),
        trade_id=TradeId("T-1"),
        order_side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        last_qty=Quantity(10),
        last_px=Price(70000),
        currency=KRW,
        commission=Money(0, KRW),
        tax=Money(0, KRW),
        ts_event=1,
        ts_init=1,
    )
