"""``jts sweep``: search a strategy's parameters over historical bars, optionally walk forward.

    jts sweep --strategy examples/strategies/sma_cross.py --data bars.parquet \\
        --param fast=5:20:5 --param slow=20:60:10 --constraint "fast < slow" \\
        --metric sharpe --workers 4 --out results/sma-sweep

    jts sweep --strategy examples/strategies/sma_cross.jts --data bars.parquet \\
        --param fast --param slow --method optuna --trials 200 --seed 7 \\
        --walk-forward 60d:20d --out results/sma-wf

Data, cost and fill options are those of ``jts backtest``; every combination's run equals a
``jts backtest`` with its values. ``--param NAME`` alone takes the range of a ``.jts`` file's
``param`` line (without any ``--param``, every ranged parameter of the file is swept).
Combinations run on local worker processes (``--workers``, default: this machine's CPUs) or on
a Ray cluster (``--ray ADDRESS``; Ray is an optional extra). ``--out`` gets the results table
(Parquet and CSV), a summary and an HTML report with the sweep heatmap; the directory appears
only when every file is written.

``--engine vector`` runs every combination of a ``.jts`` strategy on the DSL's vectorised
backtester in this process (`jts.dsl.vector.sweep.Sweep`: the bars, day tables and indicator
values shared between combinations); each combination's statistics equal the event engine's.
The best combination runs once more recording its orders and decisions, so ``--out`` gets the
same ``best/`` folder (`jts backtest`'s files) and report as an event sweep;
``--walk-forward``, ``--workers`` and ``--ray`` are refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jts.cli.backtest import Engine, usage_error
from jts.core.errors import InvalidInputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from jts.backtest.engine import BacktestConfig
    from jts.backtest.sweeps import ParamSpace, SweepResult, WalkForwardResult
    from jts.backtest.sweeps.executor import OutcomeCallback
    from jts.backtest.sweeps.worker import StrategyFactory, SweepJob, Trial, TrialOutcome
    from jts.dsl.vector.sweep import Sweep

_SHOWN_ROWS = 10


def _config(
    *,
    cash: str,
    fill: str,
    commission: str | None,
    tax: str | None,
    start: str | None,
    end: str | None,
) -> BacktestConfig:
    from jts.backtest.data.feed import resolve_bound  # noqa: PLC0415
    from jts.backtest.engine import BacktestConfig  # noqa: PLC0415
    from jts.cli.backtest import parse_rate  # noqa: PLC0415 - the same rules as jts backtest
    from jts.domain.values import KRW, Money  # noqa: PLC0415

    try:
        cash_money = Money(Decimal(cash), KRW)
    except (InvalidOperation, InvalidInputError) as exc:
        raise InvalidInputError(f"--cash must be a whole number of KRW, got {cash!r}") from exc
    return BacktestConfig(
        cash=cash_money,
        fill=fill,  # type: ignore[arg-type]  # validated by BacktestConfig
        commission=parse_rate("--commission", commission),
        tax=parse_rate("--tax", tax),
        start_ns=resolve_bound(start, "--start", is_end=False),
        end_ns=resolve_bound(end, "--end", is_end=True),
    )


def _space(factory: StrategyFactory, strategy: str, params: list[str]) -> ParamSpace:
    from jts.backtest.sweeps import ParamSpace, space_from_dsl  # noqa: PLC0415

    where = Path(strategy.partition(":")[0]).name
    program = getattr(factory.cls, "program", None)  # a compiled .jts strategy carries it
    if program is not None and not params:
        space = space_from_dsl(program, where=where)
    else:
        space = ParamSpace.parse(params, program, where)
    space.check_names(factory.param_names, where)
    return space


class VectorExecutor:
    """The sweeps' `Executor` on the vectorised backtester, in this process: `start` reads
    the bars once (as `jts backtest --engine vector` does) and prepares a `Sweep`; each trial
    builds the strategy as the event workers do (the same parameter checks, so the same
    skipped combinations and reasons), then runs its values on the shared data set.

    Only whole-range trials (a walk-forward window is refused); a detail trial (the best
    combination's rerun) records its orders and decisions and returns the whole
    `BacktestResult`, as `jts backtest --engine vector` builds it for its files.
    """

    def __init__(self) -> None:
        self._factory: StrategyFactory | None = None
        self._sweep: Sweep | None = None
        self._bars = 0
        self._config: BacktestConfig | None = None

    def start(self, job: SweepJob) -> None:
        from jts.backtest.data import ReadOptions  # noqa: PLC0415
        from jts.backtest.sweeps.worker import StrategyFactory  # noqa: PLC0415
        from jts.cli.backtest import read_vector_bars, vector_bar_spec  # noqa: PLC0415
        from jts.dsl.vector.sweep import Sweep  # noqa: PLC0415

        factory = StrategyFactory(job.strategy)
        program = getattr(factory.cls, "program", None)
        if program is None:
            raise usage_error(
                f"--engine vector sweeps DSL strategies (.jts files) only, got {job.strategy}; "
                "use --engine event for Python strategies"
            )
        options = job.options or ReadOptions()
        if job.instrument is not None:
            options = dataclasses.replace(options, instrument=job.instrument)
        vector_bar_spec(program, options)
        config = job.config
        bars, calendar = read_vector_bars(list(job.data), options, config, program)
        self._sweep = Sweep(
            program,
            bars,
            cash=config.cash,
            fill=config.fill,
            commission=config.commission,
            tax=config.tax,
            calendar=calendar,
            risk_limits=config.risk_limits,
            bar_spec=options.bar_spec,
        )
        self._factory, self._config = factory, config
        self._bars = sum(len(b) for b in bars)

    def evaluate(
        self, trials: Sequence[Trial], on_outcome: OutcomeCallback | None = None
    ) -> list[TrialOutcome]:
        from jts.dsl.vector.sweep import locality_order  # noqa: PLC0415

        found: dict[int, TrialOutcome] = {}
        for position in locality_order([t.params for t in trials]):
            trial = trials[position]
            outcome = self._evaluate(trial)
            found[position] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
        return [found[position] for position in range(len(trials))]

    def _evaluate(self, trial: Trial) -> TrialOutcome:
        from jts.backtest.sweeps import SweepFailedError  # noqa: PLC0415
        from jts.backtest.sweeps.worker import TrialOutcome  # noqa: PLC0415
        from jts.cli.backtest import vector_outcome  # noqa: PLC0415
        from jts.dsl.streaming import DslStrategy  # noqa: PLC0415

        if self._factory is None or self._sweep is None or self._config is None:
            raise SweepFailedError("the executor was not started")
        if (trial.start_ns, trial.end_ns, trial.cash) != (None, None, None):
            raise SweepFailedError("the vectorised sweep runs whole-range combinations only")
        try:
            strategy = self._factory.build(trial.params)
        except InvalidInputError as exc:  # as the event workers: the strategy refused them
            return TrialOutcome(trial.index, trial.params, "skipped", _reason(exc))
        except Exception as exc:
            return TrialOutcome(trial.index, trial.params, "failed", _reason(exc))
        assert isinstance(strategy, DslStrategy)  # `start` refused any other kind
        try:
            result = self._sweep.run(strategy.values, record=trial.detail)
            outcome = vector_outcome(
                result,
                self._bars,
                self._config,
                program=self._sweep.program,
                strategy_id=str(strategy.id),
            )
            stats = outcome.stats()
        except Exception as exc:
            return TrialOutcome(trial.index, trial.params, "failed", _reason(exc))
        detail = outcome if trial.detail else None
        return TrialOutcome(trial.index, trial.params, "ok", stats=stats, result=detail)

    def timestamps(self) -> npt.NDArray[np.int64]:
        import numpy as np  # noqa: PLC0415

        if self._sweep is None:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate([b.ts for b in self._sweep.dataset.bars]))

    def close(self) -> None:
        self._sweep = None


def _reason(exc: BaseException) -> str:
    """An outcome's reason, worded as the event workers word theirs."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_vector_options(
    *, walk_forward: str | None, workers: int | None, ray: str | None
) -> None:
    parallel = workers if workers != 1 else None  # one worker is what it does anyway
    for given, option in ((walk_forward, "--walk-forward"), (parallel, "--workers"),
                          (ray, "--ray")):  # fmt: skip
        if given is not None:
            raise usage_error(
                f"{option} is not supported with --engine vector (it runs every combination "
                "in this process, over the whole range); use --engine event"
            )


