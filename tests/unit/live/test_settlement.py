"""Live settlement: KRX fills settle two XKRX sessions later (a fill on a non-session day
counts from the next session), crypto at once; a calendar that cannot answer settles at once.
The opening account takes the venue's total and splits off the journal's unsettled fills."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.backtest.calendar_cache import cached_xkrx_calendar
from jts.core.time import kst_to_ns
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.instruments import Market, krx_equity, upbit_spot
from jts.domain.values import KRW, Money, Price, Quantity
from jts.live.settlement import KrxSettlement, opening_account

SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
ACC = AccountId("KIS-12345678-01")
TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def policy() -> KrxSettlement:
    return KrxSettlement(cached_xkrx_calendar())


@pytest.mark.parametrize(
    ("traded", "settles"),
    [
        (TUESDAY, dt.date(2026, 11, 26)),
        (dt.date(2026, 11, 27), dt.date(2026, 12, 1)),  # Friday: over the weekend
        (dt.date(2026, 11, 28), dt.date(2026, 12, 2)),  # Saturday: as if traded on Monday
    ],
)
def test_krx_fills_settle_two_sessions_later(
    policy: KrxSettlement, traded: dt.date, settles: dt.date
) -> None:
    assert policy(SAMSUNG, kst_to_ns(traded, "100000")) == settles


def test_crypto_settles_at_once(policy: KrxSettlement) -> None:
    assert policy(upbit_spot("KRW-BTC"), kst_to_ns(TUESDAY, "100000")) is None


def test_a_date_beyond_the_calendar_settles_at_once_rather_than_lose_the_fill(
    policy: KrxSettlement, caplog: pytest.LogCaptureFixture
) -> None:
    assert policy(SAMSUNG, kst_to_ns(dt.date(2051, 3, 2), "100000")) is None
    assert "no settlement date" in caplog.text


def _fill(side: OrderSide, qty: int, px: int, day: dt.date, trade: str) -> OrderFilled:
    ts = kst_to_ns(day, "100000")
    return OrderFilled(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId(f"O-{trade}"),
        account_id=ACC,
        venue_order_id=VenueOrderId(trade),
        trade_id=TradeId(trade),
        order_side=side,
        order_type=OrderType.MARKET,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=KRW,
        commission=Money(100, KRW),
        tax=Money(0, KRW),
        ts_event=ts,
        ts_init=ts,
    )


def test_the_opening_account_splits_the_venue_total_by_the_journals_unsettled_fills(
    policy: KrxSettlement,
) -> None:
    settled_long_ago = _fill(OrderSide.BUY, 10, 70_000, dt.date(2026, 11, 18), "1")
    bought_yesterday = _fill(OrderSide.BUY, 2, 70_000, dt.date(2026, 11, 23), "2")
    sold_today = _fill(OrderSide.SELL, 5, 72_000, TUESDAY, "3")
    fills = [settled_long_ago, bought_yesterday, sold_today]
    account = opening_account(
        ACC,
        Money(10_000_000, KRW),
        fills,
        lambda f: policy(SAMSUNG, f.ts_event),
        TUESDAY,
    )
    books = account.balance(KRW)
    assert books.total == Money(10_000_000, KRW)
    assert account.unsettled_by_date(KRW) == {
        dt.date(2026, 11, 25): Money(-140_100, KRW),  # the payment for yesterday's buy
        dt.date(2026, 11, 26): Money(359_900, KRW),  # today's proceeds, less commission
    }
    assert books.settled == Money(10_000_000 + 140_100 - 359_900, KRW)
    assert account.free(KRW) == books.total  # buying power counts the unsettled proceeds
    account.settle(dt.date(2026, 11, 26))
    assert account.balance(KRW).settled == books.total


def test_a_journal_that_exceeds_the_venue_cash_is_booked_all_settled(
    policy: KrxSettlement,
) -> None:
    sold_today = _fill(OrderSide.SELL, 100, 72_000, TUESDAY, "3")
    account = opening_account(
        ACC, Money(1_000_000, KRW), [sold_today], lambda f: policy(SAMSUNG, f.ts_event), TUESDAY
    )
    books = account.balance(KRW)
    assert (books.settled, books.unsettled) == (Money(1_000_000, KRW), Money(0, KRW))
