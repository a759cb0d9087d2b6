"""The real-time monitor: daily PnL, exposure, drawdown and loss limits, numbers by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_SECOND, kst_to_ns
from jts.domain.enums import LiquiditySide, OrderSide, OrderType
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import (
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.values import KRW, USD, Currency, Money, Price, Quantity
from jts.kernel.risk.metrics import expected_shortfall, historical_var, volatility
from jts.kernel.risk.monitor import LossLimits, RiskMonitor

A = InstrumentId("005930.KRX")
B = InstrumentId("000660.KRX")
DAY = dt.date(2024, 3, 4)
T0 = kst_to_ns(DAY, "090000")
CASH = Decimal(10_000_000)
_trades = iter(range(1, 1_000_000))


def fill(
    side: OrderSide,
    qty: int,
    px: int,
    *,
    ts: int = T0,
    commission: int = 0,
    tax: int = 0,
    instrument: InstrumentId = A,
    currency: Currency = KRW,
) -> OrderFilled:
    n = next(_trades)
    return OrderFilled(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=instrument,
        client_order_id=ClientOrderId(f"O-{n}"),
        venue_order_id=VenueOrderId(f"V-{n}"),
        trade_id=TradeId(f"T-{n}"),
        order_side=side,
        order_type=OrderType.MARKET,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=currency,
        commission=Money(commission, currency),
        tax=Money(tax, currency),
        liquidity_side=LiquiditySide.TAKER,
        ts_event=ts,
        ts_init=ts,
    )


def monitor(limits: LossLimits | None = None, cash: Decimal = CASH) -> RiskMonitor:
    m = RiskMonitor(limits)
    assert m.sync(T0, cash, {}) is None
    return m


def test_a_buy_marked_down_trips_the_daily_loss_amount_once() -> None:
    m = monitor(LossLimits(daily_loss=Decimal(1000)))
    assert m.on_fill(fill(OrderSide.BUY, 10, 70_000, commission=10)) is None
    assert m.equity == CASH - 10  # 9,299,990 cash + 700,000 of shares
    assert m.daily_pnl == -10
    assert m.on_price(A, Price(69_950), T0 + 1) is None  # -500 - 10
    breach = m.on_price(A, Price(69_900), T0 + 2)  # 10 x -100 - 10 = -1,010
    assert breach is not None
    assert breach.limit == "daily_loss"
    assert "loss of 1,010 KRW" in breach.reason
    assert "daily loss limit 1,000 KRW" in breach.reason
    assert "2024-03-04" in breach.reason
    assert m.on_price(A, Price(69_000), T0 + 3) is None  # latched for the day
    assert set(m.breaches) == {"daily_loss"}


def test_a_round_trip_books_realised_pnl_commission_and_tax() -> None:
    m = monitor()
    m.on_fill(fill(OrderSide.BUY, 10, 70_000, commission=10))
    m.on_fill(fill(OrderSide.SELL, 10, 70_100, commission=10, tax=126))
    assert m.daily_pnl == 10 * 100 - 10 - 10 - 126  # 854
    assert m.equity == CASH + 854
    assert m.gross_exposure == m.net_exposure == 0
    snap = m.snapshot(T0 + 5)
    assert snap.cash == CASH + 854
    assert snap.daily_pnl_pct == Decimal("0.0085")  # 854 / 10,000,000 in percent
    assert snap.exposures == {}
    assert snap.fills == 2


def test_daily_loss_percent_of_the_start_equity() -> None:
    m = monitor(LossLimits(daily_loss_pct=Decimal(1)))  # 1 % of 10,000,000 = 100,000
    m.on_fill(fill(OrderSide.BUY, 100, 50_000))
    assert m.on_price(A, Price(49_001), T0 + 1) is None  # -99,900
    breach = m.on_price(A, Price(49_000), T0 + 2)  # -100,000: reached
    assert breach is not None
    assert breach.limit == "daily_loss_pct"
    assert "1.0000 % of the day's start equity 10,000,000 KRW, limit 1 %" in breach.reason


def test_drawdown_from_the_peak_and_its_limit() -> None:
    m = monitor(LossLimits(max_drawdown_pct=Decimal(5)))
    m.on_fill(fill(OrderSide.BUY, 100, 50_000))
    assert m.on_price(A, Price(55_000), T0 + 1) is None  # equity 10,500,000: the peak
    assert m.on_price(A, Price(50_000), T0 + 2) is None  # 500,000 / 10.5 M = 4.76 %
    breach = m.on_price(A, Price(49_000), T0 + 3)  # 600,000 / 10.5 M = 5.7143 %
    assert breach is not None
    assert breach.limit == "max_drawdown_pct"
    assert "5.7143 % below its peak 10,500,000 KRW, limit 5 %" in breach.reason
    m.on_price(A, Price(52_000), T0 + 4)
    snap = m.snapshot(T0 + 5)
    assert snap.peak_equity == Decimal(10_500_000)
    assert snap.drawdown == Decimal(300_000)
    assert snap.drawdown_pct == Decimal("2.8571")
    assert snap.max_drawdown_pct == Decimal("5.7143")


def test_exposure_gross_net_per_instrument_and_concentration() -> None:
    m = monitor()
    m.on_fill(fill(OrderSide.BUY, 10, 70_000))
    m.on_fill(fill(OrderSide.SELL, 5, 100_000, instrument=B))  # a short
    assert m.exposure(A) == 700_000
    assert m.exposure(B) == -500_000
    assert (m.gross_exposure, m.net_exposure) == (Decimal(1_200_000), Decimal(200_000))
    m.on_price(B, Price(110_000), T0 + 1)  # the short loses 50,000
    assert (m.gross_exposure, m.net_exposure) == (Decimal(1_250_000), Decimal(150_000))
    assert m.daily_pnl == -50_000
    snap = m.snapshot(T0 + 2)
    assert snap.exposures == {str(A): 700_000, str(B): -550_000}
    assert snap.concentration is not None
    assert snap.concentration.largest == str(A)
    assert snap.concentration.largest_share == pytest.approx(700 / 1250)
    assert snap.concentration.hhi == pytest.approx((700 / 1250) ** 2 + (550 / 1250) ** 2)


def test_a_new_kst_day_restarts_the_pnl_from_the_last_marks_and_rearms() -> None:
    m = monitor(LossLimits(daily_loss=Decimal(1000)))
    m.on_fill(fill(OrderSide.BUY, 10, 70_000, commission=10))
    assert m.on_price(A, Price(69_800), T0 + 1) is not None  # -2,010
    # 15:00 UTC = midnight KST: the new day's basis is the holding at 69,800
    next_day = kst_to_ns(DAY + dt.timedelta(days=1), "000000")
    assert m.on_price(A, Price(70_000), next_day - 1) is None  # still the 4th, latched
    assert m.daily_pnl == -10
    assert m.on_price(A, Price(69_950), next_day) is None
    assert m.trading_date == DAY + dt.timedelta(days=1)
    assert m.daily_pnl == 10 * (69_950 - 70_000)  # from the last mark of the 4th
    assert m.day_start_equity == CASH - 10 + 10 * (70_000 - 70_000)
    assert m.breaches == {}
    assert m.on_price(A, Price(69_800), next_day + 1) is not None  # armed again: -2,000


def test_sync_after_a_restart_keeps_todays_fills_and_forgets_yesterday() -> None:
    yesterday = fill(OrderSide.BUY, 10, 69_000, ts=T0 - NANOS_PER_DAY, commission=9)
    today = fill(OrderSide.BUY, 10, 70_000, ts=T0 + 60 * NANOS_PER_SECOND, commission=10)
    cash_now = CASH - 690_009 - 700_010
    m = RiskMonitor(LossLimits(daily_loss=Decimal(1000)))
    breach = m.sync(T0 + 120 * NANOS_PER_SECOND, cash_now, {A: Decimal(20)}, {A: Decimal(69_950)},
                    [today, yesterday])  # fmt: skip
    # today's fill: 10 x (69,950 - 70,000) - 10; the 10 held overnight start at today's mark
    assert m.daily_pnl == -510
    assert breach is None
    assert m.day_start_equity == CASH - 690_009 + 10 * 69_950
    assert m.qty(A) == 20
    assert m.equity == cash_now + 20 * 69_950
    assert m.on_price(A, Price(69_900), T0 + 121 * NANOS_PER_SECOND) is not None  # -1,510


def test_a_position_without_a_price_is_valued_from_its_first_price() -> None:
    m = RiskMonitor()
    m.sync(T0, CASH, {A: Decimal(10)})
    assert (m.daily_pnl, m.equity, m.gross_exposure) == (Decimal(0), CASH, Decimal(0))
    m.on_price(A, Price(70_000), T0 + 1)
    assert m.daily_pnl == 0  # its move before the first price is unknown, not a gain
    assert m.day_start_equity == CASH + 700_000
    m.on_price(A, Price(69_000), T0 + 2)
    assert m.daily_pnl == -10_000


def test_fills_in_another_currency_are_counted_not_booked() -> None:
    m = monitor()
    assert m.on_fill(fill(OrderSide.BUY, 1, 150, currency=USD)) is None
    assert m.foreign_fills == 1
    assert m.fills == 0
    assert m.equity == CASH


def test_unheld_instruments_cost_nothing_and_change_nothing() -> None:
    m = monitor(LossLimits(daily_loss=Decimal(1)))
    assert m.on_price(B, Price(1), T0 + 1) is None
    assert m.exposure(B) == 0
    assert m.daily_pnl == 0


def test_returns_sampled_from_equity_feed_var_es_and_volatility() -> None:
    m = RiskMonitor(window=3)
    m.sync(T0, Decimal(0), {A: Decimal(10)}, {A: Decimal(100)})  # equity 1,000
    m.sample(T0)
    for i, px in enumerate((110, 99, 104, 94), start=1):  # +10 %, -10 %, +5.05 %, -9.6 %
        m.on_price(A, Price(px), T0 + i)
        m.sample(T0 + i)
    expected = [99 / 110 - 1, 104 / 99 - 1, 94 / 104 - 1]  # the window keeps the last 3
    assert m.returns == pytest.approx(expected, rel=1e-12)
    snap = m.snapshot(T0 + 10)
    assert snap.returns == 3
    assert snap.var(0.95) == pytest.approx(historical_var(expected, 0.95), rel=1e-12)
    assert snap.expected_shortfall(0.99) == pytest.approx(
        expected_shortfall(expected, 0.99), rel=1e-12
    )
    assert snap.volatility == pytest.approx(volatility(expected), rel=1e-12)
    data = snap.as_dict()
    assert data["equity"] == "940"
    assert data["returns"] == 3
    assert set(data["var"]) == {"0.95", "0.99"}


def test_bad_limits_and_settings_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="daily_loss must be a positive"):
        LossLimits(daily_loss=Decimal(0))
    with pytest.raises(InvalidInputError, match="percent"):
        LossLimits(daily_loss_pct=Decimal(150))
    with pytest.raises(InvalidInputError, match="positive Decimal"):
        LossLimits(max_drawdown_pct=Decimal("NaN"))
    with pytest.raises(InvalidInputError, match="window"):
        RiskMonitor(window=1)
    with pytest.raises(InvalidInputError, match="confidence"):
        RiskMonitor(confidences=(0.95, 1.5))
