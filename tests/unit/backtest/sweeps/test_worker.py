"""One combination's run equals a single `run_backtest` with the same values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from jts.backtest.engine import BacktestConfig
from jts.backtest.results import BacktestResult
from jts.backtest.runner import StrategyLoadError, load_strategy, run_backtest
from jts.backtest.sweeps import StrategyFactory, SweepJob, SweepWorker, Trial
from jts.domain.values import KRW, Money
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .conftest import SMA_JTS, SMA_PY


def direct(
    spec: str, params: dict[str, object], data: Path, config: BacktestConfig, calendar: object
) -> BacktestResult:
    return run_backtest(
        [load_strategy(spec, params)],
        data,
        config,
        calendar=calendar,  # type: ignore[arg-type]
    )


def fills(result: BacktestResult) -> list[tuple[object, ...]]:
    return [
        (f.ts_event, f.order_side, f.last_qty, f.last_px, f.commission, f.tax) for f in result.fills
    ]


@pytest.fixture(scope="module")
def worker(job: SweepJob) -> SweepWorker:
    return SweepWorker(job)


@pytest.mark.parametrize("params", [{"fast": 5, "slow": 20}, {"fast": 12, "slow": 40}])
def test_combination_equals_a_single_backtest(
    worker: SweepWorker, job: SweepJob, calendar: FakeKrxCalendar, params: dict[str, int]
) -> None:
    outcome = worker.evaluate(Trial(0, params, detail=True))
    assert outcome.status == "ok"
    assert outcome.result is not None
    expected = direct(str(SMA_PY), params, job.data[0], job.config, calendar)
    assert outcome.stats == expected.stats()
    assert outcome.stats["final_equity"] == expected.stats()["final_equity"]
    assert outcome.stats["trades"] == len(expected.fills) > 0
    assert fills(outcome.result) == fills(expected)
    assert list(outcome.result.equity_raw) == list(expected.equity_raw)


def test_window_and_cash_equal_a_backtest_with_those_bounds(
    worker: SweepWorker, job: SweepJob, calendar: FakeKrxCalendar
) -> None:
    stamps = worker.timestamps()
    start, end = int(stamps[381 * 2]), int(stamps[381 * 5 - 1])  # sessions 3 to 5
    cash = Money(50_000_000, KRW)
    params = {"fast": 5, "slow": 20}
    outcome = worker.evaluate(Trial(3, params, start, end, cash, detail=True))
    assert outcome.result is not None
    config = dataclasses.replace(job.config, start_ns=start, end_ns=end, cash=cash)
    expected = direct(str(SMA_PY), params, job.data[0], config, calendar)
    assert outcome.result.bars == expected.bars == 381 * 3
    assert outcome.stats == expected.stats()
    assert outcome.stats["start_equity"] == "50000000"
    assert fills(outcome.result) == fills(expected)


def test_without_detail_only_stats_travel(worker: SweepWorker) -> None:
    outcome = worker.evaluate(Trial(1, {"fast": 5, "slow": 20}))
    assert outcome.status == "ok"
    assert outcome.result is None
    assert outcome.stats is not None


def test_refused_values_are_skipped_and_failures_counted(worker: SweepWorker) -> None:
    refused = worker.evaluate(Trial(4, {"fast": "five", "slow": 20}))
    assert refused.status == "skipped"
    assert "InvalidParamsError" in refused.reason
    assert "fast" in refused.reason
    unknown = worker.evaluate(Trial(5, {"speed": 3}))
    assert unknown.status == "skipped"
    assert "speed" in unknown.reason
    # SMACross raises in on_start when fast >= slow: the run fails, the sweep goes on
    failed = worker.evaluate(Trial(6, {"fast": 30, "slow": 20}))
    assert failed.status == "failed"
    assert failed.reason == "ValueError: fast (30) must be below slow (20)"
    assert failed.stats is None


def test_dsl_strategy_combination_equals_a_single_backtest(
    job: SweepJob, calendar: FakeKrxCalendar
) -> None:
    dsl_job = dataclasses.replace(job, strategy=str(SMA_JTS))
    worker = SweepWorker(dsl_job)
    params = {"fast": 8, "slow": 25, "quantity": 7}
    outcome = worker.evaluate(Trial(0, params, detail=True))
    assert outcome.result is not None
    expected = direct(str(SMA_JTS), params, job.data[0], job.config, calendar)
    assert outcome.stats == expected.stats()
    assert fills(outcome.result) == fills(expected)
    assert [o.strategy_id for o in outcome.result.orders] == [
        o.strategy_id for o in expected.orders
    ]
    # the DSL checks its own ranges: out of range is skipped, naming the parameter
    refused = worker.evaluate(Trial(1, {"fast": 1, "slow": 25}))
    assert refused.status == "skipped"
    assert "fast" in refused.reason


def test_factory_param_names_and_load_errors(tmp_path: Path) -> None:
    assert StrategyFactory(str(SMA_PY)).param_names == (
        "fast", "slow", "quantity", "instrument", "bar_type",
    )  # fmt: skip
    assert StrategyFactory(str(SMA_JTS)).param_names == ("fast", "slow", "quantity")
    with pytest.raises(StrategyLoadError, match="no such file"):
        StrategyFactory(str(tmp_path / "missing.py"))
