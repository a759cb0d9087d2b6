"""Results tables (Parquet and CSV), the heatmap, and atomic result directories."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from jts.backtest.sweeps import (
    Constraint,
    Objective,
    ParamSpace,
    SerialExecutor,
    SweepInputError,
    SweepJob,
    SweepResult,
    SweepSpec,
    TrialOutcome,
    WindowSpec,
    heatmap,
    run_sweep,
    sweep_table,
    walk_forward,
    write_sweep,
    write_walk_forward,
)
from jts.backtest.sweeps.results import STAT_COLUMNS


def stats(sharpe: float | None, equity: str = "100000000") -> dict[str, object]:
    return {"sharpe": sharpe, "final_equity": equity, "trades": 2, "max_drawdown": -0.01}


def made_up(space: ParamSpace, values: dict[tuple[object, ...], float | None]) -> SweepResult:
    """A result built directly: the tables are functions of the outcomes alone."""
    outcomes = []
    for index, params in enumerate(space.grid()):
        key = tuple(params.values())
        if key in values:
            outcomes.append(TrialOutcome(index, params, "ok", stats=stats(values[key])))
        else:
            outcomes.append(TrialOutcome(index, params, "skipped", "constraint: x"))
    return SweepResult(SweepSpec(space), tuple(outcomes), len(outcomes))


def digest(folder: Path, names: list[str]) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}


def test_heatmap_takes_the_best_over_other_parameters() -> None:
    space = ParamSpace.parse(["fast=5,10", "slow=20,30", "k=1,2"])
    result = made_up(
        space,
        {
            (5, 20, 1): 0.5, (5, 20, 2): 1.5,
            (5, 30, 1): None, (5, 30, 2): -1.0,
            (10, 20, 1): 2.0,
            # (10, 30, *) never ran
        },
    )  # fmt: skip
    grid = heatmap(result)
    assert grid is not None
    assert (grid.x_param, grid.y_param, grid.metric) == ("fast", "slow", "sharpe")
    assert grid.x_values == ("5", "10")
    assert grid.y_values == ("20", "30")
    assert grid.values == ((1.5, 2.0), (-1.0, None))
    flipped = heatmap(result, "k", "fast")
    assert flipped is not None
    assert flipped.values == ((0.5, 1.5), (2.0, None))
    minimised = SweepResult(
        SweepSpec(space, objective=Objective("sharpe", "minimize")), result.outcomes, 8
    )
    grid = heatmap(minimised)
    assert grid is not None
    assert grid.values == ((0.5, 2.0), (-1.0, None))


def test_heatmap_needs_two_swept_parameters() -> None:
    single = made_up(ParamSpace.parse(["fast=5,10", "slow=20"]), {(5, 20): 1.0})
    assert heatmap(single) is None
    with pytest.raises(SweepInputError, match="--heatmap speed: not a swept parameter"):
        heatmap(single, "fast", "speed")
    with pytest.raises(SweepInputError, match="two different parameters"):
        heatmap(single, "fast", "fast")


def test_table_columns_types_and_order() -> None:
    space = ParamSpace.parse(["fast=5,10", "k=0.5,1.25", "mode=ema"])
    result = made_up(space, {(5, Decimal("0.5"), "ema"): 1.0, (10, Decimal("1.25"), "ema"): None})
    table = sweep_table(result)
    assert table.column_names[:7] == [
        "index", "param_fast", "param_k", "param_mode", "status", "reason", "objective",
    ]  # fmt: skip
    assert table.column_names[7:] == list(STAT_COLUMNS)
    assert table.schema.field("param_fast").type == pa.int64()
    assert table.schema.field("param_k").type == pa.decimal128(38, 2)
    assert table.schema.field("param_mode").type == pa.string()
    assert table.schema.field("final_equity").type == pa.decimal128(38, 0)
    assert table.schema.field("sharpe").type == pa.float64()
    assert table.schema.field("trades").type == pa.int64()
    assert table.column("index").to_pylist() == [0, 1, 2, 3]
    assert table.column("status").to_pylist() == ["ok", "skipped", "skipped", "ok"]
    assert table.column("objective").to_pylist() == [1.0, None, None, None]
    assert table.column("final_equity").to_pylist()[0] == Decimal(100_000_000)
    # a metric outside the main columns gets its own column
    other = SweepResult(SweepSpec(space, objective=Objective("payoff_ratio")), result.outcomes, 4)
    assert sweep_table(other).column_names[-1] == "payoff_ratio"


def test_written_sweep_is_complete_deterministic_and_atomic(
    job: SweepJob, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = ParamSpace.parse(["fast=4,8", "slow=8,30"])
    spec = SweepSpec(space, constraints=(Constraint("fast < slow", space.names),))
    result = run_sweep(job, spec, executor=SerialExecutor())
    facts = {"strategy": "sma_cross.py"}
    out = write_sweep(result, tmp_path / "a", title="SMA sweep", facts=facts)
    assert sorted(p.name for p in out.iterdir()) == [
        "best", "report.html", "summary.json", "sweep.csv", "sweep.parquet",
    ]  # fmt: skip
    parquet = pq.read_table(out / "sweep.parquet")
    csv = pacsv.read_csv(out / "sweep.csv")
    assert parquet.num_rows == csv.num_rows == 4
    assert parquet.column_names == csv.column_names
    assert csv.column("param_fast").to_pylist() == [4, 4, 8, 8]
    assert csv.column("status").to_pylist() == ["ok", "ok", "skipped", "ok"]
    assert [str(v) for v in parquet.column("final_equity").to_pylist()[:2]] == [
        o.stats["final_equity"] for o in result.outcomes[:2] if o.stats
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["strategy"] == "sma_cross.py"
    assert summary["skipped"] == 1
    assert summary["reasons"] == {"constraint: fast < slow": 1}
    assert result.best is not None
    assert summary["best"]["params"] == dict(result.best.params)
    best = json.loads((out / "best" / "stats.json").read_text())
    assert best["final_equity"] == result.best.stats["final_equity"]  # type: ignore[index]
    html = (out / "report.html").read_text()
    assert "SMA sweep" in html
    assert "sharpe" in html
    assert "slow" in html
    # the same sweep writes the same tables, byte for byte
    again = write_sweep(run_sweep(job, spec, executor=SerialExecutor()), tmp_path / "b")
    names = ["sweep.parquet", "sweep.csv"]
    assert digest(out, names) == digest(again, names)

    # an interrupted write leaves nothing that looks complete (and keeps the old results)
    from jts.backtest.sweeps import results

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "write_report", boom)
    with pytest.raises(KeyboardInterrupt):
        write_sweep(result, tmp_path / "a")
    with pytest.raises(KeyboardInterrupt):
        write_sweep(result, tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert (tmp_path / "a" / "report.html").exists()


def test_written_walk_forward(job: SweepJob, tmp_path: Path) -> None:
    space = ParamSpace.parse(["fast=4,8", "slow=20,30"])
    walk = walk_forward(job, SweepSpec(space), WindowSpec(3, 2), executor=SerialExecutor())
    out = write_walk_forward(walk, tmp_path / "wf", title="SMA walk-forward")
    assert sorted(p.name for p in out.iterdir()) == [
        "equity.parquet", "report.html", "stats.json",
        "trials.csv", "trials.parquet", "windows.csv", "windows.parquet",
    ]  # fmt: skip
    windows = pq.read_table(out / "windows.parquet")
    assert windows.num_rows == len(walk.windows)
    assert windows.column("param_fast").to_pylist() == [
        w.chosen.params["fast"] for w in walk.windows
    ]
    assert windows.column("out_start_day").to_pylist()[0] == "2024-03-07"
    assert [str(v) for v in windows.column("final_equity").to_pylist()] == [
        w.out_of_sample.stats()["final_equity"] for w in walk.windows
    ]
    trials = pq.read_table(out / "trials.parquet")
    assert trials.num_rows == 4 * len(walk.windows)
    assert trials.column("window").to_pylist() == [0] * 4 + [1] * 4
    equity = pq.read_table(out / "equity.parquet")
    assert equity.column("timestamp").to_pylist() == walk.timestamps.tolist()
    assert [int(v) for v in equity.column("equity").to_pylist()] == walk.equity_raw.tolist()
    stats = json.loads((out / "stats.json").read_text())
    assert stats["final_equity"] == str(walk.equity_raw[-1])
    assert stats["chosen_params"] == [dict(w.chosen.params) for w in walk.windows]
    html = (out / "report.html").read_text()
    assert "window 0 in-sample" in html
    assert "SMA walk-forward" in html
