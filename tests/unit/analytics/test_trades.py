from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from jts.analytics.errors import AnalyticsInputError
from jts.analytics.trades import RoundTrip, round_trips_from_position_events, trade_stats
from jts.core.errors import CurrencyMismatchError
from jts.core.time import kst_to_ns
from jts.domain.enums import OrderSide
from jts.domain.events_position import PositionEvent
from jts.domain.identifiers import InstrumentId, StrategyId, TraderId
from jts.domain.positions import Position
from jts.domain.values import KRW, USD, Money, Quantity

from .builders import order_filled

DAY = dt.date(2024, 1, 2)


def trip(pnl: int | str, *, currency=KRW, entry: int = 0, exit_: int = 10) -> RoundTrip:  # type: ignore[no-untyped-def]
    return RoundTrip(
        instrument_id="005930.KRX",
        side=OrderSide.BUY,
        quantity=Quantity(10),
        entry_ns=entry,
        exit_ns=exit_,
        entry_price=Decimal(70_000),
        exit_price=Decimal(71_000),
        pnl=Money(pnl, currency),
    )


def test_trade_stats_sum_exactly_and_skip_break_evens_in_the_win_rate() -> None:
    stats = trade_stats([trip(10_000), trip(-4_000), trip(0), trip(6_001), trip(-1)])
    assert (stats.count, stats.wins, stats.losses) == (5, 2, 2)
    assert stats.win_rate == 0.5
    assert stats.gross_profit == Decimal(16_001)
    assert stats.gross_loss == Decimal(-4_001)
    assert stats.net_pnl == Decimal(12_000)
    assert stats.profit_factor == pytest.approx(16_001 / 4_001, rel=1e-15)
    assert stats.avg_win == 8_000.5
    assert stats.avg_loss == -2_000.5
    assert stats.currency == KRW


def test_trade_stats_without_losses_or_trades() -> None:
    only_wins = trade_stats([trip(5)])
    assert only_wins.profit_factor == math.inf
    assert math.isnan(only_wins.avg_loss)
    empty = trade_stats([])
    assert (empty.count, empty.wins, empty.losses) == (0, 0, 0)
    assert math.isnan(empty.win_rate)
    assert math.isnan(empty.profit_factor)
    assert empty.currency is None
    assert empty.net_pnl == 0


def test_trade_stats_refuse_mixed_currencies_and_foreign_objects() -> None:
    with pytest.raises(CurrencyMismatchError, match="trade #1"):
        trade_stats([trip(1), trip("1.00", currency=USD)])
    with pytest.raises(AnalyticsInputError, match="trade #0 is a dict"):
        trade_stats([{"pnl": 1}])  # type: ignore[list-item]


def test_round_trip_return_is_pnl_over_entry_value() -> None:
    assert trip(7_000).return_fraction == pytest.approx(0.01)
    assert trip(7_000, entry=5, exit_=9).duration_ns == 4


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", Quantity(0), "quantity must be positive"),
        ("exit_ns", -1, "before the entry"),
        ("entry_price", Decimal(0), "entry_price must be positive"),
        ("exit_price", Decimal("NaN"), "exit_price must be positive"),
    ],
)
def test_round_trip_validates(field: str, value: object, message: str) -> None:
    fields = {
        "instrument_id": "005930.KRX",
        "side": OrderSide.SELL,
        "quantity": Quantity(1),
        "entry_ns": 0,
        "exit_ns": 1,
        "entry_price": Decimal(1),
        "exit_price": Decimal(1),
        "pnl": Money(0, KRW),
    }
    fields[field] = value
    with pytest.raises(AnalyticsInputError, match=message):
        RoundTrip(**fields)  # type: ignore[arg-type]


def test_round_trips_from_a_real_positions_events() -> None:
    position = Position(
        InstrumentId("005930.KRX"), StrategyId("SMACross-001"), TraderId("JTS-001"), KRW
    )
    t = [kst_to_ns(DAY, f"{9 + i:02d}0000") for i in range(6)]
    events: list[PositionEvent] = []
    events += position.apply(order_filled(OrderSide.BUY, 10, 70_000, t[0], "1"))
    events += position.apply(order_filled(OrderSide.BUY, 10, 71_000, t[1], "2"))
    events += position.apply(order_filled(OrderSide.SELL, 5, 72_000, t[2], "3"))
    events += position.apply(order_filled(OrderSide.SELL, 15, 69_000, t[3], "4"))
    # second round trip: a short, closed by a buy that flips to long
    events += position.apply(order_filled(OrderSide.SELL, 4, 69_000, t[4], "5"))
    events += position.apply(order_filled(OrderSide.BUY, 6, 68_000, t[5], "6"))
    trips = round_trips_from_position_events(events)
    assert len(trips) == 2
    first, second = trips
    assert first.side is OrderSide.BUY
    assert first.quantity == Quantity(20)
    assert (first.entry_ns, first.exit_ns) == (t[0], t[3])
    assert first.entry_price == Decimal(70_500)
    # 5 x (72,000 - 70,500) + 15 x (69,000 - 70,500) = 7,500 - 22,500
    assert first.pnl == Money(-15_000, KRW)
    assert second.side is OrderSide.SELL
    assert second.quantity == Quantity(4)
    assert second.pnl == Money(4_000, KRW)  # 4 x (69,000 - 68,000), not cumulative
    assert second.exit_price == Decimal(68_000)