def _axes(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise InvalidInputError(f"--heatmap must be X,Y (two parameter names), got {text!r}")
    return parts[0], parts[1]


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "n/a" if value is None else str(value)


def _print_sweep(result: SweepResult) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    metric = result.spec.objective.metric
    names = result.spec.space.names
    table = Table(title=f"best by {result.spec.objective.direction} {metric}")
    for column in ("#", *names, metric, "final_equity", "trades", "max_drawdown"):
        table.add_column(column, justify="right")
    for outcome in result.ranked()[:_SHOWN_ROWS]:
        stats = outcome.stats or {}
        table.add_row(
            str(outcome.index),
            *(str(outcome.params[n]) for n in names),
            _shown(result.value(outcome)),
            _shown(stats.get("final_equity")),
            _shown(stats.get("trades")),
            _shown(stats.get("max_drawdown")),
        )
    console = Console()
    console.print(table)
    counts = result.counts()
    console.print(
        f"{counts['combinations']} combinations: {counts['ok']} ran, {counts['skipped']} "
        f"skipped, {counts['failed']} failed"
    )
    for reason, count in list(counts["reasons"].items())[:5]:
        console.print(f"  {count} x {reason}")


def _print_walk_forward(walk: WalkForwardResult) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from jts.backtest.sweeps.walk_forward import describe_window  # noqa: PLC0415

    metric = walk.sweep.objective.metric
    table = Table(title=f"walk-forward {walk.spec}: out-of-sample windows")
    for column in ("window", "chosen", f"in-sample {metric}", "final_equity", "trades"):
        table.add_column(column)
    for w in walk.windows:
        stats = w.out_of_sample.stats()
        table.add_row(
            describe_window(w.window),
            ", ".join(f"{k}={v}" for k, v in w.chosen.params.items()),
            _shown(w.in_sample_value()),
            _shown(stats["final_equity"]),
            _shown(stats["trades"]),
        )
    console = Console()
    console.print(table)
    stats = walk.stats()
    keys = ("final_equity", "total_return", "sharpe", "max_drawdown", "trades")
    console.print("stitched out-of-sample: " + ", ".join(f"{k} {_shown(stats[k])}" for k in keys))


def sweep(  # noqa: PLR0917 - Typer maps each parameter to an option
    strategy: Annotated[
        str, typer.Option(help="PATH.py[:CLASS] or PATH.jts", metavar="PATH[:CLASS]")
    ],
    data: Annotated[Path, typer.Option(help="bar file or folder (CSV or Parquet)")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=a,b,c | NAME=LO:HI[:STEP] (repeatable); NAME alone: a .jts file's range",
            metavar="NAME=SPEC",
        ),
    ] = None,
    constraint: Annotated[
        list[str] | None,
        typer.Option(help="skip combinations breaking it, e.g. 'fast < slow' (repeatable)"),
    ] = None,
    method: Annotated[str, typer.Option(help="grid, random or optuna")] = "grid",
    trials: Annotated[
        int | None, typer.Option(help="combinations a random or optuna search proposes")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the random and optuna searches")] = 0,
    metric: Annotated[str, typer.Option(help="the stats figure to optimise")] = "sharpe",
    direction: Annotated[str, typer.Option(help="maximize or minimize")] = "maximize",
    workers: Annotated[
        int | None, typer.Option(help="parallel workers (default: the CPUs; with --ray: all)")
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option("--ray", help="run on this Ray cluster (auto, HOST:PORT, ray://...)"),
    ] = None,
    walk_forward: Annotated[
        str | None,
        typer.Option(
            "--walk-forward",
            help="IN:OUT windows in trading days (60d:20d) or bars (6000:2000)",
            metavar="IN:OUT",
        ),
    ] = None,
    anchored: Annotated[
        bool, typer.Option(help="walk-forward in-sample windows all start at the data's start")
    ] = False,
    heatmap: Annotated[
        str | None, typer.Option(help="the report heatmap's parameters", metavar="X,Y")
    ] = None,
    max_combinations: Annotated[int, typer.Option(help="refuse a grid larger than this")] = 100_000,
    out: Annotated[Path | None, typer.Option(help="write results to this directory")] = None,
    instrument: Annotated[
        str | None, typer.Option(help="instrument of files without an instrument column")
    ] = None,
    start: Annotated[str | None, typer.Option(help="first day or ISO time (inclusive)")] = None,
    end: Annotated[str | None, typer.Option(help="last day or ISO time (inclusive)")] = None,
    cash: Annotated[str, typer.Option(help="starting cash in KRW")] = "100000000",
    commission: Annotated[
        str | None, typer.Option(help="commission rate both ways (0 disables)")
    ] = None,
    tax: Annotated[str | None, typer.Option(help="sell tax rate override (0 disables)")] = None,
    fill: Annotated[str, typer.Option(help="next-open or close")] = "next-open",
    engine: Annotated[
        Engine, typer.Option(help="event (the kernel) or vector (compiled, .jts strategies)")
    ] = Engine.EVENT,
) -> None:
    """Sweep a strategy's parameters (grid, random, Optuna), optionally walking forward."""
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from jts.backtest.sweeps import (  # noqa: PLC0415
        Constraint,
        Objective,
        SweepJob,
        SweepSpec,
        WindowSpec,
        check_heatmap_axes,
        make_executor,
        run_sweep,
        write_sweep,
        write_walk_forward,
    )
    from jts.backtest.sweeps import walk_forward as run_walk_forward  # noqa: PLC0415
    from jts.backtest.sweeps.worker import StrategyFactory  # noqa: PLC0415
    from jts.domain.identifiers import InstrumentId  # noqa: PLC0415

    if engine is Engine.VECTOR:
        _check_vector_options(walk_forward=walk_forward, workers=workers, ray=ray)
    config = _config(cash=cash, fill=fill, commission=commission, tax=tax, start=start, end=end)
    if not data.exists():
        raise InvalidInputError(f"--data: no such file or folder {data}")
    if workers is not None and workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {workers}")
    factory = StrategyFactory(strategy)
    space = _space(factory, strategy, param or [])
    spec = SweepSpec(
        space,
        method=method,  # type: ignore[arg-type]  # validated by SweepSpec
        trials=trials,
        seed=seed,
        objective=Objective(metric, direction),  # type: ignore[arg-type]  # validated there
        constraints=tuple(Constraint(text, space.names) for text in constraint or []),
        max_combinations=max_combinations,
    )
    windows = WindowSpec.parse(walk_forward, anchored=anchored) if walk_forward else None
    axes = _axes(heatmap)
    if axes is not None:
        check_heatmap_axes(space.names, *axes)
    # absolute paths: workers (Ray actors above all) need not share this working directory
    path_text, colon, class_name = strategy.partition(":")
    job = SweepJob(
        f"{Path(path_text).resolve()}{colon}{class_name}",
        (data.resolve(),),
        config,
        instrument=InstrumentId(instrument) if instrument else None,
    )
    facts = {"strategy": strategy, "data": str(data)}
    executor = VectorExecutor() if engine is Engine.VECTOR else make_executor(workers, ray)
    with Progress(
        TextColumn("[bold]sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("combinations", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if windows is None:
            result = run_sweep(
                job,
                spec,
                executor=executor,
                progress=advance,
            )
        else:
            walk = run_walk_forward(job, spec, windows, executor=executor, progress=advance)
    if windows is None:
        _print_sweep(result)
        if out is not None:
            written = write_sweep(result, out, title=f"Sweep of {strategy}", axes=axes, facts=facts)
            typer.echo(f"results written to {written}")
    else:
        _print_walk_forward(walk)
        if out is not None:
            written = write_walk_forward(
                walk, out, title=f"Walk-forward of {strategy}", axes=axes, facts=facts
            )
            typer.echo(f"results written to {written}")
