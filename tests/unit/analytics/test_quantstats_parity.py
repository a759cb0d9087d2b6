"""Every statistic against quantstats on the same daily returns, to 1e-9.

quantstats is the reference (a dev dependency; importing it takes seconds because it pulls in
scipy, matplotlib and seaborn, so all comparisons live in this one file). Where we depart from
it on purpose (see `jts.analytics.ratios`), a test below shows both answers side by side.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.analytics import analyse, daily_equity, daily_returns
from jts.analytics.activity import Fill
from jts.analytics.analysis import Analysis
from jts.core.time import kst_to_ns
from jts.domain.enums import OrderSide
from jts.domain.values import Price, Quantity

from .builders import curve, from_basis_points

pd = pytest.importorskip("pandas")
qs = pytest.importorskip("quantstats.stats", reason="quantstats is the reference in dev deps")

REL, ABS = 1e-9, 1e-12


def close(ours: float, reference: float) -> bool:
    if math.isnan(ours) or math.isnan(reference):
        return math.isnan(ours) and math.isnan(reference)
    if math.isinf(ours) or math.isinf(reference):
        return ours == reference
    return math.isclose(ours, reference, rel_tol=REL, abs_tol=ABS)


def series(days: tuple[dt.date, ...], values: np.ndarray):  # type: ignore[no-untyped-def]
    return pd.Series(np.array(values, dtype=float), index=pd.DatetimeIndex(days))


def check_against_quantstats(analysis: Analysis, rf: float, ppy: int) -> None:
    s = analysis.stats
    r = analysis.returns.values
    ret = series(analysis.returns.days, r)
    constant = bool(np.all(r == r[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantstats warns on the edge cases it papers over
        expected = {
            "total_return": qs.comp(ret),
            "cagr": qs.cagr(ret, periods=ppy),
            "volatility": qs.volatility(ret, periods=ppy),
            "sortino": qs.sortino(ret, rf=rf, periods=ppy),
            "max_drawdown": qs.max_drawdown(ret),
            "avg_win": qs.avg_win(ret),
            "avg_loss": qs.avg_loss(ret),
            "payoff_ratio": qs.payoff_ratio(ret),
            "best_day": qs.best(ret),
            "worst_day": qs.worst(ret),
        }
        if not constant:  # zero volatility: see test_zero_volatility_sharpe
            expected["sharpe"] = qs.sharpe(ret, rf=rf, periods=ppy)
        if s.max_drawdown < 0:  # no drawdown: see test_calmar_without_drawdown
            expected["calmar"] = qs.calmar(ret, periods=ppy)
        if np.any(r != 0):  # only flat days: see test_flat_days
            expected["win_rate"] = qs.win_rate(ret)
            expected["profit_factor"] = qs.profit_factor(ret)
        qs_dd = qs.to_drawdown_series(ret)
        details = qs.drawdown_details(qs_dd)
        if analysis.benchmark is not None:
            b = analysis.benchmark.values
            if not np.all(b == b[0]):  # flat benchmark: see test_flat_benchmark
                greeks = qs.greeks(ret, series(analysis.returns.days, b), periods=ppy)
                expected["alpha"], expected["beta"] = greeks["alpha"], greeks["beta"]
        qs_monthly = qs.monthly_returns(ret)
    for name, reference in expected.items():
        ours = getattr(s, name)
        assert close(ours, float(reference)), f"{name}: ours {ours!r}, quantstats {reference!r}"
    np.testing.assert_allclose(analysis.drawdown.values, qs_dd.to_numpy(), rtol=REL, atol=ABS)
    if details.empty:
        if analysis.drawdown.values[0] < 0:  # see test_drawdown_from_the_first_day
            assert len(analysis.drawdowns) == 1
        else:
            assert s.longest_drawdown_days == s.max_drawdown_days == 0
    else:
        assert s.longest_drawdown_days == int(details["days"].max())
        deepest_row = details.loc[details["max drawdown"].idxmin()]
        assert s.max_drawdown_days == int(deepest_row["days"])
    for year, row, total in zip(
        analysis.monthly.years, analysis.monthly.rows, analysis.monthly.year_totals, strict=True
    ):
        for month, cell in enumerate(row):
            reference = float(qs_monthly.loc[str(year)].iloc[month])
            assert close(0.0 if cell is None else cell, reference), (year, month + 1)
        assert close(total, float(qs_monthly.loc[str(year), "EOY"]))


def _random_moves(seed: int, count: int, drift: float = 3.0, spread: float = 120.0) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(x) for x in np.clip(rng.normal(drift, spread, count), -2_900, 2_900)]


CASES = {
    "two-years": (_random_moves(1, 520), dt.date(2023, 1, 2)),
    "first-day-loss": ([-300, 50, 80, -20, 400, 10], dt.date(2024, 1, 2)),
    "ends-under-water": ([100, 200, -150, -300, 20, -50], dt.date(2024, 11, 25)),
    "losing-run": (_random_moves(7, 300, drift=-8.0), dt.date(2022, 6, 1)),
    "all-positive": ([10, 20, 5, 30, 1], dt.date(2024, 2, 26)),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize(("rf", "ppy"), [(0.0, 252), (0.035, 252), (0.02, 365)])
def test_matches_quantstats(name: str, rf: float, ppy: int) -> None:
    moves, start = CASES[name]
    ts, eq = from_basis_points(100_000_000, moves, start)
    bench_ts, bench = from_basis_points(2_650_000, _random_moves(99, len(moves)), start)
    analysis = analyse(ts, eq, benchmark=(bench_ts, bench), risk_free=rf, periods_per_year=ppy)
    check_against_quantstats(analysis, rf, ppy)


@settings(max_examples=25, deadline=None)
@given(
    moves=st.lists(st.integers(-900, 900), min_size=1, max_size=90),
    bench_moves=st.lists(st.integers(-400, 400), min_size=90, max_size=90),
    rf=st.sampled_from([0.0, 0.03]),
    ppy=st.sampled_from([252, 365]),
)
def test_matches_quantstats_on_any_curve(
    moves: list[int], bench_moves: list[int], rf: float, ppy: int
) -> None:
    ts, eq = from_basis_points(10_000_000, moves, dt.date(2023, 12, 18))
    bench = from_basis_points(1_000_000, bench_moves[: len(moves)], dt.date(2023, 12, 18))
    analysis = analyse(ts, eq, benchmark=bench, risk_free=rf, periods_per_year=ppy)
    check_against_quantstats(analysis, rf, ppy)


def test_kst_periodisation_matches_a_pandas_resample() -> None:
    rng = np.random.default_rng(5)
    start = pd.Timestamp("2024-03-01 00:00", tz="UTC")
    offsets = np.sort(rng.integers(0, 40 * 86_400, 400)) * 1_000_000_000
    ts = [int(start.value + o) for o in offsets]
    eq = [int(v) for v in 50_000_000 + np.cumsum(rng.integers(-90_000, 100_000, len(ts)))]
    ours = daily_returns(daily_equity(ts, eq))
    s = pd.Series(eq, index=pd.to_datetime(ts, utc=True).tz_convert("Asia/Seoul"), dtype=float)
    closes = s.groupby(s.index.date).last()
    expected = closes / pd.concat([pd.Series([eq[0]]), closes.iloc[:-1]]).to_numpy() - 1
    assert ours.days == tuple(closes.index)
    np.testing.assert_allclose(ours.values, expected.to_numpy(), rtol=REL)


# ---- documented departures from quantstats -------------------------------------------------


def _stats_and_series(moves: list[int]):  # type: ignore[no-untyped-def]
    analysis = analyse(*from_basis_points(1_000_000, moves))
    return analysis, series(analysis.returns.days, analysis.returns.values)


def test_zero_volatility_sharpe() -> None:
    ts, eq = curve(1_000, [1_000] * 4)
    analysis = analyse(ts, eq)
    ret = series(analysis.returns.days, analysis.returns.values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(qs.sharpe(ret))  # 0 / 0
        assert qs.sharpe(pd.Series([0.001] * 4, index=ret.index)) == math.inf
    assert math.isnan(analysis.stats.sharpe)


def test_calmar_without_drawdown() -> None:
    analysis, ret = _stats_and_series([10, 20, 30])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert qs.calmar(ret) == math.inf
    assert math.isnan(analysis.stats.calmar)


def test_flat_days() -> None:
    analysis, ret = _stats_and_series([0, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert qs.win_rate(ret) == 0.0
        assert qs.profit_factor(ret) == 0.0
    assert math.isnan(analysis.stats.win_rate)
    assert math.isnan(analysis.stats.profit_factor)


def test_flat_benchmark() -> None:
    ts, eq = from_basis_points(1_000_000, [10, -20, 30])
    analysis = analyse(ts, eq, benchmark=(ts, [100] * len(ts)))
    ret = series(analysis.returns.days, analysis.returns.values)
    bench = series(analysis.returns.days, analysis.benchmark.values)  # type: ignore[union-attr]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        greeks = qs.greeks(ret, bench)
    assert (greeks["alpha"], greeks["beta"]) == (0.0, 0.0)
    assert math.isnan(analysis.stats.alpha)
    assert math.isnan(analysis.stats.beta)


def test_negative_risk_free_rate() -> None:
    ts, eq = from_basis_points(1_000_000, [10, -20, 30, 5])
    analysis = analyse(ts, eq, risk_free=-0.01)
    ret = series(analysis.returns.days, analysis.returns.values)
    assert qs.sharpe(ret, rf=-0.01) == qs.sharpe(ret)  # quantstats drops the rate
    assert not close(analysis.stats.sharpe, float(qs.sharpe(ret)))
    assert close(analysis.stats.sharpe, float(qs.sharpe(ret - ((0.99) ** (1 / 252) - 1))))


def test_exposure_is_not_rounded_up() -> None:
    ts, eq = from_basis_points(1_000_000, [0, 50, -30, 0, 0, 0, 0])
    fills = [
        Fill(ts[2], "005930.KRX", OrderSide.BUY, Quantity(1), Price(100)),
        Fill(ts[3], "005930.KRX", OrderSide.SELL, Quantity(1), Price(100)),
    ]
    analysis = analyse(ts, eq, fills=fills)
    ret = series(analysis.returns.days, analysis.returns.values)
    assert analysis.stats.exposure == 2 / 7  # the two days the position was held
    assert qs.exposure(ret) == math.ceil(2 / 7 * 100) / 100 == 0.29


def test_drawdown_from_the_first_day() -> None:
    # quantstats finds drawdown starts by shifting in NaN, so a drawdown that begins on the
    # first day is only found when a later one exists; alone, it vanishes from the details
    analysis, ret = _stats_and_series([-300, 50, 80, -20, 400, 10])
    details = qs.drawdown_details(qs.to_drawdown_series(ret))
    assert details.empty
    assert qs.max_drawdown(ret) == pytest.approx(-0.03)
    assert analysis.stats.max_drawdown == pytest.approx(-0.03)
    assert analysis.stats.max_drawdown_days == 4  # Tue 2024-01-02 .. Fri 2024-01-05


def test_months_without_days_are_empty_not_zero() -> None:
    ts = [kst_to_ns(dt.date(2024, 1, 31), "153000"), kst_to_ns(dt.date(2024, 3, 4), "153000")]
    analysis = analyse(ts, [100, 110])
    ret = series(analysis.returns.days, analysis.returns.values)
    assert qs.monthly_returns(ret).loc["2024", "FEB"] == 0
    assert analysis.monthly.cell(2024, 2) is None
