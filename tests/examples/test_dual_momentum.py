"""The dual-momentum example: rotation into the top K by trailing return, cash otherwise."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from jts.backtest.data import ONE_DAY
from jts.backtest.results import BacktestResult
from jts.backtest.runner import load_strategy
from jts.domain.enums import OrderStatus
from jts.indicators import ROC
from jts.kernel.strategy.params import InvalidParamsError

from .support import EXAMPLES, fill_key, run_example, write_data

NAME = "dual_momentum.py"
SYMBOLS = ["000660.KRX", "005930.KRX", "035420.KRX", "069500.KRX"]
PARAMS = {"lookback": 60, "every": 20, "top_k": 2, "threshold": "0"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dm")
    return write_data(
        folder, SYMBOLS, start=dt.date(2021, 1, 4), n_days=500, seed=3, interval=ONE_DAY
    )


def run(data: Path, **overrides: object) -> BacktestResult:
    return run_example(NAME, data, {**PARAMS, **overrides}, interval=ONE_DAY)


def expected_selections(
    data: Path, lookback: int, every: int, top_k: int, threshold: float
) -> list[tuple[int, list[str]]]:
    """(day timestamp, names to hold) of every rebalance, from the vectorised ROC."""
    table = pq.read_table(data)
    ts = table.column("timestamp").cast("int64").to_numpy()
    names = table.column("instrument").to_pylist()
    close = table.column("close").to_numpy().astype(np.float64)
    days = sorted(set(int(t) for t in ts))
    roc = {}
    for name in SYMBOLS:
        mask = np.array([n == name for n in names])
        assert [int(t) for t in ts[mask]] == days  # every name trades every day
        roc[name] = ROC.compute(close[mask], period=lookback)
    out = []
    for d in range(lookback, len(days), every):
        ranked = sorted(SYMBOLS, key=lambda n: (-roc[n][d], n))
        out.append((days[d], [n for n in ranked[:top_k] if roc[n][d] > threshold * 100]))
    return out


def holdings(result: BacktestResult) -> list[tuple[int, frozenset[str]]]:
    """The names held after each fill."""
    position: dict[str, Decimal] = defaultdict(Decimal)
    out = []
    for fill in result.fills:
        sign = 1 if fill.order_side.value == "BUY" else -1
        position[str(fill.instrument_id)] += sign * fill.last_qty.as_decimal()
        assert position[str(fill.instrument_id)] >= 0
        out.append((fill.ts_event, frozenset(n for n, q in position.items() if q > 0)))
    return out


@pytest.mark.parametrize("threshold", [0.0, 0.05])
def test_rotation_holds_the_top_names_with_momentum(data: Path, threshold: float) -> None:
    result = run(data, threshold=str(threshold))
    assert len(result.fills) > 10
    # every order filled but those of the last rebalance still working at the end: no denials
    assert all(o.status is OrderStatus.FILLED or o.is_open for o in result.orders)
    selections = expected_selections(data, 60, 20, 2, threshold)
    assert len(selections) >= 20
    # the strategy announced exactly the expected selection on each rebalance day
    announced: dict[int, list[str]] = defaultdict(list)
    for signal in result.signals:
        if signal.direction.value == "LONG":
            announced[signal.ts_event].append(str(signal.instrument_id))
    assert [(t, announced[t]) for t, _ in selections] == selections
    # at most K names at any time, and the selection is what is held before the next rebalance
    held = holdings(result)
    assert max(len(names) for _, names in held) <= 2
    for (_, chosen), (next_day, _) in itertools.pairwise(selections):
        before = [names for ts, names in held if ts <= next_day]
        assert (before[-1] if before else frozenset()) == frozenset(chosen)
    if threshold:  # absolute momentum left some slots in cash
        assert any(len(chosen) < 2 for _, chosen in selections)


def test_a_threshold_nobody_beats_keeps_everything_in_cash(data: Path) -> None:
    result = run(data, threshold="10")
    assert result.fills == []
    assert Decimal(result.stats()["final_equity"]) == 100_000_000


def test_two_runs_fill_identically(data: Path) -> None:
    first, second = run(data), run(data)
    assert first.fills
    assert [fill_key(f) for f in first.fills] == [fill_key(f) for f in second.fills]


def test_symbols_accept_text() -> None:
    strategy = load_strategy(str(EXAMPLES / NAME), {"symbols": "005930.KRX, 000660.KRX"})
    assert strategy.params.symbols == ("005930.KRX", "000660.KRX")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"symbols": "005930.KRX"}, "at least two"),
        ({"symbols": "005930.KRX,005930.KRX"}, "duplicates"),
        ({"top_k": 5}, "top_k"),
        ({"exposure": "1.5"}, "exposure"),
        ({"every": 0}, "every"),
    ],
)
def test_bad_params_are_refused(params: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidParamsError, match=words):
        load_strategy(str(EXAMPLES / NAME), params)
