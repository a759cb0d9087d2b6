"""Walk-forward analysis: optimise in-sample, trade the choice out-of-sample, roll on.

Windows (``--walk-forward IN:OUT``) are counted in *trading days* (``60d:20d``: KST days that
have bars) or in *bars* (``6000:2000``: distinct bar timestamps, so with several instruments a
count is per timestamp, not per row). Window ``k`` optimises over ``IN`` units and evaluates
over the ``OUT`` units right after them; the next window moves on by ``OUT``, so the
out-of-sample windows tile the data without overlap. ``anchored`` keeps every in-sample window
starting at the first unit (an expanding window). Only whole windows are run: a tail shorter
than ``OUT`` is left out, and the result says where the last window ends.

Each window runs the sweep's search over its in-sample range (every run from the job's cash,
so the ranking does not depend on earlier windows) and picks the best combination by
the objective (ties: the first in the sweep's order). That combination then runs once over the
out-of-sample range, a backtest of its own: it starts flat and with cold indicators (they warm
up inside the window, as they would for a strategy started that day).

**Stitching: cash continues.** Window ``k``'s out-of-sample run starts with the final equity of
window ``k - 1``'s (the first with the job's cash). The stitched curve is the out-of-sample
equity points end to end; every value is an exact backtest figure, nothing is rescaled. A
position still open at a window's end is carried into the next window as its marked value in
cash (as if sold at the last close, without costs). The stitched statistics (`jts.analytics`)
use that curve and every out-of-sample fill and round trip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

from jts.analytics import Analysis, analyse
from jts.backtest.data.arrays import Int64Array
from jts.backtest.results import BacktestResult
from jts.backtest.sweeps.errors import SweepFailedError, WalkForwardError
from jts.backtest.sweeps.executor import Executor, make_executor
from jts.backtest.sweeps.sweep import Progress, SweepResult, SweepSpec, json_value, search
from jts.backtest.sweeps.worker import SweepJob, Trial, TrialOutcome
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, kst_date
from jts.domain.events_order import OrderFilled
from jts.domain.values import Money

__all__ = [
    "WalkForwardResult",
    "Window",
    "WindowResult",
    "WindowSpec",
    "describe_window",
    "plan_windows",
    "walk_forward",
    "walk_forward_on",
]

_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR
_SPEC: Final = re.compile(r"\s*(\d[\d_]*)\s*(d?)\s*:\s*(\d[\d_]*)\s*(d?)\s*")


@dataclass(frozen=True, slots=True)
class WindowSpec:
    in_sample: int
    out_of_sample: int
    unit: Literal["days", "bars"] = "days"
    anchored: bool = False

    def __post_init__(self) -> None:
        if self.in_sample < 1 or self.out_of_sample < 1:
            raise WalkForwardError(
                f"--walk-forward windows must be at least 1 {self.unit} long, got "
                f"{self.in_sample}:{self.out_of_sample}"
            )

    @classmethod
    def parse(cls, text: str, *, anchored: bool = False) -> WindowSpec:
        """``60d:20d`` (trading days) or ``6000:2000`` (bars)."""
        match = _SPEC.fullmatch(text)
        if match is None or match.group(2) != match.group(4):
            raise WalkForwardError(
                f"--walk-forward must be IN:OUT in trading days (60d:20d) or in bars "
                f"(6000:2000), both in the same unit; got {text!r}"
            )
        unit: Literal["days", "bars"] = "days" if match.group(2) else "bars"
        return cls(int(match.group(1)), int(match.group(3)), unit, anchored)

    def __str__(self) -> str:
        suffix = "d" if self.unit == "days" else ""
        return f"{self.in_sample}{suffix}:{self.out_of_sample}{suffix}"


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive ns bounds of one window's in-sample and out-of-sample ranges."""

    index: int
    in_start_ns: int
    in_end_ns: int
    out_start_ns: int
    out_end_ns: int


def _kst_day(ts: Int64Array) -> Int64Array:
    days: Int64Array = (ts + _KST_OFFSET_NS) // NANOS_PER_DAY
    return days


def plan_windows(timestamps: Int64Array, spec: WindowSpec) -> list[Window]:
    """The windows over the bars' timestamps (non-decreasing, as the feed delivers them)."""
    stamps = np.unique(np.asarray(timestamps, dtype=np.int64))
    if spec.unit == "days":
        days = _kst_day(stamps)
        # first and last timestamp of every trading day
        starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
        ends = np.r_[starts[1:] - 1, len(stamps) - 1]
        first, last = stamps[starts], stamps[ends]
    else:
        first = last = stamps
    units = len(first)
    need = spec.in_sample + spec.out_of_sample
    if units < need:
        raise WalkForwardError(
            f"--walk-forward {spec} needs at least {need} {spec.unit} of data for one window; "
            f"the data has {units}"
        )
    windows: list[Window] = []
    k = 0
    while True:
        out_lo = spec.in_sample + k * spec.out_of_sample
        out_hi = out_lo + spec.out_of_sample  # exclusive
        if out_hi > units:
            break
        in_lo = 0 if spec.anchored else out_lo - spec.in_sample
        windows.append(
            Window(
                k,
                int(first[in_lo]),
                int(last[out_lo - 1]),
                int(first[out_lo]),
                int(last[out_hi - 1]),
            )
        )
        k += 1
    return windows


