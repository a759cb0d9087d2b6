from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jts.adapters.kis.costs import KrxFillCosts, weekday_settlement
from jts.domain.enums import OrderSide
from jts.domain.fees import KrxCommission
from jts.domain.identifiers import InstrumentId
from jts.domain.tick_rules import InstrumentKind, Market
from jts.domain.values import KRW, Money, Price, Quantity

IID = InstrumentId("005930.KRX")


def test_settlement_skips_weekends():
    assert weekday_settlement(dt.date(2026, 3, 2)) == dt.date(2026, 3, 4)  # Mon -> Wed
    assert weekday_settlement(dt.date(2026, 3, 5)) == dt.date(2026, 3, 9)  # Thu -> Mon


def test_buys_pay_commission_only_and_sells_pay_tax():
    costs = KrxFillCosts(commission=KrxCommission.flat(Decimal("0.001")))
    fee, tax = costs(OrderSide.BUY, Price(70000), Quantity(10), IID, dt.date(2026, 3, 2))
    assert fee == Money(700, KRW)
    assert tax == Money(0, KRW)
    fee, tax = costs(OrderSide.SELL, Price(70000), Quantity(10), IID, dt.date(2026, 3, 2))
    assert fee == Money(700, KRW)
    assert tax.raw > 0


def test_exempt_kinds_come_from_the_classifier():
    costs = KrxFillCosts(classify=lambda iid: (Market.KOSPI, InstrumentKind.ETF))
    _, tax = costs(OrderSide.SELL, Price(35000), Quantity(10), IID, dt.date(2026, 3, 2))
    assert tax == Money(0, KRW)
