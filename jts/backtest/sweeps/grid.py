"""Grid search: every combination of the parameter space, in a fixed order.

The order is `ParamSpace.grid`'s (the last ``--param`` varies fastest), and it is the order of
the results table. ``max_combinations`` guards against a typo (or a DSL range such as
``quantity in 1..10_000``) turning a sweep into a week of computing: the error says how many
combinations the space has and which parameter contributes most.
"""

from __future__ import annotations

from collections.abc import Iterator

from jts.backtest.sweeps.errors import ParamSpecError
from jts.backtest.sweeps.space import ParamSpace, ParamValue

__all__ = ["DEFAULT_MAX_COMBINATIONS", "grid_combinations", "grid_size"]

DEFAULT_MAX_COMBINATIONS = 100_000


def grid_size(space: ParamSpace, max_combinations: int = DEFAULT_MAX_COMBINATIONS) -> int:
    """The number of grid combinations; refused when a range is continuous or the grid is
    larger than ``max_combinations``."""
    for dimension in space.dimensions:
        if dimension.size is None:
            dimension.values()  # raises the explanation (a continuous range has no grid)
    size = space.size
    assert size is not None
    if size > max_combinations:
        largest = max(space.dimensions, key=lambda d: d.size or 0)
        raise ParamSpecError(
            f"the grid has {size:,} combinations, more than --max-combinations "
            f"{max_combinations:,} ({largest.name} alone has {largest.size:,} values): narrow "
            "the ranges, use a coarser step, or use --method random or optuna with --trials"
        )
    return size


def grid_combinations(
    space: ParamSpace, max_combinations: int = DEFAULT_MAX_COMBINATIONS
) -> Iterator[dict[str, ParamValue]]:
    grid_size(space, max_combinations)
    return space.grid()
