"""Parity where the venue's and the risk engine's rules bite: bars outside the session and on
a holiday (orders wait for the next session), an opening gap beyond the daily limits (fills
clipped to the limit), the 2023 tick-table reform under stop levels, tick bars, daily bars,
and several instruments sharing one account's cash and equity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jts.core.time import NANOS_PER_DAY, NANOS_PER_MINUTE
from jts.domain.market_data import BarSpecification
from jts.dsl.load import check_source
from jts.dsl.program import Program
from jts.dsl.registry import default_catalog
from jts.dsl.vector import VectorResult

from .support import (
    HOLIDAY,
    Costs,
    EventRun,
    assert_parity,
    event_driven,
    instrument_of,
    stop_exits,
    synthetic,
    vectorised,
)

MINUTE = BarSpecification.parse("1-MINUTE-LAST")
BUSY = """universe {universe}
bars {bars}
let up = close > close[1]
let down = close < close[1]
{rules}
size {size}
{stops}
"""
#: trades on runs of two bars the same way, both sides
RUNS = """enter long when up and up[1]
exit long when down and down[1]
enter short when down and down[1]
exit short when up and up[1]"""
#: an order on every bar or two: one is always in flight when the session ends
PING_PONG = "enter long when true\nexit long when true"


def _program(
    universe: str = "005930.KRX",
    bars: str = "1 minute",
    size: str = "10% of equity",
    stops: str = "stop loss 0.2%\ntrailing stop 0.3%",
    rules: str = RUNS,
) -> Program:
    source = BUSY.format(universe=universe, bars=bars, size=size, stops=stops, rules=rules)
    return check_source(source, default_catalog(), "edge.jts")


def _run(
    program: Program, table: pa.Table, spec: BarSpecification, costs: Costs, tmp_path: Path
) -> tuple[EventRun, VectorResult]:
    symbols = sorted({str(s) for s in table.column("instrument").to_pylist()})
    event = event_driven(program, {}, table, tmp_path, costs, spec)
    vector = vectorised(program, {}, table, [instrument_of(s) for s in symbols], costs)
    assert_parity(event, vector, program)
    assert len(vector.fills) > 0
    return event, vector


def _with_rows(table: pa.Table, extra: pa.Table) -> pa.Table:
    merged = pa.concat_tables([table, extra.cast(table.schema)])
    order = pc.sort_indices(merged, [("timestamp", "ascending"), ("instrument", "ascending")])
    return merged.take(order)


def _shifted(table: pa.Table, mask: np.ndarray, shift_ns: int) -> pa.Table:
    rows = table.filter(pa.array(mask))
    ts = rows.column("timestamp").cast(pa.int64()).to_numpy() + shift_ns
    stamps = pa.array(ts, pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    return rows.set_column(0, "timestamp", stamps)


def _kst_minutes(table: pa.Table) -> npt.NDArray[np.int64]:
    ts = table.column("timestamp").cast(pa.int64()).to_numpy()
    minutes: npt.NDArray[np.int64] = ((ts + 9 * 60 * NANOS_PER_MINUTE) % NANOS_PER_DAY) // (
        NANOS_PER_MINUTE
    )
    return minutes


@pytest.mark.parametrize("fill", ["next-open", "close"])
def test_bars_after_the_close_and_on_a_holiday(fill: str, tmp_path: Path) -> None:
    """Copies of each day's last bars stamped after the close, and of 24 December's bars on
    the 25th (a holiday): the strategy acts on them, the venue fills nothing until the next
    session, and a DAY order sent there expires at that session's close."""
    table = synthetic("005930.KRX", MINUTE, days=6, seed=21)
    minutes = _kst_minutes(table)
    closing = (minutes >= 15 * 60 + 10) & (minutes <= 15 * 60 + 20)
    late = _shifted(table, closing, 25 * NANOS_PER_MINUTE)
    ts = table.column("timestamp").cast(pa.int64()).to_numpy()
    day = (ts + 9 * 60 * NANOS_PER_MINUTE) // NANOS_PER_DAY
    christmas_eve = (dt.date(2024, 12, 24) - dt.date(1970, 1, 1)).days
    holiday = _shifted(table, day == christmas_eve, NANOS_PER_DAY)
    assert (HOLIDAY - dt.date(1970, 1, 1)).days == christmas_eve + 1
    table = _with_rows(_with_rows(table, late), holiday)
    costs = Costs(fill=fill, commission=None, tax=None, allow_short=True)
    _run(_program(rules=PING_PONG), table, MINUTE, costs, tmp_path)
    _run(_program(), table, MINUTE, costs, tmp_path / "runs")


