from __future__ import annotations

from decimal import Decimal

import pytest

from jts.core.errors import StateError
from jts.domain.enums import OrderStatus, OrderType
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.events_position import PositionEvent
from jts.domain.events_risk import KillSwitchReset, KillSwitchTripped
from jts.domain.market_data import Bar
from jts.domain.messages import Message
from jts.domain.orders import Order
from jts.domain.values import KRW, Money
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy, StrategyParams

from .conftest import BAR_TYPE, SAMSUNG, ScriptedVenue, build_kernel, make_bar


class Recorder(Strategy):
    """Buys on the first bar; records every callback in order."""

    class Params(StrategyParams):
        quantity: int = 10

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.log: list[str] = []

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)
        self.log.append("start")

    def on_bar(self, bar: Bar) -> None:
        self.log.append(f"bar {bar.close}")
        if len(self.log) == 2:
            self.buy(SAMSUNG, self.params.quantity)
            self.log.append("after buy")

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        self.log.append(type(event).__name__)

    def on_position_opened(self, event: PositionEvent) -> None:
        self.log.append(f"opened {event.signed_qty}")


def test_order_flow_is_queued_never_nested(kernel: Kernel, venue: ScriptedVenue) -> None:
    strategy = Recorder()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    assert strategy.log == [
        "start",
        "bar 70000",
        "OrderInitialized",
        "OrderSubmitted",
        "after buy",  # the venue's acknowledgement waits for on_bar to return
        "OrderAccepted",
    ]
    order = kernel.cache.orders()[0]
    assert order.status is OrderStatus.ACCEPTED
    assert order.order_type is OrderType.MARKET
    assert str(order.client_order_id) == "O-T-00000001"
    venue.fill(order.client_order_id, "10", "70100", commission="98")
    assert strategy.log[-2:] == ["OrderFilled", "opened 10"]
    assert order.status is OrderStatus.FILLED
    assert kernel.portfolio.position_qty(SAMSUNG, strategy.id) == Decimal(10)
    # cash: 10,000,000 - 701,000 - 98
    assert kernel.portfolio.cash() == Money("9298902", KRW)
    kernel.process_bar(make_bar(1, "70100", "70300", "70000", "70200"))
    assert kernel.portfolio.equity() == Money(9298902 + 702000, KRW)
    assert kernel.portfolio.unrealized_pnl() == Money("1000", KRW)


def test_duplicate_and_early_fills(kernel: Kernel, venue: ScriptedVenue) -> None:
    strategy = Recorder()
    kernel.add_strategy(strategy)
    kernel.start()
    venue.auto_accept = False
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    order = kernel.cache.orders()[0]
    fill = venue.fill(order.client_order_id, "4", "70000", trade_id="T-A")  # before the ack
    assert order.status is OrderStatus.PARTIALLY_FILLED
    venue.emit(fill)  # the same fill again: applied once
    assert kernel.execution.stats.duplicate_fills == 1
    venue.accept(order.client_order_id)  # late ack is absorbed
    venue.fill(order.client_order_id, "6", "70000", trade_id="T-B")
    assert order.status is OrderStatus.FILLED
    assert kernel.portfolio.position_qty(SAMSUNG, strategy.id) == Decimal(10)
    venue.fill(order.client_order_id, "1", "70000", trade_id="T-C")  # overfill refused
    assert kernel.portfolio.position_qty(SAMSUNG, strategy.id) == Decimal(10)
    assert kernel.execution.stats.illegal_transitions == 1  # a fill after FILLED: dropped


def test_risk_denial_becomes_order_denied(clock, venue) -> None:  # type: ignore[no-untyped-def]
    kernel = build_kernel(clock, venue, risk_limits=RiskLimits(max_order_qty=Decimal(5)))
    strategy = Recorder()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    order = kernel.cache.orders()[0]
    assert order.status is OrderStatus.DENIED
    denied = order.events[-1]
    assert "max_order_qty" in denied.reason  # type: ignore[attr-defined]
    assert venue.submitted == []
    assert "OrderDenied" in strategy.log


class Limits(Strategy):
    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        pass


