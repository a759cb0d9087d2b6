"""A sweep: a search over a parameter space, run on an executor, ranked by an objective.

    job = SweepJob("examples/strategies/sma_cross.py", (Path("bars.parquet"),))
    spec = SweepSpec(ParamSpace.parse(["fast=5:20:5", "slow=20:60:10"]),
                     constraints=(Constraint("fast < slow", ["fast", "slow"]),))
    result = run_sweep(job, spec, workers=2)
    result.best.params, result.best.stats["sharpe"]

The search proposes combinations (grid, seeded random, or Optuna); a combination that breaks a
constraint is skipped without running, one the strategy refuses is skipped with its reason, one
whose run raises is counted as failed; only when *no* combination could run does the sweep
fail. Each distinct combination appears once in the result, in the order it was first proposed,
with a number (``index``) that is stable for the same inputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from jts.backtest.results import BacktestResult
from jts.backtest.sweeps.constraints import Constraint
from jts.backtest.sweeps.errors import SweepFailedError, SweepInputError
from jts.backtest.sweeps.executor import Executor, make_executor
from jts.backtest.sweeps.grid import DEFAULT_MAX_COMBINATIONS, grid_combinations, grid_size
from jts.backtest.sweeps.objective import MetricValue, Objective
from jts.backtest.sweeps.optuna_search import DEFAULT_BATCH, optuna_search
from jts.backtest.sweeps.random_search import random_combinations
from jts.backtest.sweeps.space import ParamSpace, ParamValue, params_key
from jts.backtest.sweeps.worker import SweepJob, Trial, TrialOutcome
from jts.domain.values import Money

__all__ = ["Method", "Progress", "SweepResult", "SweepSpec", "run_sweep", "search"]

Method: TypeAlias = Literal["grid", "random", "optuna"]
#: ``progress(done, total)``: proposals handled so far (run, skipped or repeated) of the total.
Progress: TypeAlias = Callable[[int, int], None]
METHODS: tuple[Method, ...] = ("grid", "random", "optuna")


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """What to search and how to rank it. ``trials`` is the number of proposals of a random or
    Optuna search (required there, refused for a grid, which runs every combination)."""

    space: ParamSpace
    method: Method = "grid"
    trials: int | None = None
    seed: int = 0
    objective: Objective = field(default_factory=Objective)
    constraints: tuple[Constraint, ...] = ()
    max_combinations: int = DEFAULT_MAX_COMBINATIONS
    batch: int = DEFAULT_BATCH

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise SweepInputError(
                f"--method must be one of {', '.join(METHODS)}, got {self.method!r}"
            )
        if self.method == "grid":
            if self.trials is not None:
                raise SweepInputError(
                    "--trials applies to --method random or optuna; a grid runs every combination"
                )
            grid_size(self.space, self.max_combinations)
        elif self.trials is None or self.trials < 1:
            raise SweepInputError(
                f"--method {self.method} needs --trials N (N >= 1), got {self.trials}"
            )

    @property
    def proposals(self) -> int:
        """How many combinations the search will propose."""
        if self.method == "grid":
            return grid_size(self.space, self.max_combinations)
        assert self.trials is not None
        if self.method == "random" and self.space.size is not None:
            return min(self.trials, self.space.size)
        return self.trials


@dataclass(slots=True)
class SweepResult:
    spec: SweepSpec
    outcomes: tuple[TrialOutcome, ...]
    proposals: int
    start_ns: int | None = None
    end_ns: int | None = None
    best_result: BacktestResult | None = None

    def value(self, outcome: TrialOutcome) -> MetricValue | None:
        """The objective's figure for an outcome (None unless it ran and the figure exists)."""
        if outcome.status != "ok" or outcome.stats is None:
            return None
        return self.spec.objective.value(outcome.stats)

    @property
    def best(self) -> TrialOutcome | None:
        ran = [o for o in self.outcomes if o.status == "ok"]
        chosen = self.spec.objective.best_index((o.index, self.value(o)) for o in ran)
        return next((o for o in ran if o.index == chosen), None)

    def ranked(self) -> list[TrialOutcome]:
        """The combinations that ran, best first (undefined figures last, ties by index)."""
        ran = [o for o in self.outcomes if o.status == "ok"]
        scored = [(o, v) for o in ran if (v := self.value(o)) is not None]
        undefined = [o for o in ran if self.value(o) is None]
        # two stable sorts: by index, then by value (equal values keep the index order)
        scored.sort(key=lambda pair: pair[0].index)
        scored.sort(key=lambda pair: pair[1], reverse=self.spec.objective.direction == "maximize")
        return [o for o, _ in scored] + undefined

    def counts(self) -> dict[str, Any]:
        statuses = Counter(o.status for o in self.outcomes)
        reasons = Counter(o.reason for o in self.outcomes if o.status != "ok")
        return {
            "proposals": self.proposals,
            "combinations": len(self.outcomes),
            "ok": statuses["ok"],
            "skipped": statuses["skipped"],
            "failed": statuses["failed"],
            "reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def summary(self) -> dict[str, Any]:
        """The sweep in JSON types: settings, counts, and the best combination."""
        best = self.best
        spec = self.spec
        return {
            "method": spec.method,
            "metric": spec.objective.metric,
            "direction": spec.objective.direction,
            "seed": spec.seed,
            "trials": spec.trials,
            "parameters": list(spec.space.names),
            "constraints": [c.text for c in spec.constraints],
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            **self.counts(),
            "best": None
            if best is None
            else {
                "index": best.index,
                "params": {k: json_value(v) for k, v in best.params.items()},
                "stats": best.stats,
            },
        }


def json_value(value: ParamValue) -> int | str:
    """A parameter value in JSON: ints stay numbers, decimals keep their digits as text."""
    return value if isinstance(value, int | str) else format(value, "f")


class _Session:
    """One search's bookkeeping: numbering, constraints, repeats, progress."""

    def __init__(
        self,
        executor: Executor,
        spec: SweepSpec,
        *,
        start_ns: int | None,
        end_ns: int | None,
        cash: Money | None,
        progress: Progress | None,
    ) -> None:
        self.executor = executor
        self.spec = spec
        self.window = (start_ns, end_ns)
        self.cash = cash
        self.progress = progress
        self.total = spec.proposals
        self.done = 0
        self.proposed = 0
        self.seen: dict[tuple[ParamValue, ...], TrialOutcome] = {}
        self.outcomes: list[TrialOutcome] = []

    def _tick(self, _: object = None) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _violated(self, params: dict[str, ParamValue]) -> Constraint | None:
        return next((c for c in self.spec.constraints if not c.holds(params)), None)

    def evaluate(self, proposals: Sequence[dict[str, ParamValue]]) -> list[TrialOutcome]:
        names = self.spec.space.names
        keys = [params_key(p, names) for p in proposals]
        trials: list[Trial] = []
        for params, key in zip(proposals, keys, strict=True):
            self.proposed += 1
            if key in self.seen:
                self._tick()
                continue
            index = len(self.seen)
            broken = self._violated(params)
            if broken is not None:
                outcome = TrialOutcome(index, params, "skipped", f"constraint: {broken.text}")
                self.seen[key] = outcome
                self.outcomes.append(outcome)
                self._tick()
                continue
            trial = Trial(index, params, self.window[0], self.window[1], self.cash)
            trials.append(trial)
            self.seen[key] = TrialOutcome(index, params, "failed", "not run")  # placeholder
        for outcome in self.executor.evaluate(trials, self._tick):
            self.seen[params_key(outcome.params, names)] = outcome
            self.outcomes.append(outcome)
        return [self.seen[key] for key in keys]

    def result(self) -> SweepResult:
        outcomes = tuple(sorted(self.outcomes, key=lambda o: o.index))
        if outcomes and all(o.status != "ok" for o in outcomes):
            reasons = Counter(o.reason for o in outcomes)
            reason, count = reasons.most_common(1)[0]
            raise SweepFailedError(
                f"no combination could run ({len(outcomes)} tried); most often ({count}x): {reason}"
            )
        return SweepResult(
            self.spec, outcomes, self.proposed, start_ns=self.window[0], end_ns=self.window[1]
        )


def search(
    executor: Executor,
    spec: SweepSpec,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    cash: Money | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run ``spec``'s search on a started executor, over ``start_ns..end_ns`` (None: the job's
    range) from ``cash`` (None: the job's)."""
    session = _Session(
        executor, spec, start_ns=start_ns, end_ns=end_ns, cash=cash, progress=progress
    )
    if spec.method == "grid":
        session.evaluate(list(grid_combinations(spec.space, spec.max_combinations)))
    elif spec.method == "random":
        assert spec.trials is not None
        session.evaluate(random_combinations(spec.space, spec.trials, spec.seed))
    else:
        assert spec.trials is not None
        optuna_search(
            spec.space,
            spec.objective,
            spec.trials,
            session.evaluate,
            seed=spec.seed,
            batch=spec.batch,
        )
    return session.result()


def rerun_in_detail(
    executor: Executor, result: SweepResult, outcome: TrialOutcome
) -> BacktestResult:
    """The whole `BacktestResult` of one combination of ``result`` (for its report)."""
    trial = Trial(outcome.index, outcome.params, result.start_ns, result.end_ns, detail=True)
    (again,) = executor.evaluate([trial])
    if again.result is None:
        raise SweepFailedError(
            f"combination {dict(outcome.params)} ran in the sweep but not again: {again.reason}"
        )
    return again.result


def run_sweep(
    job: SweepJob,
    spec: SweepSpec,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    best_detail: bool = True,
) -> SweepResult:
    """Start an executor for ``job`` (local processes unless one is given), search, and with
    ``best_detail`` run the best combination once more to keep its whole result (the report)."""
    runner = executor if executor is not None else make_executor(workers)
    runner.start(job)
    try:
        result = search(runner, spec, progress=progress)
        best = result.best
        if best_detail and best is not None:
            result.best_result = rerun_in_detail(runner, result, best)
    finally:
        runner.close()
    return result
