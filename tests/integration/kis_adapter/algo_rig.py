"""The rig of the execution algorithms' end-to-end tests, and the checks they share.

One simulator, one `LiveKernel` (the kernel `jts up` runs, on a live clock) whose execution and
market-data clients are the KIS adapter pointed at it, and a strategy (``holder``) that owns
what the tests buy before they sell: positions are per strategy, so a sell algorithm must run
under the strategy holding the shares (`Rig.run` with ``owner``).

The checks read both sides and compare them: the kernel's orders, fills, position and cash
against the simulator's orders, fills, holdings and cash, venue order by venue order.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from jts.adapters.kis.data import KisMarketDataClient
from jts.adapters.kis.execution import KisExecutionClient
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.simulator import KisSimulator
from jts.adapters.kis.simulator.state import AccountRecord
from jts.core.clock import LiveClock
from jts.core.time import KST, kst_date, ns_to_dt
from jts.domain.accounts import Account
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderDenied, OrderFilled
from jts.domain.identifiers import InstrumentId, StrategyId
from jts.domain.market_data import TradeTick
from jts.domain.messages import Message
from jts.domain.reference import load_reference_instruments
from jts.domain.values import KRW, Money
from jts.kernel.execution.algorithms import (
    AlgorithmProgress,
    AlgorithmStatus,
    ExecAlgorithm,
    ExecAlgorithmProgress,
)
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy
from jts.live.bars import LiveKernel
from tests.integration.kis_adapter.conftest import eventually, sim_config

SYMBOL = "005930"
IID = InstrumentId(f"{SYMBOL}.KRX")
TICK = 100  # 005930 trades between 50,000 and 200,000 won: 100-won ticks
FAR = 50  # ticks from the market for a resting child the random walk will not reach in time

#: (quantity, amount, commission, tax) of one venue order's fills
Booked = tuple[Decimal, Decimal, Decimal, Decimal]
_NOTHING: Booked = (Decimal(0), Decimal(0), Decimal(0), Decimal(0))


@dataclass
class Rig:
    """One simulator, one live kernel on the KIS adapter, and what the tests read back."""

    sim: KisSimulator
    kernel: LiveKernel
    client: KisExecutionClient
    feed: KisMarketDataClient
    start_cash: int
    holder: Strategy
    ticks: list[TradeTick] = field(default_factory=list)
    published: list[ExecAlgorithmProgress] = field(default_factory=list)

    @property
    def books(self) -> AccountRecord:
        return self.sim.ctx.state.accounts[self.sim.config.accounts[0].key]

    def held_at_venue(self) -> int:
        holding = self.books.holdings.get(SYMBOL)
        return holding.qty if holding is not None else 0

    def last(self) -> int:
        price = self.kernel.cache.last_price(IID)
        assert price is not None
        return int(price.raw_at(0))

    def run(self, algorithm: ExecAlgorithm, *, owned: bool = False) -> list[AlgorithmProgress]:
        """Start ``algorithm``: unowned (its children trade under its own id) or owned by the
        holder (under the holder's id, against the holder's position)."""
        log: list[AlgorithmProgress] = []
        algorithm.add_progress_listener(log.append)
        self.kernel.execute_algorithm(algorithm, self.holder if owned else None)
        return log

    async def hold(self, qty: int) -> None:
        """The holder buys ``qty`` with a limit at the upper limit (it fills at once at the
        best ask), and both books show the holding."""
        upper = self.sim.ctx.market.state(SYMBOL).upper
        assert self.holder.buy(IID, qty, upper) is not None
        await eventually(lambda: self.kernel.portfolio.position_qty(IID, self.holder.id) == qty)
        await self.client.drain()
        assert self.held_at_venue() == qty

    def trade_through(self, price: int, qty: int) -> None:
        """A print at ``price`` (filling resting buys above it and sells below it), then one
        back at the market, with no step of the random walk between them."""
        back = self.sim.ctx.market.state(SYMBOL).last
        self.sim.ctx.venue.inject_trade(SYMBOL, price, qty, "5")
        self.sim.ctx.venue.inject_trade(SYMBOL, back, 1, "1")

    async def print_at_market(self, qty: int) -> None:
        """One print of ``qty`` at the market, and wait until the kernel has seen it."""
        seen = len(self.ticks)
        self.sim.ctx.venue.inject_trade(SYMBOL, self.sim.ctx.market.state(SYMBOL).last, qty, "1")
        await eventually(lambda: len(self.ticks) > seen)

    def open_at_venue(self) -> list[str]:
        return [o.odno for o in self.sim.ctx.state.orders.values() if o.remaining > 0]


async def _away_from_midnight() -> None:
    """KST midnight rolls the simulator's day (and a VWAP window must lie in one day)."""
    now = ns_to_dt(LiveClock().timestamp_ns(), KST)
    left = (dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), KST) - now).seconds
    if left < 30:
        await asyncio.sleep(left + 1)


