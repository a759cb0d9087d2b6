"""Parameter sweeps and walk-forward analysis over the event-driven backtest.

    from jts.backtest.sweeps import (
        Constraint, Objective, ParamSpace, SweepJob, SweepSpec, WindowSpec,
        run_sweep, walk_forward, write_sweep,
    )

    job = SweepJob("examples/strategies/sma_cross.py", (Path("bars.parquet"),))
    space = ParamSpace.parse(["fast=5:20:5", "slow=20:60:10"])
    spec = SweepSpec(space, constraints=(Constraint("fast < slow", space.names),))
    result = run_sweep(job, spec, workers=2)          # or executor=RayExecutor("auto")
    write_sweep(result, Path("out/sweep"))

Modules: `space` (parameter specs), `constraints`, `objective`, `grid` / `random_search` /
`optuna_search` (the searches), `worker` (one combination's run), `bars` (the bars a worker
keeps), `executor` (serial and local processes) and `ray_executor`, `sweep` (the search on an
executor), `walk_forward`, `results` (tables, heatmap, files).
"""

from jts.backtest.sweeps.constraints import Constraint
from jts.backtest.sweeps.errors import (
    ConstraintError,
    ParamSpecError,
    RayUnavailableError,
    SweepFailedError,
    SweepInputError,
    WalkForwardError,
)
from jts.backtest.sweeps.executor import (
    Executor,
    ProcessExecutor,
    SerialExecutor,
    default_workers,
    make_executor,
)
from jts.backtest.sweeps.grid import DEFAULT_MAX_COMBINATIONS, grid_combinations, grid_size
from jts.backtest.sweeps.objective import METRICS, Objective
from jts.backtest.sweeps.random_search import random_combinations
from jts.backtest.sweeps.results import (
    check_heatmap_axes,
    heatmap,
    sweep_table,
    trials_table,
    windows_table,
    write_sweep,
    write_walk_forward,
)
from jts.backtest.sweeps.space import (
    Choice,
    DecimalRange,
    IntRange,
    ParamSpace,
    ParamValue,
    parse_param,
    space_from_dsl,
)
from jts.backtest.sweeps.sweep import SweepResult, SweepSpec, run_sweep, search
from jts.backtest.sweeps.walk_forward import (
    WalkForwardResult,
    Window,
    WindowResult,
    WindowSpec,
    plan_windows,
    walk_forward,
    walk_forward_on,
)
from jts.backtest.sweeps.worker import StrategyFactory, SweepJob, SweepWorker, Trial, TrialOutcome

__all__ = [
    "DEFAULT_MAX_COMBINATIONS",
    "METRICS",
    "Choice",
    "Constraint",
    "ConstraintError",
    "DecimalRange",
    "Executor",
    "IntRange",
    "Objective",
    "ParamSpace",
    "ParamSpecError",
    "ParamValue",
    "ProcessExecutor",
    "RayUnavailableError",
    "SerialExecutor",
    "StrategyFactory",
    "SweepFailedError",
    "SweepInputError",
    "SweepJob",
    "SweepResult",
    "SweepSpec",
    "SweepWorker",
    "Trial",
    "TrialOutcome",
    "WalkForwardError",
    "WalkForwardResult",
    "Window",
    "WindowResult",
    "WindowSpec",
    "check_heatmap_axes",
    "default_workers",
    "grid_combinations",
    "grid_size",
    "heatmap",
    "make_executor",
    "parse_param",
    "plan_windows",
    "random_combinations",
    "run_sweep",
    "search",
    "space_from_dsl",
    "sweep_table",
    "trials_table",
    "walk_forward",
    "walk_forward_on",
    "windows_table",
    "write_sweep",
    "write_walk_forward",
]
