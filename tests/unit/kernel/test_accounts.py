"""One kernel, two accounts: orders are routed before the risk check, positions are kept per
account, a sell goes to the account holding the shares, and each account's limits apply."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from jts.core.clock import SimulatedClock
from jts.domain.accounts import Account
from jts.domain.enums import OrderStatus
from jts.domain.identifiers import AccountId, TradeId
from jts.domain.values import KRW, Money
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy

from .conftest import ACCOUNT, SAMSUNG, ScriptedVenue, build_kernel, make_bar

OTHER = AccountId("SIM-002")


class Measured(ScriptedVenue):
    """A venue whose rate-limit headroom the test sets."""

    def __init__(self, clock: SimulatedClock, account_id: AccountId, capacity: float) -> None:
        super().__init__(clock, account_id)
        self.capacity = capacity

    def available_capacity(self) -> float:
        return self.capacity


class Trader(Strategy):
    pass


@pytest.fixture
def two(clock: SimulatedClock) -> tuple[Kernel, Measured, Measured, Trader]:
    first, second = Measured(clock, ACCOUNT, 0.9), Measured(clock, OTHER, 0.1)
    kernel = build_kernel(
        clock, first, account_limits={OTHER: RiskLimits(max_order_qty=Decimal(5))}
    )
    account = Account(OTHER)
    account.deposit(Money("10000000", KRW))
    kernel.add_account(account)
    kernel.add_execution_client(second)
    kernel.execution.router.add_route([ACCOUNT, OTHER], instrument_id=SAMSUNG)
    strategy = Trader()
    kernel.add_strategy(strategy)
    kernel.start()
    kernel.process_bar(make_bar(0, "70000", "70100", "69900", "70000"))
    return kernel, first, second, strategy


def _fill_last(kernel: Kernel, venue: ScriptedVenue, qty: str) -> None:
    order = kernel.cache.orders()[-1]
    venue.fill(order.client_order_id, qty, "70000")


def test_positions_are_kept_per_account(two: tuple[Kernel, Measured, Measured, Trader]) -> None:
    kernel, first, second, strategy = two
    strategy.buy(SAMSUNG, 3)
    assert first.submitted
    assert not second.submitted
    _fill_last(kernel, first, "3")
    first.capacity, second.capacity = 0.1, 0.9
    strategy.buy(SAMSUNG, 2)
    assert len(second.submitted) == 1
    _fill_last(kernel, second, "2")
    portfolio = kernel.portfolio
    assert portfolio.position_qty(SAMSUNG, strategy.id, ACCOUNT) == 3
    assert portfolio.position_qty(SAMSUNG, strategy.id, OTHER) == 2
    assert portfolio.position_qty(SAMSUNG, strategy.id) == 5  # the strategy's, all accounts
    assert strategy.position_qty(SAMSUNG) == 5
    assert portfolio.net_qty(SAMSUNG, OTHER) == 2
    held = portfolio.positions_of(SAMSUNG, strategy.id)
    assert {p.account_id for p in held} == {ACCOUNT, OTHER}
    assert len({p.position_id for p in held}) == 2
    # each account paid for its own shares
    cash = {a.account_id: a.total(KRW) for a in portfolio.accounts()}
    assert cash[ACCOUNT] == Money(10_000_000 - 3 * 70_000, KRW)
    assert cash[OTHER] == Money(10_000_000 - 2 * 70_000, KRW)
    # marked at the last price (70,000): each account's equity is its own cash and shares
    assert portfolio.equity(ACCOUNT) == Money(10_000_000, KRW)
    assert portfolio.equity(OTHER) == Money(10_000_000, KRW)
    assert portfolio.market_value(OTHER) == Money(2 * 70_000, KRW)
    assert portfolio.equity() == Money(20_000_000, KRW)


def test_a_sell_goes_to_the_account_that_holds_the_shares(
    two: tuple[Kernel, Measured, Measured, Trader],
) -> None:
    kernel, first, second, strategy = two
    strategy.buy(SAMSUNG, 3)
    _fill_last(kernel, first, "3")
    first.capacity, second.capacity = 0.1, 0.9  # the other account has more headroom
    strategy.sell(SAMSUNG, 3)
    assert len(first.submitted) == 2
    assert not second.submitted
    assert kernel.cache.orders()[-1].status is OrderStatus.ACCEPTED


def test_a_sell_from_an_account_without_the_shares_is_denied(
    two: tuple[Kernel, Measured, Measured, Trader],
) -> None:
    kernel, first, _second, strategy = two
    strategy.buy(SAMSUNG, 3)
    _fill_last(kernel, first, "3")
    strategy.account_id = OTHER  # the strategy pins its orders to the empty account
    strategy.sell(SAMSUNG, 1)
    order = kernel.cache.orders()[-1]
    assert order.status is OrderStatus.DENIED
    assert "no_short" in order.events[-1].reason  # type: ignore[attr-defined]


def test_a_buy_goes_to_an_account_with_the_cash(
    two: tuple[Kernel, Measured, Measured, Trader],
) -> None:
    kernel, first, second, strategy = two
    first.capacity, second.capacity = 0.1, 0.9
    strategy.buy(SAMSUNG, 2)
    _fill_last(kernel, second, "2")
    account = next(a for a in kernel.portfolio.accounts() if a.account_id == OTHER)
    account.withdraw(Money("9000000", KRW))  # 860,000 won left there
    strategy.buy(SAMSUNG, 2, "70000")  # 140,000: both can pay, the headroom decides
    assert len(second.submitted) == 2
    strategy.buy(SAMSUNG, 13, "70000")  # 910,000: only the first account has it
    assert len(first.submitted) == 1
    assert kernel.cache.orders()[-1].status is OrderStatus.ACCEPTED


def test_the_routed_accounts_limits_apply(two: tuple[Kernel, Measured, Measured, Trader]) -> None:
    kernel, first, second, strategy = two
    first.capacity, second.capacity = 0.1, 0.9  # routed to OTHER: at most 5 per order there
    strategy.buy(SAMSUNG, 6)
    order = kernel.cache.orders()[-1]
    assert order.status is OrderStatus.DENIED
    assert "max_order_qty" in order.events[-1].reason  # type: ignore[attr-defined]
    first.capacity, second.capacity = 0.9, 0.1
    strategy.buy(SAMSUNG, 6)  # the first account has no such limit
    assert kernel.cache.orders()[-1].status is OrderStatus.ACCEPTED


def test_an_order_with_no_route_is_denied_with_the_reason(clock: SimulatedClock) -> None:
    kernel = build_kernel(clock, ScriptedVenue(clock))
    strategy = Trader()
    kernel.add_strategy(strategy)
    kernel.start()
    strategy.account_id = AccountId("SIM-404")
    strategy.buy(SAMSUNG, 1)
    order = kernel.cache.orders()[-1]
    assert order.status is OrderStatus.DENIED
    assert "routing: no execution client for account SIM-404" in order.events[-1].reason  # type: ignore[attr-defined]


def test_what_names_no_account_counts_in_the_default_account_alone(
    two: tuple[Kernel, Measured, Measured, Trader],
) -> None:
    """`Portfolio.holder`: one rule for every per-account figure (the risk check's position
    and exposure, the books), so a fill naming no account is never counted in two accounts."""
    kernel, first, _second, strategy = two
    strategy.buy(SAMSUNG, 2)
    order = kernel.cache.orders()[-1]
    booked = first.fill(order.client_order_id, "1", "70000")
    stray = msgspec.structs.replace(booked, account_id=None, trade_id=TradeId("T-stray"))
    portfolio = kernel.portfolio
    portfolio.apply_fill(stray)
    sid = strategy.id
    assert portfolio.holder(None) == ACCOUNT
    assert portfolio.holder(OTHER) == OTHER
    assert portfolio.position_qty(SAMSUNG, sid, ACCOUNT) == 2
    assert portfolio.position_qty(SAMSUNG, sid, OTHER) == 0
    assert portfolio.position_qty(SAMSUNG, sid) == 2
    assert portfolio.net_qty(SAMSUNG, ACCOUNT) == 2
    assert portfolio.net_qty(SAMSUNG, OTHER) == 0
    assert sum(v for _, v in portfolio.position_values(ACCOUNT)) == Decimal(140_000)
    assert portfolio.position_values(OTHER) == []
    assert portfolio.market_value(ACCOUNT) == Money("140000", KRW)
    assert portfolio.market_value(OTHER) == Money("0", KRW)
    assert portfolio.market_value() == Money("140000", KRW)
