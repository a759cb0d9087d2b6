"""`OrderFilled` <-> a row of ``fills``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jts.domain.enums import LiquiditySide, OrderSide, OrderType
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.storage.mappers.exact import (
    currency_of,
    fixed_to_db,
    money_from_db,
    money_to_db,
    price_from_db,
    quantity_from_db,
)


def fill_to_row(fill: OrderFilled) -> dict[str, Any]:
    return {
        "client_order_id": str(fill.client_order_id),
        "trade_id": str(fill.trade_id),
        "venue": str(fill.instrument_id.venue),
        "venue_order_id": str(fill.venue_order_id),
        "trader_id": str(fill.trader_id),
        "strategy_id": str(fill.strategy_id),
        "instrument_id": str(fill.instrument_id),
        "account_id": None if fill.account_id is None else str(fill.account_id),
        "position_id": None if fill.position_id is None else str(fill.position_id),
        "order_side": fill.order_side.value,
        "order_type": fill.order_type.value,
        "last_qty": fixed_to_db(fill.last_qty),
        "last_px": fixed_to_db(fill.last_px),
        "currency": fill.currency.code,
        "commission": money_to_db(fill.commission),
        "commission_currency": fill.commission.currency.code,
        "tax": money_to_db(fill.tax),
        "tax_currency": fill.tax.currency.code,
        "liquidity_side": fill.liquidity_side.value,
        "ts_event": fill.ts_event,
        "ts_init": fill.ts_init,
    }


def fill_from_row(row: Mapping[Any, Any]) -> OrderFilled:
    account_id, position_id = row["account_id"], row["position_id"]
    return OrderFilled(
        trader_id=TraderId(row["trader_id"]),
        strategy_id=StrategyId(row["strategy_id"]),
        instrument_id=InstrumentId(row["instrument_id"]),
        client_order_id=ClientOrderId(row["client_order_id"]),
        account_id=None if account_id is None else AccountId(account_id),
        venue_order_id=VenueOrderId(row["venue_order_id"]),
        trade_id=TradeId(row["trade_id"]),
        order_side=OrderSide(row["order_side"]),
        order_type=OrderType(row["order_type"]),
        last_qty=quantity_from_db(row["last_qty"]),
        last_px=price_from_db(row["last_px"]),
        currency=currency_of(row["currency"]),
        commission=money_from_db(row["commission"], row["commission_currency"]),
        tax=money_from_db(row["tax"], row["tax_currency"]),
        liquidity_side=LiquiditySide(row["liquidity_side"]),
        position_id=None if position_id is None else PositionId(position_id),
        ts_event=row["ts_event"],
        ts_init=row["ts_init"],
    )
