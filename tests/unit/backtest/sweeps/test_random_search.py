"""Random search: seeded, distinct, and never larger than the grid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.backtest.sweeps import ParamSpace, ParamSpecError, random_combinations
from jts.backtest.sweeps.space import params_key


def test_same_seed_same_draw_other_seed_other_draw() -> None:
    space = ParamSpace.parse(["fast=1:50", "slow=10:200:5"])
    first = random_combinations(space, 20, seed=7)
    assert first == random_combinations(space, 20, seed=7)
    assert first != random_combinations(space, 20, seed=8)
    keys = {params_key(p, space.names) for p in first}
    assert len(keys) == 20  # without replacement
    grid = list(space.grid())
    assert all(p in grid for p in first)


def test_more_trials_than_the_grid_runs_the_grid_once() -> None:
    space = ParamSpace.parse(["fast=5,10", "slow=20,30,40"])
    drawn = random_combinations(space, 50, seed=1)
    assert len(drawn) == 6
    assert sorted(map(str, drawn)) == sorted(map(str, space.grid()))


def test_continuous_ranges_are_sampled_distinct_and_in_bounds() -> None:
    space = ParamSpace.parse(["k=0.5:2.5", "n=1:3"])
    drawn = random_combinations(space, 40, seed=2)
    assert len({params_key(p, space.names) for p in drawn}) == 40
    for params in drawn:
        assert Decimal("0.5") <= params["k"] <= Decimal("2.5")  # type: ignore[operator]
        assert params["n"] in (1, 2, 3)


def test_trials_must_be_positive() -> None:
    with pytest.raises(ParamSpecError, match="--trials must be at least 1"):
        random_combinations(ParamSpace.parse(["fast=1:5"]), 0, seed=0)
