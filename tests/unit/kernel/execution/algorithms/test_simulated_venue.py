"""Algorithms on the backtest's simulated venue: the real matching engine fills the children.

The driver does what the backtest engine does for each bar: fire the timers due (the
algorithms' slices among them), let the venue match the bar, then let the kernel see it.
"""

from __future__ import annotations

from decimal import Decimal

from jts.backtest.venue import SimulatedVenue
from jts.core.clock import SimulatedClock
from jts.core.time import NANOS_PER_MINUTE
from jts.domain.accounts import Account
from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import KRX
from jts.domain.market_data import Bar
from jts.domain.values import KRW, Money, Quantity
from jts.kernel.execution.algorithms import TWAP, AlgorithmStatus, ExecAlgorithm, Iceberg
from jts.kernel.ids import SequentialIdFactory, VenueIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy
from tests.unit.backtest.venue_support import ACCOUNT, FlatCosts
from tests.unit.matching.matching_support import MINUTE, SAMSUNG, FakeCalendar, at, bar

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def build() -> tuple[Kernel, SimulatedVenue]:
    clock = SimulatedClock(at("0900"))
    kernel = Kernel(clock, ids=SequentialIdFactory("T"))
    kernel.add_instrument(SAMSUNG)
    account = Account(ACCOUNT)
    account.deposit(Money(100_000_000, KRW))
    kernel.add_account(account)
    venue = SimulatedVenue(
        clock,
        kernel.cache.instrument,
        calendar=FakeCalendar(),
        costs=FlatCosts(),
        ids=VenueIdFactory("SIM"),
        account_id=ACCOUNT,
        venue=KRX,
    )
    kernel.add_execution_client(venue)
    return kernel, venue


def drive(kernel: Kernel, venue: SimulatedVenue, bars: list[Bar]) -> None:
    for item in bars:
        kernel.advance_time(item.ts_event)
        venue.process_bar(item)
        kernel.process_bar(item)


class Executor(Strategy):
    """Starts ``make()``'s algorithm on its first bar."""

    def __init__(self, make: object) -> None:
        super().__init__(strategy_id="Executor-001")
        self._make = make
        self.algo: ExecAlgorithm | None = None

    def on_start(self) -> None:
        self.subscribe_bars(MINUTE)

    def on_bar(self, bar: Bar) -> None:
        if self.algo is None:
            self.algo = self.execute(self._make(bar))  # type: ignore[operator]


def minutes(first: int, count: int, prices: list[int] | None = None) -> list[Bar]:
    out = []
    for i in range(count):
        minute = first + i
        price = prices[i] if prices is not None else 70000 + 100 * (i % 3)
        out.append(bar(f"09{minute:02d}", price, price + 100, price - 100, price))
    return out


def test_a_twap_fills_on_the_matching_engine() -> None:
    kernel, venue = build()
    executor = Executor(
        lambda b: TWAP(SAMSUNG.id, BUY, 30, None, b.ts_event + 10 * NANOS_PER_MINUTE, slices=5)
    )
    kernel.add_strategy(executor)
    kernel.start()
    drive(kernel, venue, minutes(1, 15))
    algo = executor.algo
    assert algo is not None
    assert algo.status is AlgorithmStatus.FILLED
    children = algo.child_orders()
    assert [str(o.quantity) for o in children] == ["6"] * 5
    assert all(o.status is OrderStatus.FILLED for o in children)
    assert [o.ts_init for o in children] == [at(f"09{m:02d}") for m in (1, 3, 5, 7, 9)]
    fills = [e for o in children for e in o.events if isinstance(e, OrderFilled)]
    notional = sum(e.last_px.as_decimal() * e.last_qty.as_decimal() for e in fills)
    progress = algo.progress()
    assert progress.filled_qty == Quantity(30)
    assert progress.filled_notional == notional
    assert progress.avg_px == notional / 30
    assert kernel.portfolio.position_qty(SAMSUNG.id, executor.id) == Decimal(30)
    stats = kernel.execution.stats
    assert (stats.illegal_transitions, stats.unknown_orders, stats.duplicate_fills) == (0, 0, 0)


def test_an_iceberg_rests_and_replenishes_on_the_matching_engine() -> None:
    kernel, venue = build()
    executor = Executor(lambda b: Iceberg(SAMSUNG.id, BUY, 25, 69900, 10))
    kernel.add_strategy(executor)
    kernel.start()
    # 09:01 places the bid at 69,900; the market then trades down through it three times
    prices = [70000, 70100, 69800, 70000, 69700, 70000, 69800, 70000]
    drive(kernel, venue, minutes(1, len(prices), prices))
    algo = executor.algo
    assert algo is not None
    assert algo.status is AlgorithmStatus.FILLED
    children = algo.child_orders()
    assert [str(o.quantity) for o in children] == ["10", "10", "5"]
    assert {o.price for o in children} == {SAMSUNG.make_price(69900)}
    assert algo.progress().avg_px == 69900
    assert kernel.cache.open_order_count() == 0
