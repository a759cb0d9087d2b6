"""Run one DSL program both ways on the same bars: event-driven (`run_backtest` with the
streaming strategy) and vectorised (`backtest_vectorised`), as comparable plain tuples."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

from jts.backtest.data import generate_bars, write_bars
from jts.backtest.data.schema import ReadOptions
from jts.backtest.engine import BacktestConfig
from jts.backtest.results import BacktestResult
from jts.backtest.runner import resolve_instruments, run_backtest
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import BarSpecification
from jts.domain.values import KRW, Money
from jts.dsl.program import Program
from jts.dsl.streaming import compile_strategy
from jts.dsl.vector import VectorBars, VectorResult, backtest_vectorised
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

#: (ts, "BUY"/"SELL", qty, price, commission, tax), all exact ints
FillRow = tuple[int, str, int, int, int, int]


@dataclass(frozen=True)
class Costs:
    cash: int = 100_000_000
    fill: str = "next-open"
    commission: Decimal | None = Decimal(0)
    tax: Decimal | None = Decimal(0)


def synthetic(
    symbol: str,
    bar_spec: BarSpecification,
    *,
    days: int,
    seed: int,
    start: dt.date = dt.date(2024, 12, 16),
) -> pa.Table:
    """Seeded XKRX-like bars on the fake calendar (one holiday, so settlement skips it)."""
    return generate_bars(
        [symbol],
        start=start,
        n_days=days,
        seed=seed,
        interval=bar_spec,
        calendar=FakeKrxCalendar(holidays=[dt.date(2024, 12, 25)]),
    )


def calendar() -> FakeKrxCalendar:
    return FakeKrxCalendar(holidays=[dt.date(2024, 12, 25)])


def instrument_of(symbol: str) -> Instrument:
    return resolve_instruments([InstrumentId(symbol)])[0]


def vector_bars(table: pa.Table, instrument: Instrument) -> VectorBars:
    ts = table.column("timestamp").cast(pa.int64()).to_numpy()
    cols = {
        n: table.column(n).to_numpy().astype(np.int64)
        for n in ("open", "high", "low", "close", "volume")
    }
    return VectorBars.of(instrument, ts=ts, **cols)


def event_driven(
    program: Program,
    params: Mapping[str, object],
    table: pa.Table,
    folder: Path,
    costs: Costs,
    bar_spec: BarSpecification,
) -> BacktestResult:
    path = folder / "bars.parquet"
    if not path.exists():
        write_bars(table, path)
    strategy = compile_strategy(program, dict(params))
    config = BacktestConfig(
        cash=Money(costs.cash, KRW),
        fill=costs.fill,  # type: ignore[arg-type]
        commission=costs.commission,
        tax=costs.tax,
    )
    return run_backtest(
        [strategy], path, config, calendar=calendar(), options=ReadOptions(bar_spec=bar_spec)
    )


def vectorised(
    program: Program,
    params: Mapping[str, object],
    table: pa.Table,
    instrument: Instrument,
    costs: Costs,
) -> VectorResult:
    return backtest_vectorised(
        program,
        vector_bars(table, instrument),
        params,
        cash=costs.cash,
        fill=costs.fill,  # type: ignore[arg-type]
        commission=costs.commission,
        tax=costs.tax,
        calendar=calendar(),
    )


def event_rows(result: BacktestResult) -> list[FillRow]:
    return [
        (f.ts_event, f.order_side.value, f.last_qty.raw, f.last_px.raw, f.commission.raw,
         f.tax.raw)
        for f in result.fills
    ]  # fmt: skip


def vector_rows(result: VectorResult) -> list[FillRow]:
    return [
        (f.ts_event, f.side.value, f.quantity, f.price, f.commission, f.tax) for f in result.fills
    ]


def assert_parity(event: BacktestResult, vector: VectorResult) -> None:
    """Fill by fill, then the equity curve bar by bar, exactly."""
    expected, got = event_rows(event), vector_rows(vector)
    for index, (e, g) in enumerate(zip(expected, got, strict=False)):
        assert g == e, f"fill {index}: vectorised {g}, event-driven {e}"
    assert len(got) == len(expected), f"{len(got)} vectorised fills, {len(expected)} event-driven"
    np.testing.assert_array_equal(vector.timestamps, event.timestamps)
    mismatch = np.flatnonzero(vector.equity != event.equity_raw)
    assert mismatch.size == 0, (
        f"equity differs at bar {mismatch[0]}: vectorised {vector.equity[mismatch[0]]}, "
        f"event-driven {event.equity_raw[mismatch[0]]}"
    )
