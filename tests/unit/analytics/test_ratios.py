"""Edge cases and the documented departures from quantstats (parity itself is in
test_quantstats_parity.py, which needs pandas)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jts.analytics import ratios
from jts.analytics.errors import AnalyticsInputError


def arr(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def test_sharpe_and_volatility_by_hand() -> None:
    r = arr(0.01, -0.02, 0.03, 0.0)
    mean = sum(r) / 4
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / 3)
    assert ratios.volatility(r, 252) == pytest.approx(sd * math.sqrt(252), rel=1e-12)
    assert ratios.sharpe(r, 0.0, 252) == pytest.approx(mean / sd * math.sqrt(252), rel=1e-12)


def test_risk_free_is_de_annualised_geometrically_and_negative_rates_apply() -> None:
    r = arr(0.01, -0.02, 0.03, 0.0)
    for rf in (0.035, -0.005):  # quantstats ignores the negative rate; we do not
        per_day = (1 + rf) ** (1 / 252) - 1
        excess = r - per_day
        expected = excess.mean() / excess.std(ddof=1) * math.sqrt(252)
        assert ratios.sharpe(r, rf, 252) == pytest.approx(expected, rel=1e-12)
    assert ratios.sharpe(r, -0.005, 252) > ratios.sharpe(r, 0.0, 252)


def test_sortino_downside_divides_by_all_returns() -> None:
    r = arr(0.02, -0.01, 0.03, -0.02)
    downside = math.sqrt((0.01**2 + 0.02**2) / 4)
    assert ratios.sortino(r, 0.0, 252) == pytest.approx(0.005 / downside * math.sqrt(252))


def test_zero_volatility_sharpe_is_nan_not_infinite() -> None:
    # quantstats divides by the float noise of std (or by 0) and reports inf
    assert math.isnan(ratios.sharpe(arr(0.001, 0.001, 0.001), 0.0, 252))
    assert math.isnan(ratios.sharpe(arr(0.0, 0.0, 0.0), 0.0, 252))
    assert ratios.volatility(arr(0.001, 0.001), 252) == 0.0


def test_single_return() -> None:
    one = arr(-0.02)
    assert math.isnan(ratios.volatility(one, 252))
    assert math.isnan(ratios.sharpe(one, 0.0, 252))
    assert ratios.sortino(one, 0.0, 252) == pytest.approx(-math.sqrt(252))
    assert ratios.cagr(-0.02, 1, 252) == pytest.approx(0.98**252 - 1)


def test_all_positive_returns() -> None:
    r = arr(0.01, 0.02, 0.005)
    assert math.isnan(ratios.sortino(r, 0.0, 252))  # no downside: undefined, as quantstats
    assert ratios.profit_factor(r) == math.inf
    assert ratios.win_rate(r) == 1.0
    assert math.isnan(ratios.avg_loss(r))
    assert math.isnan(ratios.payoff_ratio(r))
    assert math.isnan(ratios.calmar(0.5, 0.0))  # quantstats: inf


def test_flat_returns_have_no_win_rate_or_profit_factor() -> None:
    flat = arr(0.0, 0.0)
    assert math.isnan(ratios.win_rate(flat))  # quantstats: 0.0
    assert math.isnan(ratios.profit_factor(flat))  # quantstats: 0.0
    assert math.isnan(ratios.avg_win(flat))


def test_win_rate_ignores_zero_returns_and_profit_factor_counts_them_as_nothing() -> None:
    r = arr(0.02, 0.0, -0.01, 0.0, 0.01)
    assert ratios.win_rate(r) == pytest.approx(2 / 3)
    assert ratios.profit_factor(r) == pytest.approx(3.0)
    assert ratios.avg_win(r) == pytest.approx(0.015)
    assert ratios.avg_loss(r) == pytest.approx(-0.01)
    assert ratios.payoff_ratio(r) == pytest.approx(1.5)


def test_cagr_uses_periods_over_periods_per_year_as_the_year_fraction() -> None:
    assert ratios.cagr(0.21, 504, 252) == pytest.approx(0.1)
    assert ratios.cagr(-1.0, 10, 252) == -1.0
    assert math.isnan(ratios.cagr(0.1, 0, 252))
    assert math.isnan(ratios.cagr(-1.5, 10, 252))


def test_alpha_beta_against_a_scaled_benchmark() -> None:
    b = arr(0.01, -0.02, 0.015, 0.0, 0.005)
    r = 2 * b + 0.001
    alpha, beta = ratios.alpha_beta(r, b, 252)
    assert beta == pytest.approx(2.0)
    assert alpha == pytest.approx(0.001 * 252)


def test_alpha_beta_skip_unpaired_days_and_are_nan_without_benchmark_variance() -> None:
    b = arr(math.nan, 0.01, -0.02, 0.015)
    r = arr(0.5, 0.02, -0.04, 0.03)
    assert ratios.alpha_beta(r, b, 252)[1] == pytest.approx(2.0)
    alpha, beta = ratios.alpha_beta(arr(0.01, 0.02), arr(0.01, 0.01), 252)
    assert math.isnan(alpha)
    assert math.isnan(beta)  # quantstats reports 0.0
    with pytest.raises(AnalyticsInputError, match="differ in length"):
        ratios.alpha_beta(arr(0.1), arr(0.1, 0.2), 252)


@pytest.mark.parametrize("bad", [0, -252, 252.0, True])
def test_periods_per_year_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(AnalyticsInputError, match="periods_per_year"):
        ratios.check_periods_per_year(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, "0.03", None])
def test_risk_free_must_be_a_finite_rate_above_minus_one(bad: object) -> None:
    with pytest.raises(AnalyticsInputError, match="risk_free"):
        ratios.check_risk_free(bad)  # type: ignore[arg-type]
