"""Run one DSL program both ways on the same bars: event-driven (the kernel with the streaming
strategy, as `run_backtest` wires it) and vectorised (`backtest_vectorised`), as comparable
plain tuples."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jts.analytics import AnalyticsInputError
from jts.backtest.data import BarFeed, generate_bars, write_bars
from jts.backtest.data.schema import ReadOptions
from jts.backtest.engine import ORDER_ID_PREFIX, BacktestConfig
from jts.backtest.results import fills_table, orders_table, signals_table
from jts.backtest.runner import (
    SIMULATED_VENUE_ID_PREFIX,
    build_engine,
    resolve_instruments,
    run_backtest,
    scan_instrument_ids,
)
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import AggregationSource, Bar, BarSpecification, BarType
from jts.domain.orders import Order
from jts.domain.signals import Signal
from jts.domain.values import KRW, Money, Price, Quantity
from jts.dsl.program import Program
from jts.dsl.streaming import compile_strategy
from jts.dsl.vector import VectorBars, VectorResult, backtest_vectorised
from jts.dsl.vector.records import RunIds, event_records
from jts.kernel.risk.limits import RiskLimits
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

#: (ts, instrument, "BUY"/"SELL", qty, price, commission, tax), all exact
FillRow = tuple[int, str, str, int, int, int, int]
HOLIDAY = dt.date(2024, 12, 25)


@dataclass(frozen=True)
class Costs:
    """The account and venue settings of a run (named for what most tests vary)."""

    cash: int = 100_000_000
    fill: str = "next-open"
    commission: Decimal | None = Decimal(0)
    tax: Decimal | None = Decimal(0)
    allow_short: bool = False

    @property
    def risk_limits(self) -> RiskLimits:
        return RiskLimits(allow_short=self.allow_short)


@dataclass(frozen=True)
class EventRun:
    """What the event-driven run booked. The statistics may be missing: `analyse` refuses a
    curve that goes negative (a blown-up short), but the fills and the curve still count."""

    fills: list[OrderFilled]
    timestamps: npt.NDArray[np.int64]
    equity: npt.NDArray[np.int64]
    signals: list[Signal]
    orders: list[Order]
    strategy_id: str


def synthetic(
    symbol: str | Sequence[str],
    bar_spec: BarSpecification,
    *,
    days: int,
    seed: int,
    start: dt.date = dt.date(2024, 12, 16),
) -> pa.Table:
    """Seeded XKRX-like bars on the fake calendar (one holiday, so settlement skips it)."""
    return generate_bars(
        [symbol] if isinstance(symbol, str) else list(symbol),
        start=start,
        n_days=days,
        seed=seed,
        interval=bar_spec,
        calendar=calendar(),
    )


def calendar() -> FakeKrxCalendar:
    return FakeKrxCalendar(holidays=[HOLIDAY])


def instrument_of(symbol: str) -> Instrument:
    return resolve_instruments([InstrumentId(symbol)])[0]


def vector_bars(table: pa.Table, instrument: Instrument) -> VectorBars:
    """The instrument's rows of a (possibly several-instrument) bar table."""
    mine = table.filter(pc.equal(table.column("instrument"), str(instrument.id)))
    ts = mine.column("timestamp").cast(pa.int64()).to_numpy()
    cols = {
        n: mine.column(n).to_numpy().astype(np.int64)
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
) -> EventRun:
    """`run_backtest` itself; where it cannot finish (the statistics refuse a curve that went
    negative, or the bars are tick bars, which its file reader does not read), the same
    wiring by hand, keeping the engine's books."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bars.parquet"
    write_bars(table, path)
    config = BacktestConfig(
        cash=Money(costs.cash, KRW),
        fill=costs.fill,  # type: ignore[arg-type]
        commission=costs.commission,
        tax=costs.tax,
        risk_limits=costs.risk_limits,
    )
    if bar_spec.is_time_aggregated:
        strategy = compile_strategy(program, dict(params))
        try:
            result = run_backtest(
                [strategy], path, config, calendar=calendar(),
                options=ReadOptions(bar_spec=bar_spec),
            )  # fmt: skip
        except AnalyticsInputError:
            pass
        else:
            return EventRun(
                list(result.fills),
                result.timestamps,
                result.equity_raw,
                list(result.signals),
                list(result.orders),
                str(strategy.id),
            )
    strategy = compile_strategy(program, dict(params))
    instruments = resolve_instruments(scan_instrument_ids([path], None))
    engine = build_engine(config, instruments, calendar=calendar())
    data: Iterable[Bar]
    if bar_spec.is_time_aggregated:
        read = ReadOptions(bar_spec=bar_spec)
        data = BarFeed([path], instruments=instruments, options=read, calendar=engine.calendar)
        data = data.iter_bars()
    else:
        data = _bar_objects(table, bar_spec)
    engine.add_strategy(strategy)
    with contextlib.suppress(AnalyticsInputError):
        engine.run(data)
    timestamps, equity = engine.equity.arrays()
    return EventRun(
        list(engine.fills),
        timestamps,
        equity,
        list(strategy.signals),
        list(engine.kernel.cache.orders()),
        str(strategy.id),
    )


def _bar_objects(table: pa.Table, spec: BarSpecification) -> list[Bar]:
    ts = table.column("timestamp").cast(pa.int64()).to_pylist()
    ids = table.column("instrument").to_pylist()
    columns = [table.column(n).to_pylist() for n in ("open", "high", "low", "close", "volume")]
    types = {i: BarType(InstrumentId(i), spec, AggregationSource.EXTERNAL) for i in set(ids)}
    return [
        Bar(bar_type=types[i], open=Price.from_raw(o, 0), high=Price.from_raw(h, 0),
            low=Price.from_raw(lo, 0), close=Price.from_raw(c, 0),
            volume=Quantity.from_raw(v, 0), ts_event=t, ts_init=t)
        for t, i, o, h, lo, c, v in zip(ts, ids, *columns, strict=True)
    ]  # fmt: skip


def vectorised(
    program: Program,
    params: Mapping[str, object],
    table: pa.Table,
    instruments: Instrument | Sequence[Instrument],
    costs: Costs,
) -> VectorResult:
    chosen = [instruments] if isinstance(instruments, Instrument) else list(instruments)
    return backtest_vectorised(
        program,
        [vector_bars(table, instrument) for instrument in chosen],
        params,
        cash=costs.cash,
        fill=costs.fill,  # type: ignore[arg-type]
        commission=costs.commission,
        tax=costs.tax,
        calendar=calendar(),
        risk_limits=costs.risk_limits,
        record=True,
    )


def event_rows(run: EventRun) -> list[FillRow]:
    return [
        (f.ts_event, str(f.instrument_id), f.order_side.value, f.last_qty.raw, f.last_px.raw,
         f.commission.raw, f.tax.raw)
        for f in run.fills
    ]  # fmt: skip


def vector_rows(result: VectorResult) -> list[FillRow]:
    return [
        (f.ts_event, str(f.instrument_id), f.side.value, f.quantity, f.price, f.commission,
         f.tax)
        for f in result.fills
    ]  # fmt: skip


def assert_parity(event: EventRun, vector: VectorResult, program: Program | None = None) -> None:
    """Fill by fill, then the equity curve bar by bar, exactly; given the ``program``, also
    the orders, fills and signals the vectorised run's records rebuild (`assert_records`)."""
    expected, got = event_rows(event), vector_rows(vector)
    for index, (e, g) in enumerate(zip(expected, got, strict=False)):
        assert g == e, f"fill {index}: vectorised {g}, event-driven {e}"
    assert len(got) == len(expected), f"{len(got)} vectorised fills, {len(expected)} event-driven"
    np.testing.assert_array_equal(vector.timestamps, event.timestamps)
    mismatch = np.flatnonzero(vector.equity != event.equity)
    assert mismatch.size == 0, (
        f"equity differs at bar {mismatch[0]}: vectorised {vector.equity[mismatch[0]]}, "
        f"event-driven {event.equity[mismatch[0]]}"
    )
    if program is not None:
        assert_records(event, vector, program)