@pytest.mark.parametrize(
    ("price", "rule"),
    [("70050", "off the 100 KRW tick"), ("91100", "above the upper limit"), ("48900", "below")],
)
def test_price_rules_use_ticks_and_the_previous_close(
    kernel: Kernel, venue: ScriptedVenue, price: str, rule: str
) -> None:
    from .conftest import T0

    strategy = Limits()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    # next day: the previous close (70,000) becomes the base price: limits 49,000 .. 91,000
    day = 24 * 3600 * 10**9
    kernel.advance_time(T0 + day)
    kernel.process_bar(make_bar(60 * 24, "70000", "70100", "69900", "70000"))
    strategy.buy(SAMSUNG, 1, price)
    order = kernel.cache.orders()[-1]
    assert order.status is OrderStatus.DENIED
    assert rule in order.events[-1].reason  # type: ignore[attr-defined]


def test_buying_power_and_no_short(kernel: Kernel, venue: ScriptedVenue) -> None:
    strategy = Limits()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    strategy.buy(SAMSUNG, 200, "70000")  # 14,000,000 > 10,000,000 cash
    assert "buying_power" in kernel.cache.orders()[-1].events[-1].reason  # type: ignore[attr-defined]
    strategy.sell(SAMSUNG, 1)
    assert "no_short" in kernel.cache.orders()[-1].events[-1].reason  # type: ignore[attr-defined]


def test_kill_switch_cancels_and_blocks(clock, venue: ScriptedVenue) -> None:  # type: ignore[no-untyped-def]
    from jts.domain.accounts import Account
    from jts.domain.instruments import Market, krx_equity

    from .conftest import ACCOUNT

    published: list[Message] = []
    kernel = Kernel(clock, ids=SequentialIdFactory("T"), publish=lambda t, m: published.append(m))
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money("10000000", KRW))
    kernel.add_account(account)
    kernel.add_execution_client(venue)
    strategy = Limits()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    strategy.buy(SAMSUNG, 1, "69000")
    assert kernel.cache.open_order_count() == 1
    assert kernel.trip_kill_switch("daily loss limit") == 1
    assert kernel.cache.open_order_count() == 0
    strategy.buy(SAMSUNG, 1, "69000")
    assert "trading is halted: daily loss limit" in kernel.cache.orders()[-1].events[-1].reason  # type: ignore[attr-defined]
    kernel.reset_kill_switch()
    strategy.buy(SAMSUNG, 1, "69000")
    assert kernel.cache.orders()[-1].status is OrderStatus.ACCEPTED
    kinds = [type(m) for m in published]
    assert KillSwitchTripped in kinds
    assert KillSwitchReset in kinds
    assert any(isinstance(m, OrderFilled) for m in published) is False
    assert any(isinstance(m, Bar) for m in published)


def test_modify_cancel_and_target_position(kernel: Kernel, venue: ScriptedVenue) -> None:
    strategy = Limits()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    oid = strategy.buy(SAMSUNG, 5, "69000")
    assert oid is not None
    assert strategy.modify_order(oid, price="69500")
    order = kernel.cache.order(oid)
    assert order is not None
    assert order.price == 69500
    assert order.status is OrderStatus.ACCEPTED
    # target 8 with 5 pending: only 3 more
    strategy.target_position(SAMSUNG, 8)
    assert kernel.cache.orders()[-1].quantity == 3
    assert strategy.cancel_all_orders() == 2
    assert kernel.cache.open_order_count() == 0
    strategy.target_percent(SAMSUNG, "0.5")  # half of 10,000,000 at 70,000 -> 71 shares
    assert kernel.cache.orders()[-1].quantity == 71


def test_signal_only_mode_trades_nothing(kernel: Kernel, venue: ScriptedVenue) -> None:
    strategy = Limits(signal_only=True)
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    assert strategy.buy(SAMSUNG, 5) is None
    strategy.close_position(SAMSUNG)
    assert venue.submitted == []
    assert kernel.cache.orders() == []
    assert [s.direction.value for s in strategy.signals] == ["LONG", "FLAT"]


def test_strategy_needs_a_kernel_and_unique_ids(kernel: Kernel) -> None:
    lone = Limits()
    with pytest.raises(StateError):
        lone.buy(SAMSUNG, 1)
    kernel.add_strategy(Limits())
    with pytest.raises(StateError):
        kernel.add_strategy(Limits())