@asynccontextmanager
async def rigs(
    start_sim: Callable[..., Awaitable[KisSimulator]], node_factory: Callable[..., KisNode]
) -> AsyncIterator[Callable[..., Awaitable[Rig]]]:
    """Yields ``start(limits=None, *, tick_s=0.05, watch=True)``, which starts a rig; every
    rig is stopped on the way out."""
    async with AsyncExitStack() as stack:
        started: list[Rig] = []

        async def start(
            limits: RiskLimits | None = None, *, tick_s: float = 0.05, watch: bool = True
        ) -> Rig:
            await _away_from_midnight()
            config = dataclasses.replace(sim_config(rate_limit_per_s=100), tick_interval_s=tick_s)
            sim = await start_sim(config)
            node = await stack.enter_async_context(node_factory(sim, rate=100))
            published: list[ExecAlgorithmProgress] = []

            def publish(topic: str, message: Message) -> None:
                if isinstance(message, ExecAlgorithmProgress):
                    published.append(message)

            kernel = LiveKernel(
                LiveClock(),
                risk_limits=limits or RiskLimits(),
                publish=publish,
                publish_market_data=False,
                derive_base_price=False,  # the base is the venue's, set below
            )
            kernel.add_instruments(i for i in load_reference_instruments() if i.id == IID)
            client = node.execution_client(node._accounts[0])
            kernel.add_execution_client(client)
            await client.connect()
            start_cash = sim.config.accounts[0].cash
            account = Account(client.account_id)
            account.deposit(Money(start_cash, KRW))
            kernel.add_account(account, default=True)
            holder = Strategy(strategy_id="HOLDER-1")
            kernel.add_strategy(holder)
            feed = node.data_client()
            kernel.attach_feed(feed)
            rig = Rig(sim, kernel, client, feed, start_cash, holder, published=published)

            def tee(item: object) -> None:
                if isinstance(item, TradeTick):
                    rig.ticks.append(item)
                kernel.process(item)

            feed.bind(tee)
            await feed.connect()
            # the day's base price for the daily limits, from the venue's quote, as the live
            # node's base-price keeper sets it
            snapshot = await feed.inquire_price(IID)
            assert snapshot.base_price is not None
            kernel.risk.set_base_price(IID, snapshot.base_price)
            kernel.start()
            if watch:  # a last price for limit children and the risk engine
                feed.subscribe_trade_ticks(IID)
                await feed.drain()
                await eventually(lambda: kernel.cache.last_price(IID) is not None)
            started.append(rig)
            return rig

        yield start
        for rig in started:
            rig.kernel.stop()
            await rig.client.disconnect()
            await rig.feed.disconnect()


# ---- checks -------------------------------------------------------------------------------------
def check_prices(rig: Rig, algorithm: ExecAlgorithm) -> None:
    """Limit children on the grid and inside the limits, as the kernel and the venue saw them."""
    instrument = rig.kernel.cache.instrument(IID)
    today = kst_date(rig.kernel.clock.timestamp_ns())
    scheme = instrument.tick_scheme(today)
    base = rig.kernel.risk.base_price(IID)
    assert base is not None
    limits = instrument.daily_limits(base, today)
    state = rig.sim.ctx.market.state(SYMBOL)
    assert (limits.lower.raw_at(0), limits.upper.raw_at(0)) == (state.lower, state.upper)
    venue = {o.odno: o for o in rig.sim.ctx.state.orders.values()}
    for child in algorithm.child_orders():
        if child.order_type is OrderType.MARKET:
            continue
        price = child.price
        assert price is not None
        assert scheme.is_valid(price), f"{child.client_order_id} off the grid at {price}"
        assert limits.lower <= price <= limits.upper, f"{price} outside {limits}"
        for odno in child.venue_order_ids:
            assert venue[str(odno)].price == price.raw_at(0)


def check_risk(
    rig: Rig,
    algorithm: ExecAlgorithm,
    max_qty: int | None = None,
    *,
    rule: str = "max_order_qty",
    others: int = 0,
) -> None:
    """Every child was checked once; the venue got exactly the children that passed (and the
    ``others`` orders the test sent itself, which passed); denials name ``rule``."""
    children = algorithm.child_orders()
    risk = rig.kernel.risk
    assert risk.checked == len(children) + others
    denied = [c for c in children if c.status is OrderStatus.DENIED]
    assert risk.denied == len(denied) == algorithm.progress().children_denied
    sent = {str(v) for c in rig.kernel.cache.orders() for v in c.venue_order_ids}
    venue = {o.odno: o for o in rig.sim.ctx.state.orders.values() if o.kind == "new"}
    assert set(venue) == sent
    assert len(sent) == len(children) - len(denied) + others
    assert len(children) - len(denied) == algorithm.progress().children_sent
    if max_qty is not None:
        assert all(o.qty <= max_qty for o in venue.values())
        assert all(c.quantity.as_decimal() > max_qty for c in denied)
    for child in denied:
        (denial,) = [e for e in child.events if isinstance(e, OrderDenied)]
        assert denial.reason.startswith(f"{rule}: ")


