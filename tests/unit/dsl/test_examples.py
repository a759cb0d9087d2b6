"""Every example strategy parses, checks, formats to itself and runs on synthetic bars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from jts.core.time import KST, NANOS_PER_MINUTE, dt_to_ns
from jts.dsl.catalog import Catalog
from jts.dsl.load import check_file, load_file
from jts.dsl.program import SizeShares
from jts.dsl.signals import BarArrays, evaluate
from jts.dsl.typed import Param

EXAMPLES_DIR = Path(__file__).parents[3] / "examples" / "strategies"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.jts"))


def minute_bars(days: int = 3, seed: int = 7) -> BarArrays:
    """Random-walk one-minute bars over whole KRX sessions (09:01 .. 15:30 close times)."""
    rng = np.random.default_rng(seed)
    stamps: list[int] = []
    for day in range(days):
        opening = dt_to_ns(dt.datetime(2024, 3, 4 + day, 9, 0, tzinfo=KST))
        stamps.extend(opening + NANOS_PER_MINUTE * np.arange(1, 391))
    ts = np.asarray(stamps, dtype=np.int64)
    close = 70_000 + np.cumsum(rng.normal(0, 60, ts.shape[0])).round()
    open_ = np.concatenate(([close[0]], close[:-1]))
    wiggle = np.abs(rng.normal(0, 40, ts.shape[0])).round()
    return BarArrays.of(
        open=open_,
        high=np.maximum(open_, close) + wiggle,
        low=np.minimum(open_, close) - wiggle,
        close=close,
        volume=rng.integers(100, 10_000, ts.shape[0]).astype(float),
        ts=ts,
    )


def test_the_required_examples_exist() -> None:
    names = {p.name for p in EXAMPLES}
    assert {
        "sma_cross.jts",
        "rsi_reversion.jts",
        "bollinger_breakout.jts",
        "opening_range_breakout.jts",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_checks_clean(path: Path, catalog: Catalog) -> None:
    assert check_file(path, catalog) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_trades(path: Path, catalog: Catalog) -> None:
    program = load_file(path, catalog)
    data = minute_bars()
    signals = evaluate(program, data)
    entries = signals.enter_long | signals.enter_short
    assert entries.any(), f"{path.name} never signals an entry on three random days"
    assert signals.series
    for array in (*signals.series.values(), *signals.amounts.values()):
        assert array.shape == (len(data),)


def test_sma_cross_is_the_benchmark_reference_case(catalog: Catalog) -> None:
    program = load_file(EXAMPLES_DIR / "sma_cross.jts", catalog)
    assert [(p.name, p.default) for p in program.params] == [
        ("fast", Decimal(10)),
        ("slow", Decimal(30)),
        ("quantity", Decimal(100)),
    ]
    assert program.sizing == SizeShares(Param("quantity", integral=True))
    data = minute_bars()
    signals = evaluate(program, data)
    fast, slow = signals.series["fast_ma"], signals.series["slow_ma"]
    above = fast > slow
    expected = np.zeros(len(data), dtype=bool)
    expected[1:] = above[1:] & ~above[:-1] & ~np.isnan(slow[:-1])
    assert signals.enter_long.tolist() == expected.tolist()


def test_opening_range_breakout_is_flat_before_the_close(catalog: Catalog) -> None:
    program = load_file(EXAMPLES_DIR / "opening_range_breakout.jts", catalog)
    data = minute_bars()
    signals = evaluate(program, data)
    assert data.ts is not None
    minutes = ((data.ts + 9 * 60 * NANOS_PER_MINUTE) // NANOS_PER_MINUTE) % (24 * 60)
    late = minutes >= 15 * 60 + 15
    assert signals.flatten.tolist() == late.tolist()
    assert not (signals.enter_long & (minutes > 14 * 60 + 30)).any()
    assert not (signals.enter_short & (minutes > 14 * 60 + 30)).any()
    assert not (signals.enter_long & (minutes <= 9 * 60 + 30)).any()
