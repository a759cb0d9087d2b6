"""Risk statistics: hand-computed cases, and numpy as the reference for VaR and ES."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from jts.core.errors import InvalidInputError
from jts.kernel.risk.metrics import (
    concentration,
    expected_shortfall,
    historical_var,
    max_drawdown,
    quantile,
    simple_returns,
    volatility,
)

FIVE = [0.01, -0.05, 0.04, -0.02, 0.03]  # sorted: -0.05 -0.02 0.01 0.03 0.04


def test_var_and_es_by_hand() -> None:
    # 95 %: position (5 - 1) * 0.05 = 0.2 between -0.05 and -0.02 -> -0.05 + 0.2 * 0.03
    assert historical_var(FIVE, 0.95) == pytest.approx(0.044, abs=1e-15)
    assert expected_shortfall(FIVE, 0.95) == pytest.approx(0.05, abs=1e-15)  # only -0.05
    # 75 %: position exactly 1.0 -> the second-worst return; the tail is the two worst
    assert historical_var(FIVE, 0.75) == pytest.approx(0.02, abs=1e-15)
    assert expected_shortfall(FIVE, 0.75) == pytest.approx(0.035, abs=1e-15)


def test_volatility_by_hand() -> None:
    # mean 0.002; squared deviations sum to 0.00548; / (n - 1) = 0.00137
    assert volatility(FIVE) == pytest.approx(math.sqrt(0.00137), rel=1e-12)
    assert volatility([0.01]) is None
    assert volatility([]) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("n", [2, 7, 250, 1000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_var_and_es_match_numpy(seed: int, n: int, confidence: float) -> None:
    returns = np.random.default_rng(seed).standard_t(4, size=n) * 0.01
    cut = np.percentile(returns, (1 - confidence) * 100)
    assert historical_var(returns.tolist(), confidence) == pytest.approx(-cut, rel=1e-12)
    tail = returns[returns <= cut]
    expected = -tail.mean()
    assert expected_shortfall(returns.tolist(), confidence) == pytest.approx(expected, rel=1e-12)
    assert volatility(returns.tolist()) == pytest.approx(np.std(returns, ddof=1), rel=1e-12)


def test_es_is_never_below_var() -> None:
    returns = (np.random.default_rng(7).normal(0, 0.01, 500)).tolist()
    for confidence in (0.8, 0.95, 0.99, 0.999):
        var = historical_var(returns, confidence)
        es = expected_shortfall(returns, confidence)
        assert var is not None
        assert es is not None
        assert es >= var


def test_quantile_matches_numpy_linear() -> None:
    values = sorted([3.0, 1.0, 4.0, 1.5, 9.0, 2.6])
    for q in (0.0, 0.1, 0.25, 0.5, 0.77, 1.0):
        assert quantile(values, q) == pytest.approx(np.quantile(values, q), rel=1e-15)


def test_too_few_returns_give_none_and_bad_input_is_refused() -> None:
    assert historical_var([0.01], 0.95) is None
    assert expected_shortfall([], 0.99) is None
    with pytest.raises(InvalidInputError, match="confidence"):
        historical_var(FIVE, 1.0)
    with pytest.raises(InvalidInputError, match="confidence"):
        expected_shortfall(FIVE, 0.0)
    with pytest.raises(InvalidInputError, match="finite"):
        historical_var([0.01, float("nan")], 0.95)
    with pytest.raises(InvalidInputError, match="no values"):
        quantile([], 0.5)


def test_simple_returns_restart_after_a_non_positive_point() -> None:
    assert simple_returns([Decimal(100), Decimal(110), Decimal(99)]) == pytest.approx([0.1, -0.1])
    # 0 cannot be divided by: the chain starts again at the next positive point
    assert simple_returns([100, 0, 50, 75]) == pytest.approx([-1.0, 0.5])


def test_max_drawdown_is_exact() -> None:
    series = [Decimal(v) for v in (100, 120, 90, 130, 117)]
    assert max_drawdown(series) == Decimal("0.25")  # 120 -> 90
    assert max_drawdown([Decimal(1), Decimal(2), Decimal(3)]) == 0
    assert max_drawdown([]) == 0


def test_concentration_uses_absolute_values() -> None:
    result = concentration([("A", Decimal(700_000)), ("B", Decimal(-500_000)), ("C", Decimal(0))])
    assert result is not None
    assert result.largest == "A"
    assert result.positions == 2
    assert result.largest_share == pytest.approx(7 / 12, rel=1e-15)
    assert result.hhi == pytest.approx((49 + 25) / 144, rel=1e-15)
    single = concentration([("A", Decimal(-3))])
    assert single is not None
    assert single.hhi == 1.0
    assert single.largest_share == 1.0
    assert concentration([]) is None
    assert concentration([("A", Decimal(0))]) is None
