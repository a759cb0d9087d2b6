"""A sweep's results on disk: tables (Parquet and CSV), a summary, and the HTML report.

``jts sweep --out DIR`` writes:

- ``sweep.parquet`` / ``sweep.csv``: one row per distinct combination in the sweep's order
  (``index``), its parameters (``param_<name>``), ``status`` (ok, skipped, failed) and
  ``reason``, the ``objective`` figure, and the main statistics; exact figures (final equity,
  trade PnL) are decimal columns, ratios floats, undefined figures null;
- ``summary.json``: settings, counts (skipped and failed by reason) and the best combination;
- ``best/``: the best combination's full backtest results (``stats.json``, fills, orders,
  equity, ``report.html``), exactly as ``jts backtest`` writes them;
- ``report.html``: the best combination's report with the sweep heatmap: the objective over two
  parameters (the best value over the other parameters in each cell).

``best/`` and ``report.html`` need the best combination's whole result, which `run_sweep` keeps
(``best_detail=True``); a result without it gets the tables and the summary only.

With ``--walk-forward`` it writes ``windows.*`` (per window: ranges, chosen parameters, the
in-sample figure, the out-of-sample statistics), ``trials.*`` (every in-sample combination of
every window), ``equity.parquet`` (the stitched out-of-sample curve), ``stats.json`` (its
statistics) and ``report.html`` (the stitched report, one heatmap per window).

Like `jts.backtest.results.write_results`, everything is written into a temporary directory
beside ``out`` and renamed into place at the end, so an interrupted run leaves nothing that
looks complete. The same inputs give byte-identical tables.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jts.analytics import PerformanceStats, SweepGrid, write_report
from jts.backtest.results import staged_directory, write_results
from jts.backtest.sweeps.errors import SweepInputError
from jts.backtest.sweeps.objective import MetricValue
from jts.backtest.sweeps.space import ParamValue
from jts.backtest.sweeps.sweep import SweepResult, json_value
from jts.backtest.sweeps.walk_forward import WalkForwardResult
from jts.backtest.sweeps.worker import TrialOutcome
from jts.core.time import kst_date

__all__ = [
    "STAT_COLUMNS",
    "check_heatmap_axes",
    "heatmap",
    "sweep_table",
    "trials_table",
    "walk_forward_equity_table",
    "windows_table",
    "write_sweep",
    "write_table",
    "write_walk_forward",
]

#: The statistics a results row carries, in this order (the objective figure is added when it
#: is another one).
STAT_COLUMNS: Final[tuple[str, ...]] = (
    "final_equity",
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
    "max_drawdown_days",
    "trades",
    "round_trips",
    "win_rate",
    "profit_factor",
    "trade_win_rate",
    "trade_profit_factor",
    "net_trade_pnl",
    "exposure",
    "turnover",
    "bars",
)
_TYPES: Final = {
    **typing.get_type_hints(PerformanceStats),
    "trades": int,
    "bars": int,
}


# ---- columns -----------------------------------------------------------------------------------
def _decimal_column(values: Sequence[Decimal | None]) -> pa.Array:
    scale = 0
    for value in values:
        if value is not None:
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int):
                scale = max(scale, -exponent)
    return pa.array(values, type=pa.decimal128(38, scale))


def _param_column(values: Sequence[ParamValue]) -> pa.Array:
    """int64 when every value is an int, exact decimal when every value is a number, else
    text."""
    if all(isinstance(v, int) for v in values):
        return pa.array(values, type=pa.int64())
    if all(isinstance(v, int | Decimal) for v in values):
        return _decimal_column([Decimal(v) for v in values])
    return pa.array([str(v) for v in values], type=pa.string())


def _stat_column(name: str, stats: Sequence[dict[str, Any] | None]) -> pa.Array:
    raw = [None if s is None else s.get(name) for s in stats]
    kind = _TYPES.get(name, float)
    if kind is Decimal:
        return _decimal_column([None if v is None else Decimal(v) for v in raw])
    if kind is int:
        return pa.array(raw, type=pa.int64())
    return pa.array([None if v is None else float(v) for v in raw], type=pa.float64())


def _stat_names(metric: str) -> tuple[str, ...]:
    return STAT_COLUMNS if metric in STAT_COLUMNS else (*STAT_COLUMNS, metric)


def _objective_column(values: Sequence[MetricValue | None]) -> pa.Array:
    return pa.array([None if v is None else float(v) for v in values], type=pa.float64())


def _outcome_columns(result: SweepResult, outcomes: Sequence[TrialOutcome]) -> dict[str, Any]:
    columns: dict[str, Any] = {"index": pa.array([o.index for o in outcomes], type=pa.int64())}
    for name in result.spec.space.names:
        columns[f"param_{name}"] = _param_column([o.params[name] for o in outcomes])
    columns["status"] = pa.array([o.status for o in outcomes], type=pa.string())
    columns["reason"] = pa.array([o.reason for o in outcomes], type=pa.string())
    columns["objective"] = _objective_column([result.value(o) for o in outcomes])
    stats = [o.stats for o in outcomes]
    for name in _stat_names(result.spec.objective.metric):
        columns[name] = _stat_column(name, stats)
    return columns


def sweep_table(result: SweepResult) -> pa.Table:
    """One row per combination, in ``index`` order (see the module docstring)."""
    return pa.table(_outcome_columns(result, result.outcomes))


def trials_table(walk: WalkForwardResult) -> pa.Table:
    """Every in-sample combination of every window, a ``window`` column first."""
    tables = []
    for w in walk.windows:
        columns = _outcome_columns(w.search, w.search.outcomes)
        count = len(w.search.outcomes)
        tables.append(
            pa.table({"window": pa.array([w.window.index] * count, type=pa.int64()), **columns})
        )
    return pa.concat_tables(tables)


def _day(ts_ns: int) -> str:
    return kst_date(ts_ns).isoformat()


def windows_table(walk: WalkForwardResult) -> pa.Table:
    """Per window: its ranges, the chosen parameters, the in-sample figure and counts, the
    out-of-sample starting cash and statistics."""
    rows = walk.windows
    columns: dict[str, Any] = {
        "window": pa.array([r.window.index for r in rows], type=pa.int64()),
    }
    for name in ("in_start_ns", "in_end_ns", "out_start_ns", "out_end_ns"):
        columns[name] = pa.array([getattr(r.window, name) for r in rows], type=pa.int64())
    for name in ("in_start", "in_end", "out_start", "out_end"):
        columns[f"{name}_day"] = pa.array(
            [_day(getattr(r.window, f"{name}_ns")) for r in rows], type=pa.string()
        )
    for name in walk.sweep.space.names:
        columns[f"param_{name}"] = _param_column([r.chosen.params[name] for r in rows])
    columns["in_sample_objective"] = _objective_column([r.in_sample_value() for r in rows])
    for status in ("ok", "skipped", "failed"):
        columns[f"in_sample_{status}"] = pa.array(
            [r.search.counts()[status] for r in rows], type=pa.int64()
        )
    columns["start_cash"] = _decimal_column(
        [Decimal(r.out_of_sample.analysis.stats.start_equity) for r in rows]
    )
    stats = [r.out_of_sample.stats() for r in rows]
    for name in _stat_names(walk.sweep.objective.metric):
        columns[name] = _stat_column(name, stats)
    return pa.table(columns)


def walk_forward_equity_table(walk: WalkForwardResult) -> pa.Table:
    scale = walk.windows[0].out_of_sample.currency.precision
    values = [Decimal(int(v)).scaleb(-scale) for v in walk.equity_raw]
    return pa.table(
        {
            "timestamp": pa.array(walk.timestamps, type=pa.int64()),
            "equity": pa.array(values, type=pa.decimal128(38, scale)),
        }
    )


# ---- heatmap -----------------------------------------------------------------------------------
def check_heatmap_axes(names: Sequence[str], x: str | None, y: str | None) -> tuple[str, str]:
    """``(x, y)``, refused unless they are two different parameters of the sweep."""
    if x is None or y is None or x == y:
        raise SweepInputError(f"--heatmap needs two different parameters X,Y, got {x},{y}")
    for name in (x, y):
        if name not in names:
            raise SweepInputError(
                f"--heatmap {name}: not a swept parameter (have: {', '.join(names)})"
            )
    return x, y


def heatmap(
    result: SweepResult, x: str | None = None, y: str | None = None, *, label: str | None = None
) -> SweepGrid | None:
    """The objective over parameters ``x`` (columns) and ``y`` (rows); by default the first two
    swept parameters. Each cell holds the best figure over the other parameters' values; a
    cell whose combinations all were skipped or failed (or had no figure) is empty. None when
    fewer than two parameters vary."""
    names = result.spec.space.names
    if x is None and y is None:
        swept = result.spec.space.swept()
        if len(swept) < 2:
            return None
        x, y = swept[0], swept[1]
    x, y = check_heatmap_axes(names, x, y)
    objective = result.spec.objective
    cells: dict[tuple[ParamValue, ParamValue], MetricValue | None] = {}
    for outcome in result.outcomes:
        key = (outcome.params[x], outcome.params[y])
        value = result.value(outcome)
        if key not in cells or objective.better(value, cells[key]):
            cells[key] = value
    metric = label or objective.metric
    return SweepGrid.from_points(
        [(kx, ky, objective.as_float(v)) for (kx, ky), v in cells.items()],
        metric=metric,
        x_param=x,
        y_param=y,
    )


# ---- writing -----------------------------------------------------------------------------------
def write_table(table: pa.Table, folder: Path, stem: str) -> None:
    """``stem.parquet`` and ``stem.csv`` with the same rows and columns."""
    pq.write_table(table, folder / f"{stem}.parquet", compression="zstd")
    pacsv.write_csv(table, folder / f"{stem}.csv")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json_value(v)}" for k, v in params.items())


def write_sweep(
    result: SweepResult,
    out: Path,
    *,
    title: str = "Sweep",
    axes: tuple[str, str] | None = None,
    facts: dict[str, Any] | None = None,
) -> Path:
    """Write a sweep's results (see the module docstring); ``axes`` picks the heatmap's
    parameters, ``facts`` (strategy, data, ...) go into the summary and the report."""
    grid = heatmap(result, *(axes or (None, None)))
    out = out.resolve()
    with staged_directory(out) as staging:
        write_table(sweep_table(result), staging, "sweep")
        _write_json(staging / "summary.json", {**(facts or {}), **result.summary()})
        best, detail = result.best, result.best_result
        if best is not None and detail is not None:
            write_results(detail, staging / "best", title=f"{title}: best combination")
            parameters = {
                **{k: str(v) for k, v in (facts or {}).items()},
                "method": result.spec.method,
                "objective": f"{result.spec.objective.direction} {result.spec.objective.metric}",
                "best combination": _params_text(dict(best.params)),
                "combinations": str(len(result.outcomes)),
            }
            write_report(
                staging / "report.html",
                detail.analysis,
                title=title,
                parameters=parameters,
                sweeps=[grid] if grid is not None else [],
            )
    return out


def write_walk_forward(
    walk: WalkForwardResult,
    out: Path,
    *,
    title: str = "Walk-forward",
    axes: tuple[str, str] | None = None,
    facts: dict[str, Any] | None = None,
) -> Path:
    """Write a walk-forward's results (see the module docstring)."""
    grids = []
    for w in walk.windows:
        label = f"{walk.sweep.objective.metric}, window {w.window.index} in-sample"
        grid = heatmap(w.search, *(axes or (None, None)), label=label)
        if grid is not None:
            grids.append(grid)
    out = out.resolve()
    with staged_directory(out) as staging:
        write_table(windows_table(walk), staging, "windows")
        write_table(trials_table(walk), staging, "trials")
        pq.write_table(
            walk_forward_equity_table(walk), staging / "equity.parquet", compression="zstd"
        )
        stats = {**(facts or {}), **walk.stats(), "chosen_params": walk.chosen_params()}
        _write_json(staging / "stats.json", stats)
        parameters: dict[str, str] = {k: str(v) for k, v in (facts or {}).items()}
        parameters["walk-forward"] = f"{walk.spec}{' anchored' if walk.spec.anchored else ''}"
        parameters["objective"] = f"{walk.sweep.objective.direction} {walk.sweep.objective.metric}"
        for w in walk.windows:
            days = f"{_day(w.window.out_start_ns)}..{_day(w.window.out_end_ns)}"
            parameters[f"window {w.window.index} ({days})"] = _params_text(dict(w.chosen.params))
        write_report(
            staging / "report.html", walk.analysis, title=title, parameters=parameters, sweeps=grids
        )
    return out