def assert_records(event: EventRun, vector: VectorResult, program: Program) -> None:
    """The event engine's fills, orders and signals tables (client order ids, statuses,
    denial reasons, signal wording and all) from the vectorised run's records, exactly."""
    config = BacktestConfig()
    ids = RunIds(
        strategy_id=event.strategy_id,
        trader_id=config.trader_id,
        account_id=config.account_id,
        order_prefix=ORDER_ID_PREFIX,
        venue_prefix=SIMULATED_VENUE_ID_PREFIX,
    )
    records = event_records(vector, program, ids)
    for name, table in (
        ("fills", lambda run: fills_table(run.fills)),
        ("orders", lambda run: orders_table(run.orders)),
        ("signals", lambda run: signals_table(run.signals)),
    ):
        expected, got = table(event), table(records)
        if got.equals(expected):
            continue
        rows_e, rows_g = expected.to_pylist(), got.to_pylist()
        for index, (e, g) in enumerate(zip(rows_e, rows_g, strict=False)):
            assert g == e, f"{name} row {index}: vectorised {g}, event-driven {e}"
        assert len(rows_g) == len(rows_e), f"{len(rows_g)} vectorised {name}, {len(rows_e)}"
        assert got.schema == expected.schema, f"{name}: {got.schema} vs {expected.schema}"


def stop_exits(event: EventRun) -> int:
    """How many exits a stop level caused (the streaming strategy says so in its signals)."""
    words = ("stop loss", "take profit", "trailing stop")
    return sum(1 for s in event.signals if any(w in s.reason for w in words))
