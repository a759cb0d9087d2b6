"""Random search: ``trials`` distinct combinations drawn with a seeded generator.

Python's `random.Random` with the given seed makes the draw reproducible on every platform.
When every dimension is discrete the draw is *without replacement* over the whole grid
(`random.Random.sample` over the combination numbers, which never enumerates the grid), so no
combination is run twice and asking for more trials than the grid holds runs the grid once,
in random order. With a continuous range, values are drawn per dimension and repeats (rare)
are drawn again.
"""

from __future__ import annotations

import random
from typing import Final

from jts.backtest.sweeps.errors import ParamSpecError
from jts.backtest.sweeps.space import ParamSpace, ParamValue, params_key

__all__ = ["random_combinations"]

_MAX_DRAWS_PER_TRIAL: Final = 100


def random_combinations(space: ParamSpace, trials: int, seed: int) -> list[dict[str, ParamValue]]:
    if trials < 1:
        raise ParamSpecError(f"--trials must be at least 1, got {trials}")
    rng = random.Random(seed)  # noqa: S311 - a reproducible search, not a secret
    size = space.size
    if size is not None:
        return [space.combination(i) for i in rng.sample(range(size), min(trials, size))]
    names = space.names
    seen: set[tuple[ParamValue, ...]] = set()
    found: list[dict[str, ParamValue]] = []
    for _ in range(trials * _MAX_DRAWS_PER_TRIAL):
        if len(found) == trials:
            break
        params = space.sample(rng)
        key = params_key(params, names)
        if key not in seen:
            seen.add(key)
            found.append(params)
    return found
