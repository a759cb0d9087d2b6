"""The vectorised backtest equals the event-driven one fill by fill and bar by bar on every
example strategy: default and random parameters, with and without costs, both fill modes,
shorting on and off, cash short enough for the buying-power check to deny entries."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from jts.domain.market_data import BarSpecification
from jts.dsl.load import load_file
from jts.dsl.program import Program

from .support import (
    Costs,
    EventRun,
    assert_parity,
    event_driven,
    instrument_of,
    stop_exits,
    synthetic,
    vectorised,
)

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples" / "strategies").glob("*.jts"))
SMA = ROOT / "examples" / "strategies" / "sma_cross.jts"
#: sessions of synthetic data per example: enough for each to trade (and hit its stops)
DAYS = {"sma_cross": 5, "rsi_reversion": 12, "bollinger_breakout": 25, "opening_range_breakout": 8}


def _sampled(program: Program, seed: int) -> dict[str, Decimal]:
    rng = np.random.default_rng(seed)
    chosen: dict[str, Decimal] = {}
    for parameter in program.params:
        grid = parameter.grid()
        chosen[parameter.name] = grid[int(rng.integers(len(grid)))]
    return chosen


def _both(
    program: Program,
    params: dict[str, object],
    tmp_path: Path,
    costs: Costs,
    days: int,
    seed: int,
) -> EventRun:
    symbols = [str(i) for i in program.universe]
    spec = program.bar_spec
    assert isinstance(spec, BarSpecification)
    table = synthetic(symbols, spec, days=days, seed=seed)
    event = event_driven(program, params, table, tmp_path, costs, spec)
    vector = vectorised(program, params, table, [instrument_of(s) for s in symbols], costs)
    assert_parity(event, vector, program)
    assert len(vector.fills) > 0, "a parity check without fills proves little"
    return event


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


CONFIGS = [
    Costs(commission=None, tax=None),
    Costs(fill="close", commission=None, tax=None, allow_short=True),
    Costs(commission=Decimal("0.0015"), tax=Decimal("0.002"), allow_short=True),
    Costs(cash=12_000_000, commission=None, tax=None, allow_short=True),
]
CONFIG_IDS = ["default-costs", "close-fill-shorts", "flat-rates-shorts", "little-cash-shorts"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("costs", CONFIGS, ids=CONFIG_IDS)
def test_every_example_runs_identically(path: Path, costs: Costs, tmp_path: Path) -> None:
    program = load_file(path)
    _both(program, {}, tmp_path, costs, days=DAYS[path.stem], seed=7)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", [11, 14])
def test_every_example_with_random_parameters(path: Path, seed: int, tmp_path: Path) -> None:
    program = load_file(path)
    params: dict[str, object] = dict(_sampled(program, seed))
    costs = Costs(cash=2_000_000_000, fill="close" if seed % 2 else "next-open",
                  commission=None, tax=None, allow_short=True)  # fmt: skip
    _both(program, params, tmp_path, costs, days=DAYS[path.stem], seed=seed)


@pytest.mark.parametrize("name", ["rsi_reversion", "bollinger_breakout", "opening_range_breakout"])
def test_the_stop_examples_really_exit_on_stops(name: str, tmp_path: Path) -> None:
    """The stop levels are part of the comparison only if some exit is a stop's."""
    program = load_file(ROOT / "examples" / "strategies" / f"{name}.jts")
    costs = Costs(commission=None, tax=None, allow_short=True)
    event = _both(program, {}, tmp_path, costs, days=25, seed=5)
    assert stop_exits(event) > 0