def test_an_opening_gap_beyond_the_daily_limit_fills_at_the_limit(tmp_path: Path) -> None:
    """From the third session on every price is 40 % higher: the next open lies above the
    upper limit (+30 %), and market orders fill clipped to it."""
    table = synthetic("005930.KRX", MINUTE, days=5, seed=22)
    ts = table.column("timestamp").cast(pa.int64()).to_numpy()
    day = (ts + 9 * 60 * NANOS_PER_MINUTE) // NANOS_PER_DAY
    later = day >= np.unique(day)[2]
    for name in ("open", "high", "low", "close"):
        prices = table.column(name).to_numpy()
        lifted = np.where(later, np.round(prices * 1.4 / 100) * 100, prices).astype(np.int64)
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(lifted))
    program = _program(rules=PING_PONG, size="10 shares", stops="")
    _, vector = _run(program, table, MINUTE, Costs(commission=None, tax=None), tmp_path)
    gap = int(ts[later][0])
    opening = int(table.column("open").to_numpy()[later][0])
    clipped = [f.price for f in vector.fills if f.ts_event == gap]
    assert clipped
    assert all(price < opening for price in clipped)


def test_stop_levels_across_the_2023_tick_reform(tmp_path: Path) -> None:
    """SK hynix at ~128,000 KRW: 500-won ticks before 2023-01-25, 100-won ticks from then on;
    stop levels round on the table of their day."""
    table = synthetic("000660.KRX", MINUTE, days=6, seed=23, start=dt.date(2023, 1, 20))
    program = _program(universe="000660.KRX", stops="stop loss 0.25%\ntake profit 0.4%")
    costs = Costs(commission=None, tax=None, allow_short=True)
    event, _ = _run(program, table, MINUTE, costs, tmp_path)
    assert stop_exits(event) > 0


def test_tick_bars_start_where_the_previous_bar_ended(tmp_path: Path) -> None:
    spec = BarSpecification.parse("100-TICK-LAST")
    table = synthetic("005930.KRX", MINUTE, days=3, seed=24)
    program = _program(bars="100 ticks")
    _run(program, table, spec, Costs(fill="close", commission=None, tax=None), tmp_path)


def test_daily_bars_with_risk_sizing_and_distance_stops(tmp_path: Path) -> None:
    spec = BarSpecification.parse("1-DAY-LAST")
    table = synthetic("005930.KRX", spec, days=160, seed=25)
    program = _program(
        bars="1 day",
        size="risk 1% of equity per 2 * atr(14)",
        stops="stop loss 2 * atr(14)\ntrailing stop 3 * atr(14)",
    )
    costs = Costs(commission=None, tax=None, allow_short=True)
    event, _ = _run(program, table, spec, costs, tmp_path)
    assert stop_exits(event) > 0


@pytest.mark.parametrize("fill", ["next-open", "close"])
def test_instruments_share_the_account(fill: str, tmp_path: Path) -> None:
    """Three instruments on one account: each entry is sized on the equity all of them make,
    and buys compete for the same cash (some are denied)."""
    symbols = ["000660.KRX", "005930.KRX", "069500.KRX"]
    table = synthetic(symbols, MINUTE, days=3, seed=26)
    program = _program(universe=", ".join(symbols), size="45% of equity")
    costs = Costs(fill=fill, commission=Decimal("0.0015"), tax=None, allow_short=False)
    _run(program, table, MINUTE, costs, tmp_path)
