"""Local worker processes give exactly the outcomes of the calling process."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from jts.backtest.sweeps import (
    ParamSpace,
    ProcessExecutor,
    SerialExecutor,
    SweepFailedError,
    SweepJob,
    SweepSpec,
    Trial,
    make_executor,
    run_sweep,
)

SPACE = ParamSpace.parse(["fast=4,8", "slow=20,40"])


def test_processes_equal_serial_and_reuse_their_workers(job: SweepJob) -> None:
    serial = run_sweep(job, SweepSpec(SPACE), executor=SerialExecutor())
    pool = ProcessExecutor(2, timeout_s=90)
    pool.start(job)
    try:
        first = pool.evaluate([Trial(i, p) for i, p in enumerate(SPACE.grid())])
        # a second batch on the same workers (the data is not read again)
        again = pool.evaluate([Trial(9, {"fast": 4, "slow": 20}, detail=True)])
        stamps = pool.timestamps()
    finally:
        pool.close()
    assert [o.stats for o in first] == [o.stats for o in serial.outcomes]
    assert [o.index for o in first] == [0, 1, 2, 3]
    assert again[0].result is not None
    assert again[0].result.stats() == serial.outcomes[0].stats
    assert len(stamps) == serial.outcomes[0].stats["bars"]  # type: ignore[index]
    assert bool(np.all(np.diff(stamps) > 0))


def test_worker_setup_errors_reach_the_caller(job: SweepJob, tmp_path: Path) -> None:
    broken = dataclasses.replace(job, data=(tmp_path / "nothing-here",))
    pool = ProcessExecutor(1, timeout_s=60)
    pool.start(broken)
    try:
        with pytest.raises(
            SweepFailedError, match=r"a sweep worker could not start: .*nothing-here"
        ):
            pool.evaluate([Trial(0, {"fast": 4, "slow": 20})])
    finally:
        pool.close()


def test_executor_choice_and_checks() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    assert isinstance(make_executor(3), ProcessExecutor)
    with pytest.raises(SweepFailedError, match="--workers must be at least 1"):
        ProcessExecutor(0)
    with pytest.raises(SweepFailedError, match="not started"):
        ProcessExecutor(1).evaluate([])
    with pytest.raises(SweepFailedError, match="not started"):
        SerialExecutor().timestamps()


def test_duplicate_trial_numbers_are_refused(job: SweepJob) -> None:
    serial = SerialExecutor()
    serial.start(job)
    with pytest.raises(SweepFailedError, match="unique"):
        serial.evaluate([Trial(0, {"fast": 4}), Trial(0, {"fast": 5})])


def test_missing_optional_packages_are_named_with_the_install_line(
    job: SweepJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jts.backtest.sweeps import RayUnavailableError
    from jts.backtest.sweeps.optuna_search import import_optuna

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(RayUnavailableError, match=r"--ray needs Ray.*pip install 'ray>=2.9,<3'"):
        make_executor(2, "auto").start(job)
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(SweepFailedError, match=r"--method optuna needs Optuna.*'optuna>=3.6,<6'"):
        import_optuna()
