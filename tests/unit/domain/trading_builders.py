"""Builders for orders, their events and fills, shared by the domain tests.

Each builder fills the fields a test does not care about with fixed, valid values, so a test
states only what it is about.
"""

from __future__ import annotations

from typing import Any, TypeVar

from jts.domain.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from jts.domain.events import OrderEvent, OrderFilled, OrderInitialized
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.orders import Order
from jts.domain.values import KRW, Currency, Money, Price, Quantity

TRADER = TraderId("JTS-001")
STRATEGY = StrategyId("SMACross-001")
INSTRUMENT = InstrumentId("005930.KRX")
ACCOUNT = AccountId("KIS-12345678-01")
ORDER_ID = ClientOrderId("O-0001")

E = TypeVar("E", bound=OrderEvent)


def init_event(**overrides: Any) -> OrderInitialized:
    """A LIMIT BUY of 100 shares of 005930 at 70,000 KRW unless overridden."""
    fields: dict[str, Any] = {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": INSTRUMENT,
        "client_order_id": ORDER_ID,
        "side": OrderSide.BUY,
        "order_type": OrderType.LIMIT,
        "quantity": Quantity("100"),
        "price": Price("70000"),
        "time_in_force": TimeInForce.DAY,
        "ts_event": 1_000,
        "ts_init": 1_000,
    }
    fields.update(overrides)
    return OrderInitialized(**fields)


def make_order(**overrides: Any) -> Order:
    return Order(init_event(**overrides))


def event(cls: type[E], order: Order, **fields: Any) -> E:
    """An event of ``cls`` for ``order``; the account defaults to `ACCOUNT`."""
    base: dict[str, Any] = {
        "trader_id": order.trader_id,
        "strategy_id": order.strategy_id,
        "instrument_id": order.instrument_id,
        "client_order_id": order.client_order_id,
        "account_id": ACCOUNT,
        "ts_event": 2_000,
        "ts_init": 2_000,
    }
    base.update(fields)
    return cls(**base)


def fill(
    order: Order,
    qty: str | int,
    px: str | int,
    trade_id: str = "T-1",
    *,
    commission: Money | None = None,
    tax: Money | None = None,
    currency: Currency = KRW,
    **fields: Any,
) -> OrderFilled:
    base: dict[str, Any] = {
        "venue_order_id": order.venue_order_id or VenueOrderId("V-1"),
        "trade_id": TradeId(trade_id),
        "order_side": order.side,
        "order_type": order.order_type,
        "last_qty": Quantity(qty),
        "last_px": Price(px),
        "currency": currency,
        "commission": commission if commission is not None else Money.zero(currency),
        "tax": tax if tax is not None else Money.zero(currency),
        "liquidity_side": LiquiditySide.TAKER,
    }
    base.update(fields)
    return event(OrderFilled, order, **base)


def standalone_fill(
    side: OrderSide,
    qty: str | int,
    px: str | int,
    trade_id: str,
    *,
    order_id: str = "O-0001",
    ts: int = 2_000,
    commission: Money | None = None,
    tax: Money | None = None,
    currency: Currency = KRW,
    instrument: InstrumentId = INSTRUMENT,
) -> OrderFilled:
    """A fill without an `Order` (for positions and accounts)."""
    return OrderFilled(
        trader_id=TRADER,
        strategy_id=STRATEGY,
        instrument_id=instrument,
        client_order_id=ClientOrderId(order_id),
        account_id=ACCOUNT,
        ts_event=ts,
        ts_init=ts,
        venue_order_id=VenueOrderId("V-1"),
        trade_id=TradeId(trade_id),
        order_side=side,
        order_type=OrderType.LIMIT,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=currency,
        commission=commission if commission is not None else Money.zero(currency),
        tax=tax if tax is not None else Money.zero(currency),
    )
