"""The equity curve: `mark` is `on_price` then `record`, to the won."""

from __future__ import annotations

from jts.backtest.equity import EquityTracker
from jts.domain.accounts import Account
from jts.domain.enums import OrderSide
from jts.domain.identifiers import AccountId, InstrumentId, TraderId
from jts.domain.instruments import Market, krx_equity
from jts.domain.values import KRW, Money, Price
from jts.kernel.cache import Cache
from jts.kernel.portfolio.portfolio import Portfolio
from tests.unit.domain.trading_builders import standalone_fill

SAMSUNG = InstrumentId("005930.KRX")


def _tracker() -> tuple[EquityTracker, Portfolio]:
    cache = Cache()
    cache.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    portfolio = Portfolio(cache, TraderId("T-001"))
    account = Account(AccountId("KIS-12345678-01"))
    account.deposit(Money(10_000_000, KRW))
    portfolio.add_account(account, default=True)
    return EquityTracker(portfolio, KRW), portfolio


def test_mark_records_what_on_price_and_record_record() -> None:
    steps: list[tuple[int, int, tuple[OrderSide, int] | None]] = [
        (1, 70_000, None),
        (2, 70_100, (OrderSide.BUY, 10)),
        (3, 70_100, None),  # an unchanged price
        (3, 70_300, None),  # the same instant again: the point is replaced
        (4, 69_900, (OrderSide.SELL, 4)),
        (5, 69_900, (OrderSide.SELL, 6)),
        (6, 71_000, None),
    ]
    curves = []
    for use_mark in (True, False):
        tracker, portfolio = _tracker()
        for n, (ts, px, trade) in enumerate(steps):
            price = Price(px)
            if trade is not None:
                side, qty = trade
                fill = standalone_fill(side, qty, px, f"T-{n}", ts=ts)
                portfolio.apply_fill(fill)
                tracker.on_order_event(None, fill)  # type: ignore[arg-type]
            if use_mark:
                tracker.mark(SAMSUNG, price, ts)
            else:
                tracker.on_price(SAMSUNG, price)
                tracker.record(ts)
        tracker.check()
        timestamps, values = tracker.arrays()
        curves.append((timestamps.tolist(), values.tolist()))
    assert curves[0] == curves[1]
    assert curves[0][0] == [1, 2, 3, 4, 5, 6]
    assert curves[0][1][2] == 10_000_000 + 10 * (70_300 - 70_100)
