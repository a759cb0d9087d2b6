"""The risk engine runs only the rules that can deny under an order's limits and builds only
the context they read; its answer is always the one every rule on a full context gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.clock import SimulatedClock
from jts.core.time import NANOS_PER_SECOND, kst_date, kst_to_ns
from jts.domain.accounts import Account
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    StrategyId,
    TraderId,
)
from jts.domain.instruments import AssetClass, Market, krx_equity
from jts.domain.market_data import Bar, BarType
from jts.domain.orders import Order
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.cache import Cache
from jts.kernel.portfolio.portfolio import Portfolio
from jts.kernel.risk.engine import RiskEngine
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.risk.rules import DEFAULT_RULES, Denial, Rule, RuleContext, trading_hours
from jts.kernel.risk.rules import buying_power as buying_power_rule
from tests.unit.domain.trading_builders import standalone_fill

SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
ACCOUNT = AccountId("SIM-001")
STRATEGY = StrategyId("S-001")
T0 = kst_to_ns(dt.date(2024, 3, 4), "100000")


def _order(n: int, side: OrderSide, qty: int, price: int | None) -> OrderInitialized:
    return OrderInitialized(
        trader_id=TraderId("T-001"),
        strategy_id=STRATEGY,
        instrument_id=SAMSUNG.id,
        client_order_id=ClientOrderId(f"O-{n}"),
        side=side,
        order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
        quantity=Quantity(qty),
        price=None if price is None else Price(price),
        ts_event=T0,
        ts_init=T0,
    )


def _full_check(engine: RiskEngine, cache: Cache, portfolio: Portfolio, order: OrderInitialized,
                rules: tuple[Rule, ...]) -> Denial | None:  # fmt: skip
    """Every rule on a context with every field computed: the engine as it was written first."""
    now = T0
    limits = engine.limits_for(order.strategy_id, ACCOUNT)
    pending = Decimal(0)
    for other in cache.open_orders():
        if (
            other.instrument_id == order.instrument_id
            and other.strategy_id == order.strategy_id
            and other.account_id in (None, ACCOUNT)
        ):
            leaves = other.leaves_qty.as_decimal()
            pending += leaves if other.side is OrderSide.BUY else -leaves
    base = (
        engine.base_price(order.instrument_id) if SAMSUNG.asset_class is AssetClass.EQUITY else None
    )
    ctx = RuleContext(
        order=order,
        instrument=SAMSUNG,
        limits=limits,
        trading_date=kst_date(now),
        last_price=cache.last_price(order.instrument_id),
        base_price=base,
        position_qty=portfolio.position_qty(order.instrument_id, order.strategy_id, ACCOUNT),
        open_orders=len(cache.open_orders()),
        pending_qty=pending,
        position_values=portfolio.position_values(ACCOUNT),
        free_cash=portfolio.free_cash(ACCOUNT, order.instrument_id),
        orders_last_second=0,
        in_trading_hours=None,
    )
    for rule in rules:
        denial = rule(ctx)
        if denial is not None:
            return denial
    return None


def _bar(close: int) -> Bar:
    price = Price(close)
    return Bar(
        bar_type=BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL"),
        open=price,
        high=price,
        low=price,
        close=price,
        volume=Quantity(100),
        ts_event=T0,
        ts_init=T0,
    )


limits_strategy = st.builds(
    RiskLimits,
    max_order_qty=st.none() | st.integers(1, 50).map(Decimal),
    max_order_value=st.none() | st.integers(100_000, 3_000_000).map(Decimal),
    max_position_qty=st.none() | st.integers(1, 80).map(Decimal),
    max_gross_exposure=st.none() | st.integers(500_000, 5_000_000).map(Decimal),
    max_net_exposure=st.none() | st.integers(500_000, 5_000_000).map(Decimal),
    max_open_orders=st.none() | st.integers(1, 5),
    price_band=st.none() | st.sampled_from([Decimal("0.01"), Decimal("0.05")]),
    check_ticks=st.booleans(),
    check_daily_limits=st.booleans(),
    check_buying_power=st.booleans(),
    allow_short=st.booleans(),
)
orders_strategy = st.lists(
    st.tuples(
        st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
        st.integers(1, 60),
        st.none() | st.sampled_from([60_000, 69_950, 70_000, 70_100, 75_000, 95_000]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(limits_strategy, orders_strategy, st.integers(0, 40), st.booleans(), st.integers(3, 80))
def test_the_lean_check_answers_as_every_rule_on_a_full_context(
    limits: RiskLimits,
    orders: list[tuple[OrderSide, int, int | None]],
    held: int,
    base: bool,
    cash_lots: int,
) -> None:
    clock = SimulatedClock(T0)
    cache = Cache()
    cache.add_instrument(SAMSUNG)
    portfolio = Portfolio(cache, TraderId("T-001"))
    account = Account(ACCOUNT)
    account.deposit(Money(cash_lots * 100_000, KRW))
    portfolio.add_account(account, default=True)
    engine = RiskEngine(clock, cache, portfolio, limits)
    cache.update_bar(_bar(70_000))  # the last price: market orders are valued at it
    if base:
        engine.set_base_price(SAMSUNG.id, Price(70_000))
    if held:  # a position of this strategy, booked as a fill would
        fill = standalone_fill(OrderSide.BUY, held, 70000, "T-0", instrument=SAMSUNG.id)
        portfolio.apply_fill(
            msgspec.structs.replace(fill, strategy_id=STRATEGY, account_id=ACCOUNT)
        )
        assert portfolio.position_values(ACCOUNT)  # held and marked
    for n, (side, qty, price) in enumerate(orders):
        order = _order(n, side, qty, price)
        expected = _full_check(engine, cache, portfolio, order, DEFAULT_RULES)
        assert engine.check(order, ACCOUNT) == expected
        cache.add_order(Order(order))  # left open: later orders see it pending
        clock.set_time(clock.timestamp_ns() + NANOS_PER_SECOND)  # keep the rate window empty


def test_rules_switched_off_are_not_run_and_custom_rules_always_are() -> None:
    clock = SimulatedClock(T0)
    cache = Cache()
    cache.add_instrument(SAMSUNG)
    portfolio = Portfolio(cache, TraderId("T-001"))
    seen: list[RuleContext] = []

    def custom(ctx: RuleContext) -> Denial | None:
        seen.append(ctx)
        return None

    off = RiskLimits(check_buying_power=False)
    engine = RiskEngine(clock, cache, portfolio, off, rules=(*DEFAULT_RULES, custom))
    assert engine.check(_order(1, OrderSide.BUY, 1, None), ACCOUNT) is None
    (ctx,) = seen
    assert ctx.free_cash is None  # no account: unknown, but asked for (a custom rule runs)
    plan = engine._plans[STRATEGY, ACCOUNT]
    assert buying_power_rule not in plan.rules
    assert trading_hours not in plan.rules
    assert custom in plan.rules
    assert plan.full
    lean = RiskEngine(clock, cache, portfolio, off)
    assert lean.check(_order(2, OrderSide.BUY, 1, None), ACCOUNT) is None
    assert not lean._plans[STRATEGY, ACCOUNT].full  # only known rules: nothing extra built


def test_a_custom_rule_sees_every_field_the_lean_plan_leaves_out() -> None:
    clock = SimulatedClock(T0)
    cache = Cache()
    cache.add_instrument(SAMSUNG)
    cache.add_order(Order(_order(0, OrderSide.BUY, 1, 70_000)))  # open: counted
    portfolio = Portfolio(cache, TraderId("T-001"))
    seen: list[RuleContext] = []

    def custom(ctx: RuleContext) -> Denial | None:
        seen.append(ctx)
        return None

    engine = RiskEngine(clock, cache, portfolio, RiskLimits(), rules=(*DEFAULT_RULES, custom))
    assert engine.check(_order(1, OrderSide.BUY, 1, 70_000), ACCOUNT) is None
    (ctx,) = seen
    assert ctx.open_orders == 1
    assert ctx.pending_qty == 1
    assert type(ctx) is RuleContext
    assert len(ctx) == len(RuleContext._fields)  # every field, filled by position