def test_params_are_validated() -> None:
    from jts.kernel.strategy.params import InvalidParamsError

    assert Recorder(params={"quantity": "7"}).params.quantity == 7
    with pytest.raises(InvalidParamsError, match="quantity"):
        Recorder(params={"quantity": "many"})
    with pytest.raises(InvalidParamsError, match="qty"):
        Recorder(params={"qty": 1})


def test_timers_reach_the_strategy(kernel: Kernel, clock) -> None:  # type: ignore[no-untyped-def]
    fired: list[str] = []

    class Timed(Limits):
        def on_start(self) -> None:
            self.set_timer("heartbeat", 30 * 10**9)

        def on_timer(self, event) -> None:  # type: ignore[no-untyped-def]
            fired.append(event.name)
            self.buy(SAMSUNG, 1)

    kernel.add_strategy(Timed())
    kernel.start()
    kernel.advance_time(clock.timestamp_ns() + 31 * 10**9)
    # no price known yet: a market buy cannot be valued for buying power
    assert "no price known" in kernel.cache.orders()[0].events[-1].reason  # type: ignore[attr-defined]
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    kernel.advance_time(clock.timestamp_ns() + 30 * 10**9)
    assert fired == ["heartbeat", "heartbeat"]
    assert [o.status for o in kernel.cache.orders()] == [OrderStatus.DENIED, OrderStatus.ACCEPTED]


def test_an_order_reaches_its_venue_once_journaled_and_before_the_listeners(clock) -> None:  # type: ignore[no-untyped-def]
    """The OMS hands a journaled order to the venue before anyone hears of it (a venue that
    can write it in that call sends it without waiting for the listeners); what the venue
    says meanwhile reaches the strategy after INITIALIZED and SUBMITTED, as always."""
    from jts.backtest.journal import MemoryJournal
    from jts.domain.commands import SubmitOrder

    seen_at_submit: list[tuple[list[str], list[str]]] = []
    journal = MemoryJournal()

    class WatchingVenue(ScriptedVenue):
        def submit_order(self, command: SubmitOrder) -> None:
            journaled = [
                type(e).__name__ for e in journal.events_for(command.order.client_order_id)
            ]
            seen_at_submit.append((list(strategy.log), journaled))
            super().submit_order(command)  # accepts at once, from inside the call

    kernel = build_kernel(clock, WatchingVenue(clock), journal=journal)
    strategy = Recorder()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    assert seen_at_submit == [(["start", "bar 70000"], ["OrderInitialized", "OrderSubmitted"])]
    assert strategy.log == [
        "start",
        "bar 70000",
        "OrderInitialized",
        "OrderSubmitted",
        "after buy",
        "OrderAccepted",
    ]


class Flattener(Strategy):
    """Buys on every bar; sells what it holds when stopped."""

    def __init__(self) -> None:
        super().__init__()
        self.bars = 0

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        self.buy(SAMSUNG, 1)

    def on_stop(self) -> None:
        self.sell(SAMSUNG, 1)


def test_a_stopped_kernel_feeds_no_strategy_and_denies_its_new_orders(
    kernel: Kernel, venue: ScriptedVenue
) -> None:
    """A node keeps receiving ticks while it drains and disconnects; an order made then
    would leave unanswered (found by the crash soak: one sent after the stop's snapshot)."""
    strategy = Flattener()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    venue.fill(kernel.cache.orders()[-1].client_order_id, "1", "70000")
    kernel.stop()
    assert [c.order.side.value for c in venue.submitted] == ["BUY", "SELL"]  # on_stop's goes
    kernel.process_bar(make_bar(1, "70000", "70100", "69900", "70100"))
    assert strategy.bars == 1
    strategy.buy(SAMSUNG, 1)  # from a timer or a task of its own
    assert len(venue.submitted) == 2
    late = kernel.cache.orders()[-1]
    assert late.status is OrderStatus.DENIED
    assert "stopped" in str(late.events[-1].reason)  # type: ignore[attr-defined]
    kernel.start()  # started again: fed and trading again
    kernel.process_bar(make_bar(2, "70000", "70200", "69900", "70200"))
    assert strategy.bars == 2
    assert len(venue.submitted) == 3
