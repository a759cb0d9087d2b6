"""A kernel on a simulated clock with one KRX account and a scriptable venue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from jts.core.clock import SimulatedClock
from jts.core.time import kst_to_ns
from jts.domain.accounts import Account
from jts.domain.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import LiquiditySide
from jts.domain.events_order import OrderAccepted, OrderCanceled, OrderFilled, OrderUpdated
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import Bar, BarType
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.ports.execution import ExecutionEventSink

SAMSUNG = InstrumentId("005930.KRX")
ACCOUNT = AccountId("SIM-001")
DAY = dt.date(2024, 3, 4)
T0 = kst_to_ns(DAY, "090000")
BAR_TYPE = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")


class ScriptedVenue:
    """Accepts every order at once; fills only when the test says so."""

    def __init__(self, clock: SimulatedClock, account_id: AccountId = ACCOUNT) -> None:
        self._clock = clock
        self._account_id = account_id
        self._sink: ExecutionEventSink | None = None
        self.submitted: list[SubmitOrder] = []
        self.modified: list[ModifyOrder] = []
        self.canceled: list[CancelOrder] = []
        self.auto_accept = True
        self._trades = 0

    @property
    def venue(self) -> Venue:
        return Venue("KRX")

    @property
    def account_id(self) -> AccountId:
        return self._account_id

    def bind(self, sink: ExecutionEventSink) -> None:
        self._sink = sink

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    def emit(self, event: object) -> None:
        assert self._sink is not None
        self._sink(event)  # type: ignore[arg-type]

    def _ids(self, client_order_id: ClientOrderId) -> dict[str, object]:
        order = next(c.order for c in self.submitted if c.order.client_order_id == client_order_id)
        now = self._clock.timestamp_ns()
        return {
            "trader_id": order.trader_id,
            "strategy_id": order.strategy_id,
            "instrument_id": order.instrument_id,
            "client_order_id": order.client_order_id,
            "account_id": self.account_id,
            "ts_event": now,
            "ts_init": now,
        }

    def submit_order(self, command: SubmitOrder) -> None:
        self.submitted.append(command)
        if self.auto_accept:
            self.accept(command.order.client_order_id)

    def accept(self, client_order_id: ClientOrderId) -> None:
        self.emit(
            OrderAccepted(
                venue_order_id=VenueOrderId(f"V-{client_order_id}"),
                **self._ids(client_order_id),  # type: ignore[arg-type]
            )
        )

    def fill(
        self,
        client_order_id: ClientOrderId,
        qty: str,
        px: str,
        *,
        trade_id: str | None = None,
        commission: str = "0",
        tax: str = "0",
    ) -> OrderFilled:
        order = next(c.order for c in self.submitted if c.order.client_order_id == client_order_id)
        self._trades += 1
        event = OrderFilled(
            venue_order_id=VenueOrderId(f"V-{client_order_id}"),
            trade_id=TradeId(trade_id or f"T-{self._trades}"),
            order_side=order.side,
            order_type=order.order_type,
            last_qty=Quantity(qty),
            last_px=Price(px),
            currency=KRW,
            commission=Money(commission, KRW),
            tax=Money(tax, KRW),
            liquidity_side=LiquiditySide.TAKER,
            **self._ids(client_order_id),  # type: ignore[arg-type]
        )
        self.emit(event)
        return event

    def modify_order(self, command: ModifyOrder) -> None:
        self.modified.append(command)
        order = next(
            c.order for c in self.submitted if c.order.client_order_id == command.client_order_id
        )
        self.emit(
            OrderUpdated(
                quantity=command.quantity or order.quantity,
                price=command.price or order.price,
                venue_order_id=VenueOrderId(f"V-{command.client_order_id}"),
                **self._ids(command.client_order_id),  # type: ignore[arg-type]
            )
        )

    def cancel_order(self, command: CancelOrder) -> None:
        self.canceled.append(command)
        self.emit(
            OrderCanceled(
                venue_order_id=VenueOrderId(f"V-{command.client_order_id}"),
                **self._ids(command.client_order_id),  # type: ignore[arg-type]
            )
        )

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        raise AssertionError("the OMS cancels one by one")

    async def order_status_reports(self, **_: object) -> Sequence[OrderStatusReport]:
        return []

    async def fill_reports(self, **_: object) -> Sequence[FillReport]:
        return []

    async def position_reports(self) -> Sequence[PositionReport]:
        return []


def make_bar(minute: int, o: str, h: str, l: str, c: str, v: str = "1000") -> Bar:  # noqa: E741
    ts = T0 + (minute + 1) * 60_000_000_000
    return Bar(
        bar_type=BAR_TYPE,
        open=Price(o),
        high=Price(h),
        low=Price(l),
        close=Price(c),
        volume=Quantity(v),
        ts_event=ts,
        ts_init=ts,
    )


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(start_ns=T0)


@pytest.fixture
def venue(clock: SimulatedClock) -> ScriptedVenue:
    return ScriptedVenue(clock)


@pytest.fixture
def kernel(clock: SimulatedClock, venue: ScriptedVenue) -> Kernel:
    return build_kernel(clock, venue)


def build_kernel(clock: SimulatedClock, venue: ScriptedVenue, **options: Any) -> Kernel:
    """Samsung, one account with 10,000,000 won, ``venue``; ``options`` go to `Kernel`."""
    kernel = Kernel(clock, ids=SequentialIdFactory("T"), **options)
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money("10000000", KRW))
    kernel.add_account(account)
    kernel.add_execution_client(venue)
    return kernel


__all__ = [
    "ACCOUNT",
    "BAR_TYPE",
    "DAY",
    "SAMSUNG",
    "T0",
    "Decimal",
    "ScriptedVenue",
    "build_kernel",
    "make_bar",
]
