"""``jts sweep --engine vector``: every combination's results as the event engine's, and the
best combination's files and report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from jts.backtest.data import generate_bars, write_bars
from jts.cli.main import build_app

STRATEGIES = Path(__file__).parents[3] / "examples" / "strategies"
SMA_JTS = STRATEGIES / "sma_cross.jts"
GRID = ("--param", "fast=5,8", "--param", "slow=20,30")


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=3, seed=3, calendar=FakeKrxCalendar()
    )
    path = tmp_path_factory.mktemp("sweep-vector") / "bars.parquet"
    write_bars(table, path)
    return path


def _sweep(bars: Path, *args: str, strategy: Path = SMA_JTS) -> Result:
    return CliRunner().invoke(
        build_app(), ["sweep", "--strategy", str(strategy), "--data", str(bars), *args]
    )


@pytest.mark.slow
def test_a_grid_gives_the_event_engines_results(bars: Path, tmp_path: Path) -> None:
    event, vector = tmp_path / "event", tmp_path / "vector"
    for engine, out in (("event", event), ("vector", vector)):
        result = _sweep(
            bars, *GRID, "--workers", "1", "--engine", engine, "--out", str(out),
            "--constraint", "fast < 8 or slow > 20",
        )  # fmt: skip
        assert result.exit_code == 0, result.output

    table_v, table_e = (
        pq.read_table(vector / "sweep.parquet"),
        pq.read_table(event / "sweep.parquet"),
    )
    assert table_v.num_rows == 4
    assert table_v.equals(table_e)
    assert (vector / "sweep.csv").read_bytes() == (event / "sweep.csv").read_bytes()
    summary = json.loads((vector / "summary.json").read_text())
    assert summary == json.loads((event / "summary.json").read_text())
    assert (summary["ok"], summary["skipped"]) == (3, 1)
    assert summary["best"]["stats"]["trades"] > 0
    # the best combination's whole result, as the event sweep writes it
    assert (vector / "report.html").read_bytes() == (event / "report.html").read_bytes()
    best_v, best_e = vector / "best", event / "best"
    assert sorted(p.name for p in best_v.iterdir()) == sorted(p.name for p in best_e.iterdir())
    assert (best_v / "orders.parquet").exists()
    for path in sorted(best_e.iterdir()):
        assert (best_v / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--walk-forward", "2:1"], "--walk-forward"),
        (["--workers", "2"], "--workers"),
        (["--ray", "auto"], "--ray"),
    ],
)
def test_options_it_cannot_honour_are_refused(bars: Path, args: list[str], words: str) -> None:
    result = _sweep(bars, *GRID, "--engine", "vector", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "--engine event" in result.output
    assert "Traceback" not in result.output


def test_a_python_strategy_is_refused(bars: Path) -> None:
    result = _sweep(bars, *GRID, "--engine", "vector", strategy=STRATEGIES / "sma_cross.py")
    assert result.exit_code == 2, result.output
    assert ".jts" in result.output
    assert "Traceback" not in result.output