def _kernel_fills(rig: Rig) -> dict[str, Booked]:
    booked: dict[str, Booked] = defaultdict(lambda: _NOTHING)
    for order in rig.kernel.cache.orders():
        for event in order.events:
            if isinstance(event, OrderFilled):
                qty, amount, fee, tax = booked[str(event.venue_order_id)]
                last_qty, last_px = event.last_qty.as_decimal(), event.last_px.as_decimal()
                booked[str(event.venue_order_id)] = (
                    qty + last_qty,
                    amount + last_qty * last_px,
                    fee + event.commission.as_decimal(),
                    tax + event.tax.as_decimal(),
                )
    return dict(booked)


def _venue_fills(rig: Rig) -> dict[str, Booked]:
    booked: dict[str, Booked] = defaultdict(lambda: _NOTHING)
    for fill in rig.sim.ctx.state.fills:
        qty, amount, fee, tax = booked[fill.odno]
        booked[fill.odno] = (
            qty + fill.qty,
            amount + fill.qty * fill.price,
            fee + fill.commission,
            tax + fill.tax,
        )
    return dict(booked)


def check_books(rig: Rig, algorithm: ExecAlgorithm, *, held_before: int = 0) -> None:
    """The kernel's fills (quantity, amount, commission and tax), position and cash equal the
    simulator's, venue order by venue order; the position moved by what the children filled,
    from ``held_before``."""
    children = algorithm.child_orders()
    assert _kernel_fills(rig) == _venue_fills(rig)
    filled = sum(c.filled_qty.as_decimal() for c in children)
    assert algorithm.progress().filled_qty.as_decimal() == filled
    strategy = children[0].strategy_id if children else StrategyId(algorithm.id)
    moved = filled if algorithm.side is OrderSide.BUY else -filled
    assert rig.kernel.portfolio.position_qty(IID, strategy) == held_before + moved
    assert held_before + moved == rig.held_at_venue()
    account = rig.kernel.portfolio.account()
    assert account is not None
    assert account.balance(KRW).total.as_decimal() == rig.books.cash
    if algorithm.side is OrderSide.BUY:
        assert rig.books.cash < rig.start_cash or not filled  # fills and fees were booked
    stats = rig.kernel.execution.stats
    assert (stats.illegal_transitions, stats.unknown_orders, stats.duplicate_fills) == (0, 0, 0)


def check_progress(rig: Rig, log: list[AlgorithmProgress], final: AlgorithmStatus) -> None:
    """Reported after every change, the filled quantity never going down, ending in ``final``;
    the bus carried the same snapshots."""
    assert log, "no progress reported"
    filled = [p.filled_qty for p in log]
    assert filled == sorted(filled)
    assert len(set(filled)) > 1 or final is not AlgorithmStatus.FILLED
    assert log[-1].status is final
    rank = {AlgorithmStatus.RUNNING: 0, AlgorithmStatus.FINISHING: 1, final: 2}
    statuses = [rank[p.status] for p in log]
    assert statuses == sorted(statuses)
    mine = [m for m in rig.published if m.algorithm_id == log[0].algorithm_id]
    assert [(m.status, m.filled_qty, m.working_qty) for m in mine] == [
        (p.status, p.filled_qty, p.working_qty) for p in log
    ]


async def finish(rig: Rig, algorithm: ExecAlgorithm, within_s: float = 10) -> None:
    await eventually(lambda: algorithm.is_done, within_s=within_s)
    await rig.client.drain()


async def cancel_midway(rig: Rig, algorithm: ExecAlgorithm) -> None:
    """Once something filled and a child is working at the venue, cancel the parent."""
    await eventually(
        lambda: (
            algorithm.progress().filled_qty.is_positive()
            and algorithm.progress().working_qty.is_positive()
            and bool(rig.open_at_venue())
        ),
        within_s=8,
    )
    algorithm.cancel("test: cancel mid-way")
    await finish(rig, algorithm)
    progress = algorithm.progress()
    assert progress.status is AlgorithmStatus.CANCELED
    assert progress.working_qty.raw == 0
    assert progress.filled_qty < algorithm.quantity
    assert progress.children_canceled >= 1
    assert all(child.is_closed for child in algorithm.child_orders())
    assert rig.open_at_venue() == []
