"""Optuna search: exact proposals, seeded reproducibility, failures told, repeats reused."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest

from jts.backtest.sweeps import (
    Constraint,
    Objective,
    ParamSpace,
    ParamSpecError,
    SerialExecutor,
    SweepJob,
    SweepSpec,
    TrialOutcome,
    search,
)
from jts.backtest.sweeps.optuna_search import optuna_search
from jts.backtest.sweeps.space import ParamValue

pytest.importorskip("optuna", reason="optuna is not installed (pip install 'optuna>=3.6,<6')")


class Recorder:
    """An evaluate function scoring combinations by a known formula (no backtests)."""

    def __init__(self, score, fail=lambda p: False) -> None:  # type: ignore[no-untyped-def]
        self.score = score
        self.fail = fail
        self.batches: list[list[dict[str, ParamValue]]] = []

    def __call__(self, proposals: list[dict[str, ParamValue]]) -> list[TrialOutcome]:
        self.batches.append(proposals)
        outcomes = []
        for i, params in enumerate(proposals):
            if self.fail(params):
                outcomes.append(TrialOutcome(i, params, "skipped", "refused"))
            else:
                outcomes.append(TrialOutcome(i, params, "ok", stats={"sharpe": self.score(params)}))
        return outcomes

    @property
    def proposals(self) -> list[dict[str, ParamValue]]:
        return [p for batch in self.batches for p in batch]


def test_proposals_are_exact_values_of_the_space() -> None:
    space = ParamSpace.parse(["n=0:20:2", "k=0.5:1.5:0.25", "mode=ema,sma", "c=0.5:2.5"])
    recorder = Recorder(lambda p: 1.0)
    optuna_search(space, Objective(), 30, recorder, seed=1, batch=4)
    assert [len(b) for b in recorder.batches] == [4] * 7 + [2]
    for params in recorder.proposals:
        assert params["n"] in space.dimensions[0].values()
        assert params["k"] in space.dimensions[1].values()
        assert isinstance(params["k"], Decimal)
        assert params["mode"] in ("ema", "sma")
        c = params["c"]
        assert isinstance(c, Decimal)
        assert Decimal("0.5") <= c <= Decimal("2.5")
        assert c == c.quantize(Decimal("0.0001"))


def test_seeded_study_is_reproducible_and_finds_the_peak() -> None:
    space = ParamSpace.parse(["x=0:30", "y=0:30"])

    def score(p: dict[str, ParamValue]) -> float:
        return -float((int(p["x"]) - 7) ** 2 + (int(p["y"]) - 21) ** 2)

    first, second, other = Recorder(score), Recorder(score), Recorder(score)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no experimental-feature warnings leak to the user
        study = optuna_search(space, Objective(), 60, first, seed=3, batch=6)
    optuna_search(space, Objective(), 60, second, seed=3, batch=6)
    optuna_search(space, Objective(), 60, other, seed=4, batch=6)
    assert first.proposals == second.proposals
    assert first.proposals != other.proposals
    assert study.best_value >= -2.0  # within a step or so of (7, 21) on a 31 x 31 grid
    minimised = Recorder(lambda p: -score(p))
    study = optuna_search(space, Objective("sharpe", "minimize"), 60, minimised, seed=3, batch=6)
    assert study.best_value <= 2.0


def test_refused_proposals_are_failed_trials() -> None:
    space = ParamSpace.parse(["x=0:9"])
    recorder = Recorder(lambda p: float(p["x"]), fail=lambda p: int(p["x"]) % 2 == 1)  # type: ignore[call-overload]
    study = optuna_search(space, Objective(), 12, recorder, seed=0, batch=3)
    states = {t.state.name for t in study.trials}
    assert states <= {"COMPLETE", "FAIL"}
    failed = [t for t in study.trials if t.state.name == "FAIL"]
    assert len(failed) == sum(1 for p in recorder.proposals if int(p["x"]) % 2)  # type: ignore[call-overload]
    assert study.best_value % 2 == 0


def test_bad_counts_are_refused() -> None:
    space = ParamSpace.parse(["x=0:9"])
    with pytest.raises(ParamSpecError, match="--trials must be at least 1"):
        optuna_search(space, Objective(), 0, Recorder(lambda p: 0.0))
    with pytest.raises(ParamSpecError, match="batch must be at least 1"):
        optuna_search(space, Objective(), 3, Recorder(lambda p: 0.0), batch=0)


def test_optuna_sweep_on_backtests_skips_and_reuses(job: SweepJob) -> None:
    space = ParamSpace.parse(["fast=4:6", "slow=5:7"])
    spec = SweepSpec(
        space,
        method="optuna",
        trials=12,
        seed=2,
        batch=4,
        constraints=(Constraint("fast < slow", space.names),),
    )
    executor = SerialExecutor()
    executor.start(job)
    try:
        result = search(executor, spec)
        again = search(executor, spec)
    finally:
        executor.close()
    assert result.proposals == 12
    # 9 possible combinations: repeats are reused, each combination appears once
    assert len(result.outcomes) <= 9
    keys = [tuple(o.params.values()) for o in result.outcomes]
    assert len(set(keys)) == len(keys)
    assert all(
        o.status == "skipped" and o.reason == "constraint: fast < slow"
        for o in result.outcomes
        if not o.params["fast"] < o.params["slow"]  # type: ignore[operator]
    )
    assert [dict(o.params) for o in again.outcomes] == [dict(o.params) for o in result.outcomes]
    assert result.best is not None
    assert result.best.params["fast"] < result.best.params["slow"]
