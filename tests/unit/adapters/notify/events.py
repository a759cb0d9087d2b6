"""Domain events as the node publishes them, for the alert tests."""

from __future__ import annotations

from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderAccepted, OrderDenied, OrderFilled, OrderRejected
from jts.domain.events_risk import KillSwitchReset, KillSwitchTripped
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.values import BTC, KRW, Currency, Money, Price, Quantity

#: 2024-01-02 09:00:01 KST
T0 = 1_704_153_601_000_000_000
TRADER = TraderId("JTS-001")
STRATEGY = StrategyId("SMA-01")
SAMSUNG = InstrumentId("005930.KRX")


def _order(client_order_id: str, instrument: InstrumentId = SAMSUNG) -> dict[str, object]:
    return {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": instrument,
        "client_order_id": ClientOrderId(client_order_id),
        "account_id": AccountId("SIM-001"),
        "ts_event": T0,
        "ts_init": T0,
    }


def filled(
    *,
    client_order_id: str = "O-1",
    trade_id: str = "T-1",
    side: OrderSide = OrderSide.BUY,
    qty: str = "10",
    px: str = "70100",
    currency: Currency = KRW,
    instrument: InstrumentId = SAMSUNG,
    commission: str = "105",
    tax: str = "0",
) -> OrderFilled:
    return OrderFilled(
        **_order(client_order_id, instrument),  # type: ignore[arg-type]
        venue_order_id=VenueOrderId("V-1"),
        trade_id=TradeId(trade_id),
        order_side=side,
        order_type=OrderType.LIMIT,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=currency,
        commission=Money(commission, currency),
        tax=Money(tax, currency),
    )


def crypto_filled() -> OrderFilled:
    return filled(
        instrument=InstrumentId("KRW-BTC.UPBIT"),
        qty="0.00123456",
        px="95000000",
        currency=KRW,
        commission="58",
        tax="0",
    )


def btc_money(text: str) -> Money:
    return Money(text, BTC)


def denied(reason: str = "max order value 10,000,000 KRW exceeded: 12,000,000 KRW") -> OrderDenied:
    return OrderDenied(**_order("O-2"), reason=reason)  # type: ignore[arg-type]


def rejected(reason: str = "APBK0919 주문가능금액 부족") -> OrderRejected:
    return OrderRejected(**_order("O-3"), reason=reason)  # type: ignore[arg-type]


def accepted() -> OrderAccepted:
    return OrderAccepted(**_order("O-4"), venue_order_id=VenueOrderId("V-4"))  # type: ignore[arg-type]


def tripped(
    reason: str = "daily loss limit 1,000,000 KRW reached", ts: int = T0
) -> KillSwitchTripped:
    return KillSwitchTripped(trader_id=TRADER, reason=reason, ts_event=ts, ts_init=ts)


def reset(ts: int = T0 + 60_000_000_000) -> KillSwitchReset:
    return KillSwitchReset(
        trader_id=TRADER, previous_reason="daily loss limit", ts_event=ts, ts_init=ts
    )