@dataclass(slots=True)
class WindowResult:
    window: Window
    search: SweepResult
    chosen: TrialOutcome
    out_of_sample: BacktestResult

    def in_sample_value(self) -> Any:
        return self.search.value(self.chosen)


@dataclass(slots=True)
class WalkForwardResult:
    spec: WindowSpec
    sweep: SweepSpec
    windows: list[WindowResult]
    timestamps: Int64Array
    equity_raw: Int64Array
    analysis: Analysis
    fills: int

    def stats(self) -> dict[str, Any]:
        """The stitched out-of-sample statistics, keyed like a backtest's ``stats.json``."""
        stats = self.analysis.stats.to_dict()
        head = {
            "final_equity": stats["final_equity"],
            "total_return": stats["total_return"],
            "trades": self.fills,
            "round_trips": stats["round_trips"],
            "sharpe": stats["sharpe"],
            "max_drawdown": stats["max_drawdown"],
        }
        rest = {k: v for k, v in stats.items() if k not in head}
        return {
            **head,
            **rest,
            "windows": len(self.windows),
            "walk_forward": str(self.spec),
            "anchored": self.spec.anchored,
            "stitch": "continue-cash",
        }

    def chosen_params(self) -> list[dict[str, int | str]]:
        return [{k: json_value(v) for k, v in w.chosen.params.items()} for w in self.windows]


def _day(ts_ns: int) -> str:
    return kst_date(ts_ns).isoformat()


def describe_window(window: Window) -> str:
    return (
        f"window {window.index}: in-sample {_day(window.in_start_ns)}..{_day(window.in_end_ns)}, "
        f"out-of-sample {_day(window.out_start_ns)}..{_day(window.out_end_ns)}"
    )


def walk_forward_on(
    executor: Executor,
    job: SweepJob,
    sweep: SweepSpec,
    spec: WindowSpec,
    *,
    progress: Progress | None = None,
    on_window: Callable[[WindowResult], None] | None = None,
) -> WalkForwardResult:
    """The walk-forward on a started executor (see the module docstring)."""
    windows = plan_windows(executor.timestamps(), spec)
    per_window = sweep.proposals + 1
    total = per_window * len(windows)

    def window_progress(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, _total: progress(offset + done, total)

    cash: Money = job.config.cash
    results: list[WindowResult] = []
    for window in windows:
        try:
            found = search(
                executor,
                sweep,
                start_ns=window.in_start_ns,
                end_ns=window.in_end_ns,
                progress=window_progress(window.index * per_window),
            )
        except SweepFailedError as exc:
            raise WalkForwardError(f"{describe_window(window)}: {exc}") from exc
        chosen = found.best
        assert chosen is not None  # search() raises when nothing ran
        trial = Trial(
            index=0,
            params=chosen.params,
            start_ns=window.out_start_ns,
            end_ns=window.out_end_ns,
            cash=cash,
            detail=True,
        )
        (outcome,) = executor.evaluate([trial])
        if outcome.result is None:
            raise WalkForwardError(
                f"{describe_window(window)}: the chosen parameters "
                f"{dict(chosen.params)} failed out of sample: {outcome.reason}"
            )
        if progress is not None:
            progress((window.index + 1) * per_window, total)
        done = WindowResult(window, found, chosen, outcome.result)
        results.append(done)
        if on_window is not None:
            on_window(done)
        cash = Money.from_raw(int(outcome.result.equity_raw[-1]), cash.currency)
    return _stitch(job, sweep, spec, results)


def _stitch(
    job: SweepJob, sweep: SweepSpec, spec: WindowSpec, results: list[WindowResult]
) -> WalkForwardResult:
    timestamps = np.concatenate([r.out_of_sample.timestamps for r in results]).astype(np.int64)
    equity = np.concatenate([r.out_of_sample.equity_raw for r in results]).astype(np.int64)
    if np.any(np.diff(timestamps) <= 0):  # windows are disjoint and ordered by construction
        raise WalkForwardError("out-of-sample windows overlap: the stitched curve is not ordered")
    fills: list[OrderFilled] = [f for r in results for f in r.out_of_sample.fills]
    trips = [t for r in results for t in r.out_of_sample.analysis.trades]
    analysis = analyse(
        timestamps,
        equity,
        trades=trips,
        fills=fills,
        risk_free=job.config.risk_free,
        periods_per_year=job.config.periods_per_year,
    )
    return WalkForwardResult(spec, sweep, results, timestamps, equity, analysis, len(fills))


def walk_forward(
    job: SweepJob,
    sweep: SweepSpec,
    spec: WindowSpec,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> WalkForwardResult:
    """Start an executor for ``job`` (local processes unless one is given), walk forward,
    close it."""
    runner = executor if executor is not None else make_executor(workers)
    runner.start(job)
    try:
        return walk_forward_on(runner, job, sweep, spec, progress=progress)
    finally:
        runner.close()
