"""Equity curves for the analytics tests: KRX-like days, exact integer won values.

A curve starts with an opening point at 09:00 KST on its first day (the starting capital) and
has a close at 15:30 KST on every weekday after that, so one daily return per day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from jts.core.time import kst_to_ns
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events import OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.values import KRW, Money, Price, Quantity

START = dt.date(2024, 1, 2)  # a Tuesday


def weekdays(count: int, start: dt.date = START) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def curve(
    opening: int, closes: Sequence[int], start: dt.date = START
) -> tuple[list[int], list[int]]:
    """(timestamps, equity): ``opening`` at 09:00 KST on day one, then one close per weekday."""
    days = weekdays(len(closes), start)
    timestamps = [kst_to_ns(start, "090000")] + [kst_to_ns(d, "153000") for d in days]
    return timestamps, [opening, *closes]


def from_basis_points(
    opening: int, moves: Sequence[int], start: dt.date = START
) -> tuple[list[int], list[int]]:
    """A curve whose day ``i`` moves by ``moves[i]`` basis points (floored to the won)."""
    closes: list[int] = []
    value = opening
    for bp in moves:
        value = value * (10_000 + bp) // 10_000
        closes.append(value)
    return curve(opening, closes, start)


def order_filled(
    side: OrderSide,
    qty: str | int,
    px: str | int,
    ts: int,
    trade_id: str,
    *,
    instrument: str = "005930.KRX",
    commission: int = 0,
) -> OrderFilled:
    """A domain fill event, as the kernel would hand it to analytics."""
    return OrderFilled(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("SMACross-001"),
        instrument_id=InstrumentId(instrument),
        client_order_id=ClientOrderId(f"O-{trade_id}"),
        account_id=AccountId("SIM-001"),
        ts_event=ts,
        ts_init=ts,
        venue_order_id=VenueOrderId(f"V-{trade_id}"),
        trade_id=TradeId(trade_id),
        order_side=side,
        order_type=OrderType.MARKET,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=KRW,
        commission=Money(commission, KRW),
        tax=Money.zero(KRW),
    )
