"""Domain objects for the storage contract tests: real instruments, orders built through their
events, fills and positions, with values chosen to catch inexact storage (trailing zeros,
18 decimals, 18-digit integers, 0.1 + 0.2)."""

from __future__ import annotations

import datetime as dt
from itertools import count

from jts.domain.enums import AccountType, LiquiditySide, OrderSide, OrderType, TimeInForce
from jts.domain.events_account import AccountBalance, AccountState
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderInitialized,
    OrderSubmitted,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.instruments import Instrument, krx_equity, upbit_spot
from jts.domain.orders import Order
from jts.domain.tick_rules import InstrumentKind, Market
from jts.domain.values import BTC, KRW, Currency, Money, Price, Quantity

TRADER = TraderId("JTS-001")
STRATEGY = StrategyId("SMACross-001")
OTHER_STRATEGY = StrategyId("Breakout-002")
ACCOUNT = AccountId("SIM-001")
T0 = 1_700_000_000_000_000_000

_ids = count(1)


def samsung() -> Instrument:
    return krx_equity(
        "005930",
        "Samsung Electronics",
        Market.KOSPI,
        name_ko="삼성전자",
        isin="KR7005930003",
        listing_date=dt.date(1975, 6, 11),
    )


def kodex_etf() -> Instrument:
    return krx_equity("069500", "KODEX 200", Market.KOSPI, InstrumentKind.ETF)


def btc() -> Instrument:
    return upbit_spot("KRW-BTC", name="Bitcoin", name_ko="비트코인")


def eth_btc() -> Instrument:
    """Quoted in BTC: prices and money at 8 decimals."""
    return upbit_spot("BTC-ETH")


def new_order_id() -> ClientOrderId:
    return ClientOrderId(f"O-TEST-{next(_ids):06d}")


def initialized(
    instrument: Instrument,
    *,
    order_id: ClientOrderId | None = None,
    side: OrderSide = OrderSide.BUY,
    quantity: Quantity | None = None,
    price: Price | None = None,
    strategy: StrategyId = STRATEGY,
    ts: int = T0,
) -> OrderInitialized:
    return OrderInitialized(
        trader_id=TRADER,
        strategy_id=strategy,
        instrument_id=instrument.id,
        client_order_id=order_id or new_order_id(),
        side=side,
        order_type=OrderType.LIMIT,
        quantity=quantity or Quantity(10),
        price=price or Price(70_000),
        time_in_force=TimeInForce.DAY,
        tags=("test", "한글"),
        ts_event=ts,
        ts_init=ts,
    )


def submitted(order: Order, ts: int | None = None) -> OrderSubmitted:
    stamp = order.ts_last + 1 if ts is None else ts
    return OrderSubmitted(**_ids_of(order), account_id=ACCOUNT, ts_event=stamp, ts_init=stamp)


def accepted(order: Order, venue_order_id: str = "V-1") -> OrderAccepted:
    stamp = order.ts_last + 1
    return OrderAccepted(
        **_ids_of(order),
        account_id=ACCOUNT,
        venue_order_id=VenueOrderId(venue_order_id),
        ts_event=stamp,
        ts_init=stamp,
    )


def canceled(order: Order) -> OrderCanceled:
    stamp = order.ts_last + 1
    return OrderCanceled(**_ids_of(order), account_id=ACCOUNT, ts_event=stamp, ts_init=stamp)


def filled(
    order: Order,
    qty: Quantity,
    px: Price,
    *,
    trade_id: str | None = None,
    currency: Currency = KRW,
    commission: Money | None = None,
    tax: Money | None = None,
    ts: int | None = None,
) -> OrderFilled:
    stamp = order.ts_last + 1 if ts is None else ts
    return OrderFilled(
        **_ids_of(order),
        account_id=ACCOUNT,
        venue_order_id=order.venue_order_id or VenueOrderId("V-1"),
        trade_id=TradeId(trade_id or f"T-{next(_ids)}"),
        order_side=order.side,
        order_type=order.order_type,
        last_qty=qty,
        last_px=px,
        currency=currency,
        commission=commission or Money(15, currency),
        tax=tax or Money(0, currency),
        liquidity_side=LiquiditySide.TAKER,
        ts_event=stamp,
        ts_init=stamp + 7,
    )


def working_order(instrument: Instrument, **kwargs: object) -> Order:
    """Initialized, submitted and accepted."""
    order = Order(initialized(instrument, **kwargs))  # type: ignore[arg-type]
    order.apply(submitted(order))
    order.apply(accepted(order))
    return order


def _ids_of(order: Order) -> dict[str, object]:
    return {
        "trader_id": order.trader_id,
        "strategy_id": order.strategy_id,
        "instrument_id": order.instrument_id,
        "client_order_id": order.client_order_id,
    }


def account_state(
    account_id: AccountId = ACCOUNT, *, ts: int = T0, reported: bool = True
) -> AccountState:
    krw = AccountBalance.of(
        settled=Money("123456789012345678", KRW),  # 18 digits: past a double
        unsettled=Money(-70_000, KRW),
        locked=Money(1_500, KRW),
    )
    bitcoin = AccountBalance.of(settled=Money("0.30000000", BTC), locked=Money("0.00000001", BTC))
    return AccountState(
        account_id=account_id,
        account_type=AccountType.CASH,
        balances=(krw, bitcoin),
        reported=reported,
        ts_event=ts,
        ts_init=ts + 1,
    )


def instrument_id(text: str) -> InstrumentId:
    return InstrumentId(text)
