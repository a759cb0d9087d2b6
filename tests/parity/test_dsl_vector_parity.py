"""The vectorised backtest equals the event-driven one fill by fill and bar by bar: on every
example strategy it can run, on random parameters and data (seeded), with and without costs,
in both fill modes; and what it cannot run it refuses by name."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from jts.domain.market_data import BarSpecification
from jts.dsl.load import load_file
from jts.dsl.program import Program
from jts.dsl.vector import VectorUnsupportedError

from .support import (
    Costs,
    assert_parity,
    event_driven,
    instrument_of,
    synthetic,
    vectorised,
)

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples" / "strategies").glob("*.jts"))
SMA = ROOT / "examples" / "strategies" / "sma_cross.jts"


def _sampled(program: Program, seed: int) -> dict[str, Decimal]:
    rng = np.random.default_rng(seed)
    chosen: dict[str, Decimal] = {}
    for parameter in program.params:
        grid = parameter.grid()
        chosen[parameter.name] = grid[int(rng.integers(len(grid)))]
    return chosen


def _both(
    program: Program, params: dict[str, object], tmp_path: Path, costs: Costs, days: int, seed: int
) -> None:
    symbol = str(program.universe[0])
    spec = program.bar_spec
    assert isinstance(spec, BarSpecification)
    table = synthetic(symbol, spec, days=days, seed=seed)
    event = event_driven(program, params, table, tmp_path, costs, spec)
    vector = vectorised(program, params, table, instrument_of(symbol), costs)
    assert_parity(event, vector)
    assert len(vector.fills) > 0, "a parity check without fills proves little"


@pytest.mark.parametrize(
    "costs",
    [
        Costs(),
        Costs(commission=None, tax=None),
        Costs(fill="close", commission=None, tax=None),
        Costs(commission=Decimal("0.0015"), tax=Decimal("0.002")),
    ],
    ids=["free", "default-costs", "close-fill", "flat-rates"],
)
def test_sma_cross_default_params(costs: Costs, tmp_path: Path) -> None:
    _both(load_file(SMA), {"quantity": 10}, tmp_path, costs, days=6, seed=3)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_sma_cross_random_params_and_data(seed: int, tmp_path: Path) -> None:
    program = load_file(SMA)
    params: dict[str, object] = dict(_sampled(program, seed))
    fill = "close" if seed % 2 else "next-open"
    costs = Costs(cash=2_000_000_000, commission=None, tax=None, fill=fill)
    _both(program, params, tmp_path, costs, days=5, seed=100 + seed)


def test_buying_power_denials_agree(tmp_path: Path) -> None:
    """Cash for a few lots only: some entries are denied (the venue's upper limit reserve)
    in both paths alike."""
    costs = Costs(cash=3_000_000, commission=None, tax=None)
    _both(load_file(SMA), {"quantity": 30}, tmp_path, costs, days=6, seed=9)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_runs_identically_or_is_refused_by_name(path: Path, tmp_path: Path) -> None:
    program = load_file(path)
    supported = not program.stops and len(program.universe) == 1
    if not supported:
        symbol = str(program.universe[0])
        spec = program.bar_spec
        assert isinstance(spec, BarSpecification)
        table = synthetic(symbol, spec, days=2, seed=1)
        with pytest.raises(VectorUnsupportedError, match="vectorised backtest"):
            vectorised(program, {}, table, instrument_of(symbol), Costs())
        return
    _both(program, {}, tmp_path, Costs(commission=None, tax=None), days=5, seed=7)
