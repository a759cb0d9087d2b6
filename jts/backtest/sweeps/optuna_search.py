"""Optuna search: a TPE study asked for proposals in batches, told each batch's results.

Batches let the workers run a study's proposals in parallel; the sampler uses the *constant
liar* so the proposals of one batch spread out instead of piling on the same point. The batch
size is fixed (not the number of workers) and results are told in proposal order, so a seeded
study proposes the same combinations whatever ``--workers`` is.

Proposals map onto the space exactly: integer ranges are integer distributions, a decimal range
with a step is an integer distribution over its step numbers (no float steps), a list is a
categorical over its positions, and only a continuous decimal range is a float distribution,
rounded to the range's resolution. A proposal that breaks a constraint, fails, or has no value
for the metric is told as a failed trial (the sampler learns nothing from it and moves on);
a proposal repeating an earlier combination reuses its outcome rather than running it again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jts.backtest.sweeps.errors import ParamSpecError, SweepFailedError
from jts.backtest.sweeps.objective import Objective
from jts.backtest.sweeps.space import (
    Choice,
    DecimalRange,
    Dimension,
    IntRange,
    ParamSpace,
    ParamValue,
)
from jts.backtest.sweeps.worker import TrialOutcome

if TYPE_CHECKING:
    from optuna import Study

__all__ = ["DEFAULT_BATCH", "import_optuna", "optuna_search"]

DEFAULT_BATCH = 8

Evaluate = Callable[[list[dict[str, ParamValue]]], list[TrialOutcome]]


def import_optuna() -> Any:
    try:
        import optuna  # noqa: PLC0415 - imported only by sweeps that use it
    except ImportError as exc:
        raise SweepFailedError(
            f"--method optuna needs Optuna, which is not installed ({exc}); install it with "
            "pip install 'optuna>=3.6,<6'"
        ) from None
    return optuna


def _distribution(optuna: Any, dimension: Dimension) -> Any:
    dists = optuna.distributions
    if isinstance(dimension, Choice):
        return dists.CategoricalDistribution(tuple(range(len(dimension.choices))))
    if isinstance(dimension, IntRange):
        return dists.IntDistribution(dimension.low, dimension.high, step=dimension.step)
    size = dimension.size
    if size is not None:
        return dists.IntDistribution(0, size - 1)
    return dists.FloatDistribution(float(dimension.low), float(dimension.high))


def _decode(dimension: Dimension, raw: Any) -> ParamValue:
    if isinstance(dimension, Choice):
        return dimension.choices[int(raw)]
    if isinstance(dimension, IntRange):
        return int(raw)
    if dimension.size is not None:
        return dimension.value_at(int(raw))
    assert isinstance(dimension, DecimalRange)
    value = Decimal(repr(float(raw))).quantize(dimension.resolution)
    return min(max(value, dimension.low), dimension.high)


def optuna_search(
    space: ParamSpace,
    objective: Objective,
    trials: int,
    evaluate: Evaluate,
    *,
    seed: int = 0,
    batch: int = DEFAULT_BATCH,
) -> Study:
    """Run ``trials`` proposals through ``evaluate`` (which keeps the outcomes); the study is
    returned for inspection."""
    if trials < 1:
        raise ParamSpecError(f"--trials must be at least 1, got {trials}")
    if batch < 1:
        raise ParamSpecError(f"the Optuna batch must be at least 1, got {batch}")
    optuna = import_optuna()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
        study: Study = optuna.create_study(direction=objective.direction, sampler=sampler)
        distributions = {d.name: _distribution(optuna, d) for d in space.dimensions}
        failed = optuna.trial.TrialState.FAIL
        remaining = trials
        while remaining > 0:
            asked = [study.ask(distributions) for _ in range(min(batch, remaining))]
            proposals = [
                {d.name: _decode(d, trial.params[d.name]) for d in space.dimensions}
                for trial in asked
            ]
            outcomes: Sequence[TrialOutcome] = evaluate(proposals)
            for trial, outcome in zip(asked, outcomes, strict=True):
                value = (
                    objective.value(outcome.stats)
                    if outcome.status == "ok" and outcome.stats is not None
                    else None
                )
                if value is None:
                    study.tell(trial, state=failed)
                else:
                    study.tell(trial, float(value))
            remaining -= len(asked)
    finally:
        optuna.logging.set_verbosity(verbosity)
    return study
