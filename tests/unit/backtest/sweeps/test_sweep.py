"""Sweeps in one process: counts, ranking, constraints, and equality with single backtests."""

from __future__ import annotations

import pytest

from jts.backtest.runner import load_strategy, run_backtest
from jts.backtest.sweeps import (
    Constraint,
    Objective,
    ParamSpace,
    SerialExecutor,
    SweepFailedError,
    SweepInputError,
    SweepJob,
    SweepSpec,
    run_sweep,
    search,
)
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .conftest import SMA_PY

SPACE = ParamSpace.parse(["fast=5,10,20", "slow=10,30"])
FAST_BELOW_SLOW = Constraint("fast < slow", SPACE.names)


@pytest.fixture(scope="module")
def executor(job: SweepJob):  # type: ignore[no-untyped-def]
    runner = SerialExecutor()
    runner.start(job)
    yield runner
    runner.close()


def test_grid_with_constraint_counts_and_ranks(
    executor: SerialExecutor, job: SweepJob, calendar: FakeKrxCalendar
) -> None:
    progress: list[tuple[int, int]] = []
    spec = SweepSpec(SPACE, constraints=(FAST_BELOW_SLOW,))
    result = search(executor, spec, progress=lambda done, total: progress.append((done, total)))
    assert [dict(o.params) for o in result.outcomes] == list(SPACE.grid())
    assert [o.index for o in result.outcomes] == list(range(6))
    assert [o.status for o in result.outcomes] == ["ok", "ok", "skipped", "ok", "skipped", "ok"]
    counts = result.counts()
    assert counts["ok"] == 4
    assert counts["skipped"] == 2
    assert counts["failed"] == 0
    assert counts["reasons"] == {"constraint: fast < slow": 2}
    assert progress[-1] == (6, 6)
    assert len(progress) == 6
    # the best is the highest Sharpe, found independently
    ran = [o for o in result.outcomes if o.status == "ok"]
    top = max(ran, key=lambda o: o.stats["sharpe"])  # type: ignore[index]
    assert result.best is top
    assert result.ranked()[0] is top
    sharpes = [o.stats["sharpe"] for o in result.ranked()]  # type: ignore[index]
    assert sharpes == sorted(sharpes, reverse=True)
    # every combination equals a single backtest with its values
    for outcome in ran[:2]:
        strategy = load_strategy(str(SMA_PY), dict(outcome.params))
        single = run_backtest([strategy], job.data[0], job.config, calendar=calendar)
        assert outcome.stats is not None
        assert outcome.stats["final_equity"] == single.stats()["final_equity"]
        assert outcome.stats["trades"] == len(single.fills)
        assert outcome.stats == single.stats()
    summary = result.summary()
    assert summary["best"]["params"] == dict(top.params)
    assert summary["method"] == "grid"
    assert summary["skipped"] == 2


def test_minimising_and_failures_without_constraint(executor: SerialExecutor) -> None:
    spec = SweepSpec(SPACE, objective=Objective("max_drawdown", "minimize"))
    result = search(executor, spec)
    # SMACross raises for fast >= slow: counted as failed with the strategy's message
    counts = result.counts()
    assert counts["failed"] == 2
    assert counts["reasons"] == {
        "ValueError: fast (10) must be below slow (10)": 1,
        "ValueError: fast (20) must be below slow (10)": 1,
    }
    ran = [o for o in result.outcomes if o.status == "ok"]
    worst = min(ran, key=lambda o: o.stats["max_drawdown"])  # type: ignore[index]
    assert result.best is worst


def test_a_sweep_where_nothing_runs_fails_with_the_reason(executor: SerialExecutor) -> None:
    space = ParamSpace.parse(["fast=30,40", "slow=10"])
    with pytest.raises(SweepFailedError, match=r"no combination could run \(2 tried\).*fast \("):
        search(executor, SweepSpec(space))
    space = ParamSpace.parse(["fast=5", "slow=10"])
    impossible = Constraint("fast > slow", space.names)
    with pytest.raises(SweepFailedError, match="constraint: fast > slow"):
        search(executor, SweepSpec(space, constraints=(impossible,)))


def test_random_search_is_reproducible(executor: SerialExecutor) -> None:
    space = ParamSpace.parse(["fast=3:12", "slow=20:40:5"])
    spec = SweepSpec(space, method="random", trials=3, seed=5)
    first = search(executor, spec)
    again = search(executor, spec)
    assert [dict(o.params) for o in first.outcomes] == [dict(o.params) for o in again.outcomes]
    assert [o.stats for o in first.outcomes] == [o.stats for o in again.outcomes]
    assert len(first.outcomes) == 3
    assert first.proposals == 3


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"method": "annealing"}, "--method must be one of grid, random, optuna"),
        ({"trials": 5}, "--trials applies to --method random or optuna"),
        ({"method": "random"}, "--method random needs --trials"),
        ({"method": "optuna", "trials": 0}, "--method optuna needs --trials"),
    ],
)
def test_spec_options_are_checked(changes: dict[str, object], words: str) -> None:
    with pytest.raises(SweepInputError, match=words):
        SweepSpec(SPACE, **changes)  # type: ignore[arg-type]


def test_run_sweep_keeps_the_best_result_whole(job: SweepJob) -> None:
    spec = SweepSpec(ParamSpace.parse(["fast=5,10", "slow=30"]))
    result = run_sweep(job, spec, executor=SerialExecutor())
    assert result.best is not None
    assert result.best_result is not None
    assert result.best_result.stats() == result.best.stats
