"""Shared pieces for the simulator's unit tests: a fixed KST clock and a small market."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.adapters.kis.simulator.config import SymbolConfig
from jts.adapters.kis.simulator.market import SyntheticMarket
from jts.core.clock import SimulatedClock
from jts.core.time import KST, dt_to_ns

#: Monday 2026-03-02 10:00 KST (a KRX holiday in fact; the tests use an always-open market).
START = dt_to_ns(dt.datetime(2026, 3, 2, 10, 0, tzinfo=KST))

SYMBOLS = (
    SymbolConfig("005930", "삼성전자", 70_000),
    SymbolConfig("000660", "SK하이닉스", 180_000),
    SymbolConfig("490001", "저가", 1_500, market="KOSDAQ"),
    SymbolConfig("490002", "고가", 610_000),
    SymbolConfig("069500", "KODEX 200", 35_000, kind="ETF"),
)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def market(clock: SimulatedClock) -> SyntheticMarket:
    return SyntheticMarket(SYMBOLS, clock, seed=7, history_days=60)
