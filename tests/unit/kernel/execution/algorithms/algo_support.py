"""Helpers for the algorithm tests: an owning strategy, a kernel on the scripted venue of
`tests/unit/kernel/conftest.py`, trade ticks, and readers of what the venue received.

`start_owner` starts a strategy with Samsung's last trade and the day's base price at 70,000
KRW (daily limits 49,000 - 91,000, tick 100).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from jts.core.clock import SimulatedClock
from jts.core.time import NANOS_PER_MINUTE
from jts.domain.accounts import Account
from jts.domain.commands import CancelOrder
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import ClientOrderId, TradeId
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import AggressorSide, TradeTick
from jts.domain.messages import Message
from jts.domain.orders import Order
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.execution.algorithms import AlgorithmProgress, ExecAlgorithm
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy
from tests.unit.kernel.conftest import ACCOUNT, SAMSUNG, T0, ScriptedVenue

MINUTE = NANOS_PER_MINUTE
_TRADE_IDS = itertools.count(1)


def trade(ts: int, price: int | str = 70000, size: int | str = 100) -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG,
        price=Price(price),
        size=Quantity(size),
        aggressor_side=AggressorSide.NO_AGGRESSOR,
        trade_id=TradeId(f"X{next(_TRADE_IDS)}"),
        ts_event=ts,
        ts_init=ts,
    )


class Owner(Strategy):
    """Starts nothing itself; records the order events of its children as the kernel routes
    them (``"<last 2 digits of the id> <event>"``)."""

    def __init__(self, strategy_id: str = "Owner-001") -> None:
        super().__init__(strategy_id=strategy_id)
        self.seen: list[str] = []

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        self.seen.append(f"{order.client_order_id[-2:]} {type(event).__name__}")


class Published:
    """A kernel publisher that keeps what it is given (not a list: an empty list is falsy,
    and the kernel would take it for no publisher)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, Message]] = []

    def __call__(self, topic: str, message: Message) -> None:
        self.messages.append((topic, message))


def build_kernel(
    clock: SimulatedClock,
    venue: ScriptedVenue,
    *,
    limits: RiskLimits | None = None,
    publish: Callable[[str, Message], None] | None = None,
    cash: int = 100_000_000,
) -> Kernel:
    kernel = Kernel(clock, ids=SequentialIdFactory("T"), risk_limits=limits, publish=publish)
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money(cash, KRW))
    kernel.add_account(account)
    kernel.add_execution_client(venue)
    return kernel


def start_owner(kernel: Kernel, price: int = 70000) -> Owner:
    owner = Owner()
    kernel.add_strategy(owner)
    kernel.start()
    kernel.risk.set_base_price(SAMSUNG, Price(price))
    kernel.process_trade_tick(trade(T0, price, 1))
    return owner


def sent(venue: ScriptedVenue) -> list[tuple[str, str | None, int]]:
    """(quantity, price or None, ts) of every child the venue received, in order."""
    return [
        (str(c.order.quantity), None if c.order.price is None else str(c.order.price), c.ts_init)
        for c in venue.submitted
    ]


def cancel_at_venue(kernel: Kernel, venue: ScriptedVenue, client_order_id: ClientOrderId) -> None:
    """The venue cancels an order on its own (an IOC rest, a session end ...)."""
    order = kernel.cache.order(client_order_id)
    assert order is not None
    venue.cancel_order(
        CancelOrder(
            trader_id=order.trader_id,
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            client_order_id=client_order_id,
            command_id="C-VENUE",
            ts_init=kernel.clock.timestamp_ns(),
        )
    )


def progress_log(algorithm: ExecAlgorithm) -> list[AlgorithmProgress]:
    log: list[AlgorithmProgress] = []
    algorithm.add_progress_listener(log.append)
    return log
