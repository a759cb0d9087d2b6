from __future__ import annotations

import dataclasses
import json
import math
from decimal import Decimal

import pytest

from jts.analytics import (
    AnalyticsInputError,
    Fill,
    PerformanceStats,
    RoundTrip,
    analyse,
    compute_stats,
)
from jts.domain.enums import OrderSide
from jts.domain.values import KRW, Money, Price, Quantity

from .builders import curve, from_basis_points

MOVES = [120, -250, 80, 0, 310, -90, -40, 200, -500, 260, 75, -10]


def _trades() -> list[RoundTrip]:
    def trip(pnl: int) -> RoundTrip:
        return RoundTrip(
            "005930.KRX",
            OrderSide.BUY,
            Quantity(10),
            1,
            2,
            Decimal(70_000),
            Decimal(70_100),
            Money(pnl, KRW),
        )

    return [trip(1_000), trip(-500), trip(2_000)]


def _fills(ts: list[int]) -> list[Fill]:
    return [
        Fill(ts[1], "005930.KRX", OrderSide.BUY, Quantity(10), Price(70_000)),
        Fill(ts[5], "005930.KRX", OrderSide.SELL, Quantity(10), Price(71_000)),
    ]


def test_analyse_puts_every_piece_together() -> None:
    ts, eq = from_basis_points(100_000_000, MOVES)
    bench_ts, bench = from_basis_points(2_500_000, [m // 2 for m in MOVES])
    analysis = analyse(ts, eq, benchmark=(bench_ts, bench), trades=_trades(), fills=_fills(ts))
    stats = analysis.stats
    assert stats.days == len(MOVES) == len(analysis.returns)
    assert stats.start_equity == Decimal(100_000_000)
    assert stats.final_equity == Decimal(eq[-1])
    assert stats.total_return == float(Decimal(eq[-1]) / Decimal(100_000_000) - 1)
    assert stats.start_date == "2024-01-02"
    assert stats.end_date == analysis.daily.days[-1].isoformat()
    assert stats.max_drawdown == analysis.drawdown.max_drawdown < 0
    assert stats.beta == pytest.approx(2.0, abs=0.01)  # the benchmark moves half as much
    assert (stats.round_trips, stats.winning_trades, stats.losing_trades) == (3, 2, 1)
    assert stats.gross_profit == 3_000
    assert stats.net_trade_pnl == 2_500
    assert stats.fills == 2
    assert stats.exposure == 5 / 12
    assert stats.annual_turnover == pytest.approx(stats.turnover * 252 / 12)
    assert analysis.monthly.years == (2024,)
    assert compute_stats(ts, eq, trades=_trades()).sharpe == stats.sharpe


def test_to_dict_is_strict_json_with_exact_amounts_as_strings() -> None:
    ts, eq = curve(1_000, [1_010, 1_020])  # no losing day: sortino nan, profit factor inf
    stats = compute_stats(ts, eq)
    assert math.isnan(stats.sortino)
    assert stats.profit_factor == math.inf
    data = stats.to_dict()
    assert list(data) == [f.name for f in dataclasses.fields(PerformanceStats)]
    assert data["sortino"] is None
    assert data["profit_factor"] is None
    assert data["final_equity"] == "1020"
    assert data["gross_profit"] == "0"
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    for value in data.values():
        assert value is None or isinstance(value, str | int | float)


def test_amounts_never_use_exponent_notation() -> None:
    ts, _ = curve(1, [1])
    stats = compute_stats(ts, [Decimal("1E+3"), Decimal("2.50E+3")])
    assert stats.to_dict()["start_equity"] == "1000"
    assert stats.to_dict()["final_equity"] == "2500"


def test_same_input_gives_identical_output() -> None:
    ts, eq = from_basis_points(50_000_000, MOVES)
    first = json.dumps(compute_stats(ts, eq, fills=_fills(ts)).to_dict(), allow_nan=False)
    second = json.dumps(compute_stats(ts, eq, fills=_fills(ts)).to_dict(), allow_nan=False)
    assert first == second


def test_currency_of_money_curves_is_reported() -> None:
    ts, _ = curve(1, [1])
    stats = compute_stats(ts, [Money(1_000, KRW), Money(1_001, KRW)])
    assert stats.currency == "KRW"


def test_a_flat_curve() -> None:
    ts, eq = curve(1_000, [1_000] * 5)
    stats = compute_stats(ts, eq)
    assert stats.total_return == 0.0
    assert stats.cagr == 0.0
    assert stats.volatility == 0.0
    assert math.isnan(stats.sharpe)
    assert math.isnan(stats.sortino)
    assert math.isnan(stats.calmar)
    assert stats.max_drawdown == 0.0
    assert stats.max_drawdown_days == stats.longest_drawdown_days == 0
    assert math.isnan(stats.win_rate)


def test_a_single_point_and_a_single_day() -> None:
    ts, eq = curve(1_000, [])
    point = compute_stats(ts, eq)
    assert point.days == 1
    assert point.total_return == 0.0
    ts, eq = curve(1_000, [950])
    day = compute_stats(ts, eq)
    assert day.days == 1
    assert day.total_return == pytest.approx(-0.05)
    assert day.max_drawdown == pytest.approx(-0.05)
    assert day.max_drawdown_days == 1
    assert math.isnan(day.volatility)
    assert math.isnan(day.sharpe)
    assert day.cagr == pytest.approx(0.95**252 - 1)


def test_periods_per_year_changes_the_annualisation() -> None:
    ts, eq = from_basis_points(1_000_000, MOVES)
    krx = compute_stats(ts, eq)
    crypto = compute_stats(ts, eq, periods_per_year=365)
    assert crypto.volatility == pytest.approx(krx.volatility * math.sqrt(365 / 252))
    assert crypto.total_return == krx.total_return


def test_bad_parameters_name_themselves() -> None:
    ts, eq = curve(1_000, [1_010])
    with pytest.raises(AnalyticsInputError, match="periods_per_year"):
        compute_stats(ts, eq, periods_per_year=0)
    with pytest.raises(AnalyticsInputError, match="risk_free"):
        compute_stats(ts, eq, risk_free=math.nan)
    with pytest.raises(AnalyticsInputError, match="benchmark"):
        compute_stats(ts, eq, benchmark=([1, 0], [1, 2]))
    with pytest.raises(AnalyticsInputError, match="empty"):
        compute_stats([], [])
