"""``jts sweep`` end to end (in-process worker, the fast fake calendar)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from jts.backtest.sweeps import worker
from jts.cli.errors import JtsGroup
from jts.cli.sweep import sweep
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .conftest import SMA_JTS, SMA_PY


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, calendar: FakeKrxCalendar) -> typer.Typer:
    """The command as the lead wires it (``app.command("sweep")(sweep)``), on the fake
    calendar instead of the XKRX one (which takes seconds to build)."""
    monkeypatch.setattr(worker, "default_calendar", lambda venue: calendar)
    application = typer.Typer(cls=JtsGroup, pretty_exceptions_enable=False)
    application.callback()(lambda: None)
    application.command("sweep")(sweep)
    return application


def invoke(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["sweep", *args])
    return result.exit_code, result.output


def test_grid_sweep_writes_results(app: typer.Typer, bars_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = invoke(
        app,
        "--strategy", str(SMA_PY), "--data", str(bars_file), "--workers", "1",
        "--param", "fast=4,8", "--param", "slow=8:20:12", "--constraint", "fast < slow",
        "--commission", "0", "--tax", "0", "--heatmap", "slow,fast", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert "4 combinations: 3 ran, 1 skipped, 0 failed" in output
    assert "1 x constraint: fast < slow" in output
    assert f"results written to {out}" in output
    table = pq.read_table(out / "sweep.parquet")
    assert table.column("param_slow").to_pylist() == [8, 20, 8, 20]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["strategy"] == str(SMA_PY)
    best = json.loads((out / "best" / "stats.json").read_text())
    assert best["final_equity"] == summary["best"]["stats"]["final_equity"]
    assert "fast" in (out / "report.html").read_text()


def test_dsl_walk_forward_with_random_search(
    app: typer.Typer, bars_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "wf"
    code, output = invoke(
        app,
        "--strategy", str(SMA_JTS), "--data", str(bars_file), "--workers", "1",
        "--param", "fast=4:9", "--param", "slow=20,30", "--param", "quantity=5",
        "--method", "random", "--trials", "3", "--seed", "4",
        "--walk-forward", "4d:2d", "--anchored", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert "walk-forward 4d:2d" in output
    assert "stitched out-of-sample" in output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["windows"] == 2
    assert stats["anchored"] is True
    windows = pq.read_table(out / "windows.parquet")
    assert windows.column("param_quantity").to_pylist() == [5, 5]
    assert windows.column("in_start_day").to_pylist() == ["2024-03-04", "2024-03-04"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--param", "speed=1,2"], "--param speed: sma_cross.py has no such parameter"),
        (["--param", "fast=1:"], "LOW:HIGH"),
        (["--param", "fast=5,10", "--metric", "sharp"], "--metric 'sharp' is not a figure"),
        (["--param", "fast=5,10", "--trials", "4"], "--trials applies to --method random"),
        (["--param", "fast=5,10", "--method", "random"], "--method random needs --trials"),
        (["--param", "fast=5,10", "--constraint", "fast <"], "not an expression"),
        (["--param", "fast=5,10", "--heatmap", "fast"], "--heatmap must be X,Y"),
        (["--param", "fast=5,10", "--heatmap", "fast,k"], "--heatmap k: not a swept"),
        (["--param", "fast=5,10", "--walk-forward", "5d:2"], "--walk-forward must be IN:OUT"),
        (["--param", "fast=5,10", "--workers", "0"], "--workers must be at least 1"),
        (["--param", "fast=5,10", "--cash", "lots"], "--cash must be a whole number"),
        (["--param", "fast=1:1000", "--param", "slow=1:1000"], "--max-combinations"),
        (["--param", "fast=5,10", "--walk-forward", "30d:10d"], "needs at least 40 days"),
    ],
)
def test_bad_options_fail_in_one_line(
    app: typer.Typer, bars_file: Path, args: list[str], words: str
) -> None:
    code, output = invoke(
        app, "--strategy", str(SMA_PY), "--data", str(bars_file), "--workers", "1", *args
    )
    assert code == 1
    assert output.strip().startswith("jts: error: ")  # after a transient progress bar
    assert len(output.strip().splitlines()) == 1
    assert words in output, output
    assert "Traceback" not in output


def test_missing_data_names_the_option(app: typer.Typer, tmp_path: Path) -> None:
    code, output = invoke(
        app, "--strategy", str(SMA_PY), "--data", str(tmp_path / "none"), "--param", "fast=5"
    )
    assert code == 1
    assert "--data: no such file or folder" in output
