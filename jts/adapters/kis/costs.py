"""What a fill costs: KIS execution notices carry no commission or tax, so the adapter computes
them from the account's schedule when it turns a notice into an `OrderFilled`.

The default is KIS's online schedule and the KRX securities transaction tax from
`jts.domain.fees`; the market and kind of a symbol (KOSPI stock unless told otherwise) and the
settlement date (T+2 weekdays unless a calendar says better) are injectable, since the adapter
itself has no instrument table or calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from jts.domain.enums import OrderSide
from jts.domain.fees import KrxCommission, KrxSellTax
from jts.domain.identifiers import InstrumentId
from jts.domain.tick_rules import InstrumentKind, Market
from jts.domain.values import KRW, Money, Price, Quantity, Rounding, notional

__all__ = ["FillCosts", "KrxFillCosts", "weekday_settlement"]


class FillCosts(Protocol):
    def __call__(
        self,
        side: OrderSide,
        price: Price,
        quantity: Quantity,
        instrument_id: InstrumentId,
        trade_date: dt.date,
    ) -> tuple[Money, Money]:
        """(commission, tax) of one fill, in KRW."""
        ...


def weekday_settlement(trade_date: dt.date, days: int = 2) -> dt.date:
    """``days`` weekdays after the trade date; holidays need a real calendar."""
    current = trade_date
    left = days
    while left:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def _kospi_stock(instrument_id: InstrumentId) -> tuple[Market, InstrumentKind]:
    return Market.KOSPI, InstrumentKind.STOCK


@dataclass(frozen=True, slots=True)
class KrxFillCosts:
    commission: KrxCommission = field(default_factory=KrxCommission)
    tax: KrxSellTax = field(default_factory=KrxSellTax)
    classify: Callable[[InstrumentId], tuple[Market, InstrumentKind]] = _kospi_stock
    settlement: Callable[[dt.date], dt.date] = weekday_settlement

    def __call__(
        self,
        side: OrderSide,
        price: Price,
        quantity: Quantity,
        instrument_id: InstrumentId,
        trade_date: dt.date,
    ) -> tuple[Money, Money]:
        value = notional(price, quantity, KRW, Rounding.DOWN)
        market, kind = self.classify(instrument_id)
        fee = self.commission.commission(value, kind)
        tax = self.tax.tax(side, value, market, kind, self.settlement(trade_date))
        return fee, tax
