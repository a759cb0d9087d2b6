"""Shared fixtures: a small synthetic bar file, the fast fake KRX calendar, a sweep job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from jts.backtest.data import generate_bars, write_bars
from jts.backtest.engine import BacktestConfig
from jts.backtest.sweeps import SweepJob
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

ROOT = Path(__file__).parents[4]
SMA_PY = ROOT / "examples" / "strategies" / "sma_cross.py"
SMA_JTS = ROOT / "examples" / "strategies" / "sma_cross.jts"
DAYS = 8  # sessions of synthetic one-minute bars (381 a day)


@pytest.fixture(scope="session")
def calendar() -> FakeKrxCalendar:
    return FakeKrxCalendar()


@pytest.fixture(scope="session")
def bars_file(tmp_path_factory: pytest.TempPathFactory, calendar: FakeKrxCalendar) -> Path:
    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=DAYS, seed=11, calendar=calendar
    )
    path = tmp_path_factory.mktemp("sweep-data") / "bars.parquet"
    write_bars(table, path)
    return path


@pytest.fixture(scope="session")
def config() -> BacktestConfig:
    """Default KRX costs (commission and sell tax): the runs book exact, non-trivial costs."""
    return BacktestConfig(cash=BacktestConfig().cash, commission=None, tax=Decimal("0.0018"))


@pytest.fixture(scope="session")
def job(bars_file: Path, config: BacktestConfig, calendar: FakeKrxCalendar) -> SweepJob:
    return SweepJob(str(SMA_PY), (bars_file,), config, calendar=calendar)
