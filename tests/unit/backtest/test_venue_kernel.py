"""End to end: the real `Kernel` (risk, OMS, portfolio, strategy) trading on the simulated venue.

The driver does what the backtest engine does for every bar: move the clock, let the venue see
the bar, then the kernel. The point is that the venue's events fit the OMS's order state
machine exactly: no refused transition, no unknown order, positions and cash as a broker's.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from jts.backtest.venue import SimulatedVenue
from jts.core.clock import SimulatedClock
from jts.domain.accounts import Account
from jts.domain.enums import OrderStatus, PositionSide
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.identifiers import KRX, ClientOrderId
from jts.domain.market_data import Bar
from jts.domain.orders import Order
from jts.domain.values import KRW, Money, Price
from jts.kernel.ids import SequentialIdFactory, VenueIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy
from jts.matching.models import FixedLatency, MatchingConfig
from tests.unit.matching.matching_support import MINUTE, SAMSUNG, FakeCalendar, at, bar

from .venue_support import ACCOUNT, FRIDAY, FlatCosts


class Script(Strategy):
    """Buys 10 at market on its first bar, then works a take-profit it lowers and a cheap bid
    it cancels; records the order events it sees."""

    def __init__(self) -> None:
        super().__init__(strategy_id="Script-001")
        self.seen: list[str] = []
        self.bars = 0
        self.take_profit: ClientOrderId | None = None
        self.bid: ClientOrderId | None = None

    def on_start(self) -> None:
        self.subscribe_bars(MINUTE)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 1:
            self.buy(SAMSUNG.id, 10)
            self.bid = self.buy(SAMSUNG.id, 5, 60000)
        elif self.bars == 2:
            self.take_profit = self.sell(SAMSUNG.id, 10, 71000)
            assert self.bid is not None
            self.cancel_order(self.bid)
        elif self.bars == 3:
            assert self.take_profit is not None
            self.modify_order(self.take_profit, price=70500)

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        self.seen.append(f"{order.client_order_id[-2:]} {type(event).__name__}")


def build(config: MatchingConfig | None = None) -> tuple[Kernel, SimulatedVenue, SimulatedClock]:
    clock = SimulatedClock(at("1530", FRIDAY))
    kernel = Kernel(clock, ids=SequentialIdFactory("T"))
    kernel.add_instrument(SAMSUNG)
    account = Account(ACCOUNT)
    account.deposit(Money(10_000_000, KRW))
    kernel.add_account(account)
    venue = SimulatedVenue(
        clock,
        kernel.cache.instrument,
        calendar=FakeCalendar(),
        costs=FlatCosts(),
        ids=VenueIdFactory("SIM"),
        account_id=ACCOUNT,
        venue=KRX,
        config=config,
    )
    kernel.add_execution_client(venue)
    return kernel, venue, clock


def drive(kernel: Kernel, venue: SimulatedVenue, bars: list[Bar]) -> None:
    for item in bars:
        kernel.advance_time(item.ts_event)
        venue.process_bar(item)
        kernel.process_bar(item)


BARS = [
    bar("1530", 70000, 70000, 70000, 70000, day=FRIDAY),  # the strategy buys at Friday's close
    bar("0901", 70000, 70100, 69900, 70000),  # Monday's opening auction fills the buy
    bar("0902", 70200, 70300, 70100, 70200),
    bar("0903", 70300, 70500, 70200, 70300),  # touches 70,500: no fill on a touch
    bar("0904", 70500, 70700, 70400, 70600),  # trades through 70,500
]


def test_a_strategy_trades_on_the_simulated_venue_through_the_oms() -> None:
    kernel, venue, _ = build()
    strategy = Script()
    kernel.add_strategy(strategy)
    kernel.start()
    drive(kernel, venue, BARS)

    buy, bid, take_profit = kernel.cache.orders()
    assert buy.status is OrderStatus.FILLED
    assert buy.avg_px == Decimal(70000)  # the open of the bar after the signal (an auction)
    assert bid.status is OrderStatus.CANCELED
    assert take_profit.status is OrderStatus.FILLED
    assert take_profit.price == Price(70500)
    assert take_profit.avg_px == Decimal(70500)
    assert take_profit.venue_order_id == "SIM-00000003"
    assert strategy.seen == [
        "01 OrderInitialized",
        "01 OrderSubmitted",
        "02 OrderInitialized",
        "02 OrderSubmitted",
        "01 OrderAccepted",
        "02 OrderAccepted",
        "01 OrderFilled",
        "03 OrderInitialized",
        "03 OrderSubmitted",
        "02 OrderPendingCancel",
        "03 OrderAccepted",
        "02 OrderCanceled",
        "03 OrderPendingUpdate",
        "03 OrderUpdated",
        "03 OrderFilled",
    ]
    stats = kernel.execution.stats
    assert (stats.illegal_transitions, stats.unknown_orders, stats.duplicate_fills) == (0, 0, 0)

    # the portfolio booked what the venue charged: 1 bp both ways, 0.2 % sell tax
    buy_cost = 700_000 + 70
    sell_proceeds = 705_000 - 70 - 1_410
    assert kernel.portfolio.cash() == Money(10_000_000 - buy_cost + sell_proceeds, KRW)
    assert kernel.portfolio.position_qty(SAMSUNG.id, strategy.id) == 0

    # reconciliation: the venue's books agree with the kernel's
    assert asyncio.run(venue.order_status_reports()) == []
    (position,) = asyncio.run(venue.position_reports())
    assert position.position_side is PositionSide.FLAT
    fills = asyncio.run(venue.fill_reports())
    booked = [e for o in (buy, take_profit) for e in o.events if isinstance(e, OrderFilled)]
    assert [f.trade_id for f in fills] == [e.trade_id for e in booked]


def test_a_cancel_overtaken_by_the_fill_leaves_the_order_filled() -> None:
    class Racer(Strategy):
        def on_start(self) -> None:
            self.subscribe_bars(MINUTE)
            self.order_id: ClientOrderId | None = None

        def on_bar(self, bar: Bar) -> None:
            if self.order_id is None and bar.ts_event == at("0901"):
                self.order_id = self.buy(SAMSUNG.id, 3, 69900)
            elif self.order_id is not None and bar.ts_event == at("0902"):
                self.cancel_order(self.order_id)

    kernel, venue, _ = build(MatchingConfig(latency=FixedLatency.millis(30)))
    kernel.add_strategy(Racer(strategy_id="Racer-001"))
    kernel.start()
    drive(
        kernel,
        venue,
        [
            BARS[0],
            BARS[1],
            bar("0902", 70000, 70100, 70000, 70000),
            bar("0903", 70000, 70000, 69800, 69900),
        ],
    )
    (order,) = kernel.cache.orders()
    assert order.status is OrderStatus.FILLED
    names = [type(e).__name__ for e in order.events]
    assert names[-3:] == ["OrderPendingCancel", "OrderFilled", "OrderCancelRejected"]
    assert kernel.execution.stats.illegal_transitions == 0


def test_a_day_order_expires_in_the_oms() -> None:
    class Bidder(Strategy):
        def on_start(self) -> None:
            self.subscribe_bars(MINUTE)

        def on_bar(self, bar: Bar) -> None:
            if bar.ts_event == at("0901"):
                self.buy(SAMSUNG.id, 1, 60000)

    kernel, venue, _ = build()
    kernel.add_strategy(Bidder(strategy_id="Bidder-001"))
    kernel.start()
    drive(kernel, venue, [BARS[0], BARS[1], bar("1530", 70000, 70000, 70000, 70000)])
    (order,) = kernel.cache.orders()
    assert order.status is OrderStatus.EXPIRED
    assert kernel.cache.open_order_count() == 0


def test_a_run_repeated_gives_identical_order_histories() -> None:
    def run() -> list[object]:
        kernel, venue, _ = build(MatchingConfig(latency=FixedLatency.millis(1)))
        kernel.add_strategy(Script())
        kernel.start()
        drive(kernel, venue, [*BARS, bar("0905", 70600, 70600, 70000, 70100)])
        return [event for order in kernel.cache.orders() for event in order.events]

    first, second = run(), run()
    assert first == second
    assert len(first) > 10
