"""Random programs run both ways agree fill by fill and bar by bar.

Two sources of programs: seeded draws from `programs.draw` (every feature: sizing forms,
stops, time rules, several instruments, daily bars, fill modes, shorting, costs, little cash),
and hypothesis-made rule conditions (look-backs, crosses, Kleene logic over random series)
inside a fixed strategy skeleton with stops.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jts.domain.market_data import BarSpecification
from jts.dsl import ast
from jts.dsl.catalog import Catalog
from jts.dsl.formatter import format_expr
from jts.dsl.load import check_source
from jts.dsl.registry import default_catalog
from jts.dsl.vector import VectorOverflowError
from tests.unit.dsl import strategies

from .programs import draw
from .support import (
    Costs,
    assert_parity,
    event_driven,
    instrument_of,
    synthetic,
    vectorised,
)

SEEDS = range(60)
_INT62 = 1 << 62


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_program_runs_identically(seed: int, catalog: Catalog, tmp_path: Path) -> None:
    drawn = draw(seed)
    program = check_source(drawn.source, catalog, f"random-{seed}.jts")
    table = synthetic(list(drawn.symbols), drawn.bars, days=drawn.days, seed=seed)
    event = event_driven(program, {}, table, tmp_path, drawn.costs, drawn.bars)
    instruments = [instrument_of(s) for s in drawn.symbols]
    try:
        vector = vectorised(program, {}, table, instruments, drawn.costs)
    except VectorOverflowError:
        # a blown-up short sized by a tiny risk divisor: the exact int64 range ends where the
        # event-driven books (Python ints) hold amounts beyond 2**62
        biggest = max(abs(f.last_px.raw * f.last_qty.raw) for f in event.fills)
        assert biggest >= _INT62 // 4, drawn.source
        return
    assert_parity(event, vector, program)


def test_the_random_programs_cover_every_feature() -> None:
    """What the seeds above draw, counted from their sources and settings."""
    seen: Counter[str] = Counter()
    for seed in SEEDS:
        drawn = draw(seed)
        text = drawn.source
        for word in ("shares", "KRW", "% of equity", "size risk", "stop loss", "take profit",
                     "trailing stop", "no entries before", "no entries after", "flatten at",
                     "_between", "enter short", "crosses"):  # fmt: skip
            seen[word] += word in text
        for kind in ("stop loss", "take profit", "trailing stop"):
            line = next((ln for ln in text.splitlines() if ln.startswith(kind)), "")
            seen[f"{kind} %"] += line.endswith("%")
            seen[f"{kind} distance"] += bool(line) and not line.endswith("%")
        seen["two instruments"] += len(drawn.symbols) == 2
        seen["an ETF"] += "069500.KRX" in drawn.symbols
        seen["daily bars"] += not drawn.intraday
        seen["close fills"] += drawn.costs.fill == "close"
        seen["shorting"] += drawn.costs.allow_short
        seen["default costs"] += drawn.costs.commission is None
        seen["little cash"] += drawn.costs.cash < 10_000_000
    missing = [name for name, count in seen.items() if count == 0]
    assert not missing, f"no random program draws: {missing}"


SKELETON = """param p = 2 in 0..3
universe 005930.KRX
bars 1 minute
let c = {condition}
let x = {number}
enter long when c
exit long when x > close
enter short when not c and close < close[1]
exit short when c
size {size}
{stops}
"""


@given(
    condition=strategies.conditions(),
    number=strategies.numbers(depth=2),
    size=st.sampled_from(
        ["3 shares", "2_000_000 KRW", "20% of equity", "risk 1% of equity per atr(3)"]
    ),
    stops=st.sampled_from(
        ["", "stop loss 0.3%", "take profit 0.2 * atr(2)\ntrailing stop 0.5%", "trailing stop 150"]
    ),
    p=st.integers(0, 3),
    fill=st.sampled_from(["next-open", "close"]),
    seed=st.integers(0, 50),
)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_random_conditions_run_identically(
    condition: ast.Expr,
    number: ast.Expr,
    size: str,
    stops: str,
    p: int,
    fill: str,
    seed: int,
    catalog: Catalog,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    source = SKELETON.format(
        condition=format_expr(condition), number=format_expr(number), size=size, stops=stops
    )
    program = check_source(source, catalog, "random.jts")
    spec = BarSpecification.parse("1-MINUTE-LAST")
    table = synthetic("005930.KRX", spec, days=2, seed=seed)
    costs = Costs(fill=fill, commission=None, tax=None, allow_short=True)
    event = event_driven(program, {"p": p}, table, tmp_path_factory.mktemp("run"), costs, spec)
    vector = vectorised(program, {"p": p}, table, instrument_of("005930.KRX"), costs)
    assert_parity(event, vector, program)
