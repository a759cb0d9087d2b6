"""The objective: which stats figure, which direction, how undefined figures rank."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.backtest.sweeps import METRICS, Objective, SweepInputError


def test_metrics_are_the_numeric_figures_of_stats_json() -> None:
    for name in ("sharpe", "total_return", "final_equity", "max_drawdown", "trades", "bars"):
        assert name in METRICS
    for name in ("start_date", "currency", "periods_per_year", "risk_free"):
        assert name not in METRICS


def test_bad_metric_or_direction_names_the_option() -> None:
    with pytest.raises(SweepInputError, match=r"--metric 'sharp' is not a figure.*sharpe"):
        Objective("sharp")
    with pytest.raises(SweepInputError, match="--direction must be"):
        Objective("sharpe", "up")  # type: ignore[arg-type]


def test_values_keep_exact_figures_exact() -> None:
    stats = {"final_equity": "100000001", "sharpe": 1.5, "trades": 4, "sortino": None}
    assert Objective("final_equity").value(stats) == Decimal("100000001")
    assert Objective("sharpe").value(stats) == 1.5
    assert Objective("trades").value(stats) == 4.0
    assert Objective("sortino").value(stats) is None


def test_ranking_directions_ties_and_undefined() -> None:
    up = Objective("sharpe")
    down = Objective("max_drawdown", "minimize")
    assert up.better(2.0, 1.0)
    assert not up.better(1.0, 2.0)
    assert not up.better(1.0, 1.0)
    assert down.better(-0.3, -0.1)
    # undefined ranks below everything, in either direction
    for objective in (up, down):
        assert objective.better(-1e9, None)
        assert not objective.better(None, -1e9)
        assert not objective.better(None, None)
    pairs = [(3, 1.0), (1, None), (2, 5.0), (0, 5.0)]
    assert up.best_index(pairs) == 0  # 5.0 twice: the first index wins
    assert down.best_index(pairs) == 3
    assert up.best_index([(4, None), (2, None)]) == 2
    assert up.best_index([]) is None
