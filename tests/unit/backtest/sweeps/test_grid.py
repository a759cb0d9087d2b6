"""Grid search: every combination, refused when it cannot or should not be enumerated."""

from __future__ import annotations

import pytest

from jts.backtest.sweeps import ParamSpace, ParamSpecError, grid_combinations, grid_size


def test_grid_runs_every_combination_in_order() -> None:
    space = ParamSpace.parse(["fast=5,10", "slow=20,30"])
    assert grid_size(space) == 4
    assert [tuple(p.values()) for p in grid_combinations(space)] == [
        (5, 20), (5, 30), (10, 20), (10, 30),
    ]  # fmt: skip


def test_grid_guard_names_the_largest_parameter() -> None:
    space = ParamSpace.parse(["fast=1:100", "slow=1:1000"])
    with pytest.raises(ParamSpecError, match=r"100,000 combinations.*slow alone has 1,000"):
        grid_size(space, max_combinations=99_999)
    assert grid_size(space, max_combinations=100_000) == 100_000


def test_continuous_range_has_no_grid() -> None:
    with pytest.raises(ParamSpecError, match="continuous range"):
        grid_size(ParamSpace.parse(["fast=5,10", "k=0.5:1.5"]))
