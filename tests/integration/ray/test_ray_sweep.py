"""Sweeps on Ray, against a local Ray instance this module starts (and stops).

Ray is an optional extra: without it the module is skipped, saying so. With it, the tests are
real: the same combinations on Ray actors give exactly the outcomes of the calling process, a
worker that cannot start reports why, and ``jts sweep --ray ADDRESS`` run as a separate
process connects to this instance by its address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jts.backtest.data import generate_bars, write_bars
from jts.backtest.engine import BacktestConfig
from jts.backtest.sweeps import (
    Constraint,
    ParamSpace,
    SerialExecutor,
    SweepFailedError,
    SweepJob,
    SweepSpec,
    run_sweep,
)
from jts.backtest.sweeps.ray_executor import RayExecutor
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'ray>=2.9,<3'")

ROOT = Path(__file__).parents[3]
SMA_PY = ROOT / "examples" / "strategies" / "sma_cross.py"
SPACE = ParamSpace.parse(["fast=4,8", "slow=8,30"])
SPEC = SweepSpec(SPACE, constraints=(Constraint("fast < slow", SPACE.names),))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A local two-CPU Ray instance; yields its address."""
    context = ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=80 * 1024 * 1024,
        log_to_driver=False,
    )
    try:
        yield str(context.address_info["gcs_address"])
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> SweepJob:
    calendar = FakeKrxCalendar()
    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=4, seed=5, calendar=calendar
    )
    path = tmp_path_factory.mktemp("ray-data") / "bars.parquet"
    write_bars(table, path)
    return SweepJob(str(SMA_PY), (path,), BacktestConfig(), calendar=calendar)


def test_ray_actors_give_the_outcomes_of_one_process(cluster: str, job: SweepJob) -> None:
    serial = run_sweep(job, SPEC, executor=SerialExecutor())
    on_ray = run_sweep(job, SPEC, executor=RayExecutor(cluster, 2, timeout_s=180))
    assert [o.status for o in on_ray.outcomes] == ["ok", "ok", "skipped", "ok"]
    assert [o.stats for o in on_ray.outcomes] == [o.stats for o in serial.outcomes]
    assert on_ray.best is not None
    assert serial.best is not None
    assert on_ray.best.params == serial.best.params
    assert on_ray.best_result is not None
    assert on_ray.best_result.stats() == serial.best.stats
    assert ray.is_initialized()  # a connection the executor did not open stays open


def test_a_worker_that_cannot_start_says_why(cluster: str, job: SweepJob, tmp_path: Path) -> None:
    broken = dataclasses.replace(job, data=(tmp_path / "missing.parquet",))
    with pytest.raises(SweepFailedError, match=r"could not start: .*missing\.parquet"):
        run_sweep(broken, SPEC, executor=RayExecutor(cluster, 1, timeout_s=120))


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    script = (
        "import sys, typer\n"
        "from jts.cli.errors import JtsGroup\n"
        "from jts.cli.sweep import sweep\n"
        "app = typer.Typer(cls=JtsGroup)\n"
        "app.callback()(lambda: None)\n"
        "app.command('sweep')(sweep)\n"
        "app(['sweep', *sys.argv[1:]])\n"
    )
    env: dict[str, Any] = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env,
    )


def test_cli_connects_to_a_cluster_by_address(cluster: str, job: SweepJob, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _cli(
        [
            "--strategy", str(SMA_PY), "--data", str(job.data[0]), "--ray", cluster,
            "--workers", "2", "--param", "fast=4,8", "--param", "slow=30",
            "--out", str(out),
        ],
        tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ok"] == 2
    # the default XKRX calendar on the actors: the same figures as a local run with it
    local = run_sweep(
        dataclasses.replace(job, calendar=None),
        SweepSpec(ParamSpace.parse(["fast=4,8", "slow=30"])),
        executor=SerialExecutor(),
    )
    assert summary["best"]["stats"] == (local.best.stats if local.best else None)
