"""What runs one combination: the job every worker shares, a trial, and its outcome.

A `SweepWorker` is built once per worker (process, Ray actor or the calling process) from a
picklable `SweepJob`: it loads the strategy class, resolves the instruments, builds the calendar
(the XKRX one takes seconds) and reads the bars (`BarStore`) once. Each `Trial` then costs one
engine run: a fresh kernel and venue from `build_engine`, a fresh strategy instance, the stored
bars. That is exactly what `run_backtest` does for the same parameters, window and cash, minus
the re-reading, so a combination's result equals a single ``jts backtest`` with its values.

Outcomes are *ok* (with the run's stats), *skipped* (the strategy refused the values when it
was built: `InvalidParamsError` or another `InvalidInputError`, counted under its reason) or
*failed* (the run raised; the reason is the error's text). Neither stops the sweep.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from jts.backtest.data import ReadOptions
from jts.backtest.data.arrays import Int64Array
from jts.backtest.engine import BacktestConfig
from jts.backtest.results import BacktestResult
from jts.backtest.runner import (
    build_engine,
    default_calendar,
    load_strategy,
    load_strategy_class,
    resolve_instruments,
    scan_instrument_ids,
)
from jts.backtest.sweeps.bars import BarStore
from jts.backtest.sweeps.space import ParamValue
from jts.core.errors import InvalidInputError
from jts.domain.identifiers import InstrumentId
from jts.domain.values import Money
from jts.kernel.strategy import Strategy
from jts.matching.models import MatchingConfig
from jts.ports.calendar import TradingCalendar
from jts.ports.costs import CostModel

__all__ = ["OutcomeStatus", "StrategyFactory", "SweepJob", "SweepWorker", "Trial", "TrialOutcome"]

log = logging.getLogger(__name__)

OutcomeStatus: TypeAlias = Literal["ok", "skipped", "failed"]


class StrategyFactory:
    """Fresh strategy instances for one ``--strategy`` spec, the file read once.

    A Python file is imported once and its class instantiated per combination; a ``.jts`` file
    is parsed, checked and compiled once (the DSL compiler's class per program) and its class
    instantiated per combination, as the compiler documents for sweeps.
    """

    def __init__(self, spec: str) -> None:
        self.spec = spec
        if spec.partition(":")[0].endswith(".jts"):
            self.cls: type[Strategy] = type(load_strategy(spec))
        else:
            self.cls = load_strategy_class(spec)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self.cls.Params.model_fields)

    def build(self, params: Mapping[str, ParamValue]) -> Strategy:
        return self.cls(dict(params))


@dataclass(frozen=True, slots=True)
class SweepJob:
    """Everything a worker needs, picklable: the same inputs as `run_backtest`.

    ``calendar`` None means the venue's default calendar, built by each worker; ``config``'s
    ``start_ns``/``end_ns`` bound the bars read (windows of a walk-forward lie inside them).
    """

    strategy: str
    data: tuple[Path, ...]
    config: BacktestConfig = field(default_factory=BacktestConfig)
    instrument: InstrumentId | None = None
    options: ReadOptions | None = None
    calendar: TradingCalendar | None = None
    costs: CostModel | None = None
    matching: MatchingConfig | None = None


@dataclass(frozen=True, slots=True)
class Trial:
    """One run: ``params`` over ``start_ns..end_ns`` (None: the job's range) starting with
    ``cash`` (None: the job's). ``detail`` asks for the whole `BacktestResult` back."""

    index: int
    params: Mapping[str, ParamValue]
    start_ns: int | None = None
    end_ns: int | None = None
    cash: Money | None = None
    detail: bool = False


@dataclass(frozen=True, slots=True)
class TrialOutcome:
    index: int
    params: Mapping[str, ParamValue]
    status: OutcomeStatus
    reason: str = ""
    stats: dict[str, Any] | None = None
    result: BacktestResult | None = None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SweepWorker:
    def __init__(self, job: SweepJob) -> None:
        self.job = job
        self.factory = StrategyFactory(job.strategy)
        read = job.options or ReadOptions()
        if job.instrument is not None:
            read = dataclasses.replace(read, instrument=job.instrument)
        paths = list(job.data)
        self.instruments = resolve_instruments(scan_instrument_ids(paths, read.instrument))
        self.calendar = job.calendar or default_calendar(self.instruments[0].venue)
        self.bars = BarStore.load(
            paths,
            instruments=self.instruments,
            options=read,
            start_ns=job.config.start_ns,
            end_ns=job.config.end_ns,
            calendar=self.calendar,
        )
        log.debug("sweep worker ready: %d bars (%d bytes)", len(self.bars), self.bars.nbytes)

    def timestamps(self) -> Int64Array:
        return self.bars.timestamps

    def config_for(self, trial: Trial) -> BacktestConfig:
        config = self.job.config
        changes: dict[str, Any] = {}
        if trial.start_ns is not None:
            changes["start_ns"] = trial.start_ns
        if trial.end_ns is not None:
            changes["end_ns"] = trial.end_ns
        if trial.cash is not None:
            changes["cash"] = trial.cash
        return dataclasses.replace(config, **changes) if changes else config

    def run(self, strategy: Strategy, trial: Trial) -> BacktestResult:
        config = self.config_for(trial)
        engine = build_engine(
            config,
            self.instruments,
            calendar=self.calendar,
            costs=self.job.costs,
            matching=self.job.matching,
        )
        engine.add_strategy(strategy)
        return engine.run(self.bars.bars(config.start_ns, config.end_ns))

    def evaluate(self, trial: Trial) -> TrialOutcome:
        try:
            strategy = self.factory.build(trial.params)
        except InvalidInputError as exc:  # InvalidParamsError, DSL settings a value makes bad
            return TrialOutcome(trial.index, trial.params, "skipped", _reason(exc))
        except Exception as exc:
            return TrialOutcome(trial.index, trial.params, "failed", _reason(exc))
        try:
            result = self.run(strategy, trial)
        except Exception as exc:
            log.debug("combination %s failed", dict(trial.params), exc_info=True)
            return TrialOutcome(trial.index, trial.params, "failed", _reason(exc))
        return TrialOutcome(
            trial.index,
            trial.params,
            "ok",
            stats=result.stats(),
            result=result if trial.detail else None,
        )
