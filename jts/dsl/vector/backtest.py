"""`backtest_vectorised`: a DSL program over whole bar arrays, fills and equity exactly as the
event-driven backtest (`jts.backtest.runner.run_backtest`) produces them.

Three stages: the signals come from `jts.dsl.signals.evaluate` (numpy, the same evaluator the
streaming strategy is held to bit for bit), one instrument at a time; the venue's and the risk
engine's per-bar facts from `jts.dsl.vector.market`, merged over the instruments into one
time-ordered stream (`jts.dsl.vector.rows`); the fills and the equity curve from the compiled
loop (`jts.dsl.vector.loop`). Statistics are `jts.analytics.analyse` over the result, as the
event-driven engine computes them.

`prepare` does the parameter-free work once (a sweep reuses it for every combination);
`run_prepared` runs one set of parameters on it. What the vectorised path cannot reproduce it
refuses with `VectorUnsupportedError` naming the feature (see `check_supported`): risk limits
other than the defaults (shorting may be allowed), venues other than KRX, instruments off the
whole-won grid or without daily limits.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from jts.calendar import XkrxCalendar
from jts.core.errors import InvalidInputError
from jts.domain.identifiers import KRX, NXT
from jts.domain.instruments import Instrument
from jts.domain.market_data import BarAggregation, BarSpecification
from jts.domain.values import KRW, Money
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import (
    Program,
    SizeEquityPercent,
    SizeRisk,
    SizeShares,
    SizeValue,
    resolve_scalar,
)
from jts.dsl.signals import BarArrays, Signals, evaluate
from jts.dsl.streaming.sizing import Sizer
from jts.dsl.streaming.stops import StopRules
from jts.dsl.typed import SessionRange, TExpr
from jts.dsl.vector import warmup
from jts.dsl.vector.bars import VectorBars
from jts.dsl.vector.costs import VectorCosts, tax_rates_by_day
from jts.dsl.vector.grid import GridTables, grid_tables
from jts.dsl.vector.kernels import (
    D_CLOSE,
    D_EQUITY,
    D_HIGH,
    D_KIND,
    D_LEVELS,
    D_LOW,
    D_ROW,
    D_SIDE,
    O_A,
    O_B,
    O_END,
    O_ENTRY,
    O_QTY,
    O_ROW,
    O_SIDE,
    O_STATUS,
    S_HAS,
    SIZE_EQUITY,
    SIZE_RISK,
    SIZE_SHARES,
    SIZE_VALUE,
    STOP_DISTANCE,
    STOP_PERCENT,
)
from jts.dsl.vector.loop import LoopOutput, StopSpec, VectorOverflowError, run_rows
from jts.dsl.vector.market import limit_table, session_table
from jts.dsl.vector.result import RunLog, VectorResult
from jts.dsl.vector.rows import RowPlan, Rows, plan_rows
from jts.kernel.risk.limits import RiskLimits
from jts.matching.engine import has_daily_limits
from jts.ports.calendar import TradingCalendar

__all__ = [
    "Dataset",
    "FillModeText",
    "VectorOverflowError",
    "VectorUnsupportedError",
    "backtest_vectorised",
    "check_supported",
    "prepare",
    "run_prepared",
]

IntArray = npt.NDArray[np.int64]
FillModeText = Literal["next-open", "close"]
_STOP_KINDS = ("stop_loss", "take_profit", "trailing_stop")


@functools.cache
def default_calendar() -> XkrxCalendar:
    """One XKRX calendar per process: building its tables takes seconds, and a built calendar
    answers every later question (`jts backtest` keeps one on disk too)."""
    return XkrxCalendar()


class VectorUnsupportedError(DslRuntimeError):
    """A program or setting the vectorised backtest cannot reproduce exactly; the message
    names the feature. Run it event-driven (`jts backtest`) instead."""


def check_supported(
    program: Program,
    instruments: Instrument | Sequence[Instrument],
    risk_limits: RiskLimits | None = None,
) -> None:
    """Refuse, before any work, what the vectorised path would not reproduce exactly."""
    chosen = [instruments] if isinstance(instruments, Instrument) else list(instruments)
    if not chosen:
        raise InvalidInputError("the vectorised backtest needs the bars of an instrument")
    ids = sorted(str(i.id) for i in chosen)
    if len(set(ids)) != len(ids):
        raise InvalidInputError(f"an instrument's bars are given twice: {', '.join(ids)}")
    if program.universe and sorted(map(str, program.universe)) != ids:
        raise VectorUnsupportedError(
            f"the bars are for {', '.join(ids)}, the strategy trades "
            f"{', '.join(sorted(map(str, program.universe)))}"
        )
    for instrument in chosen:
        if instrument.venue not in (KRX, NXT) or instrument.quote_currency != KRW:
            raise VectorUnsupportedError(
                f"the vectorised backtest models KRX instruments in KRW only, not {instrument.id}"
            )
        if instrument.price_precision != 0 or instrument.size_precision != 0:
            raise VectorUnsupportedError(
                f"{instrument.id}: prices and sizes must be whole numbers (precision 0), got "
                f"{instrument.price_precision} and {instrument.size_precision}"
            )
        if not has_daily_limits(instrument):
            raise VectorUnsupportedError(
                f"{instrument.id}: the vectorised backtest models instruments with KRX daily "
                f"limits (stocks, ETFs, ETNs), not a {instrument.kind.value}"
            )
    if isinstance(program.sizing, SizeValue) and program.sizing.currency != KRW:
        raise VectorUnsupportedError(
            f"'size ... {program.sizing.currency}' cannot size instruments priced in KRW"
        )
    if risk_limits is not None and dataclasses.replace(risk_limits, allow_short=False) != (
        RiskLimits()
    ):
        changed = [
            f.name
            for f in dataclasses.fields(RiskLimits)
            if f.name != "allow_short"
            and getattr(risk_limits, f.name) != getattr(RiskLimits(), f.name)
        ]
        raise VectorUnsupportedError(
            "the vectorised backtest models the default risk limits (optionally with shorting "
            f"allowed); these differ: {', '.join(changed)}"
        )


def _interval(program: Program, bar_spec: BarSpecification | None) -> BarSpecification:
    spec = bar_spec or program.bar_spec
    if spec is None:
        raise DslRuntimeError(
            "the program has no 'bars' line: pass the bar specification (bar_spec=...)"
        )
    if spec.aggregation is BarAggregation.DAY and (
        program.time_rules.any or _has_session_range(program)
    ):
        raise DslRuntimeError(
            f"the program has time rules or a time window, which need intraday bars, but the "
            f"bars are {spec}"
        )
    return spec


def _has_session_range(program: Program) -> bool:
    def walk(node: object) -> bool:
        if isinstance(node, SessionRange):
            return True
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            return any(walk(getattr(node, f.name)) for f in dataclasses.fields(node))
        if isinstance(node, tuple):
            return any(walk(item) for item in node)
        return False

    roots: list[TExpr] = [let.value for let in program.lets]
    roots += [rule.condition for rule in program.rules]
    roots += [stop.distance for stop in program.stops if stop.distance is not None]
    if isinstance(program.sizing, SizeRisk):
        roots.append(program.sizing.per)
    return any(walk(root) for root in roots)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything about the bars that no parameter changes: the instruments (in id order),
    their bars and float fields, the merged rows, the per-day session and limit tables, the
    fee tables and the tick tables."""

    instruments: tuple[Instrument, ...]
    bars: tuple[VectorBars, ...]
    arrays: tuple[BarArrays, ...]
    plan: RowPlan
    interval_ns: int
    sessions: IntArray  # [day, S_*]
    limits: IntArray  # [instrument, day, L_*]
    commission: IntArray  # per instrument: (num, den)
    tax_table: IntArray  # [instrument, day, (trans num, den, rural num, den)]
    lots: IntArray  # per instrument: (lot, minimum quantity)
    grid: GridTables


def prepare(
    program: Program,
    bars: VectorBars | Sequence[VectorBars],
    *,
    commission: Decimal | None = None,
    tax: Decimal | None = None,
    calendar: TradingCalendar | None = None,
    risk_limits: RiskLimits | None = None,
    bar_spec: BarSpecification | None = None,
) -> Dataset:
    """Check the program against the bars and compute the parameter-free facts once."""
    given = [bars] if isinstance(bars, VectorBars) else list(bars)
    check_supported(program, [b.instrument for b in given], risk_limits)
    spec = _interval(program, bar_spec)
    ordered = tuple(sorted(given, key=lambda b: str(b.instrument.id)))
    calendar = calendar or default_calendar()
    plan = plan_rows(ordered)
    days = plan.base.days
    instruments = tuple(b.instrument for b in ordered)
    grid = grid_tables(instruments, days)
    sessions = session_table(calendar, days)
    n = len(ordered)
    limits = np.stack(
        [
            limit_table(
                b.instrument,
                b.ts,
                b.close,
                bar_day=plan.bar_days[k],
                sessions=sessions,
                days=days,
                grid=grid,
                k=k,
            )
            for k, b in enumerate(ordered)
        ]
    )
    rates = np.zeros((n, 2), dtype=np.int64)
    taxes = np.zeros((n, max(len(days), 1), 4), dtype=np.int64)
    taxes[:, :, 1] = 1
    taxes[:, :, 3] = 1
    lots = np.zeros((n, 2), dtype=np.int64)
    on_session = sessions[: len(days), S_HAS] != 0
    for k, instrument in enumerate(instruments):
        costs = VectorCosts.build(instrument, calendar, commission, tax)
        rates[k] = (costs.commission.num, costs.commission.den)
        taxes[k, : len(days)] = tax_rates_by_day(costs, instrument, days, on_session)
        lots[k] = (instrument.lot_size.raw, instrument.min_quantity.raw)
    return Dataset(
        instruments=instruments,
        bars=ordered,
        arrays=tuple(b.signal_arrays() for b in ordered),
        plan=plan,
        interval_ns=spec.interval_ns() if spec.is_time_aggregated else 0,
        sessions=sessions,
        limits=limits,
        commission=rates,
        tax_table=taxes,
        lots=lots,
        grid=grid,
    )


def _sizing(program: Program, values: Mapping[str, Decimal]) -> tuple[int, int, int]:
    Sizer(program.sizing, values)  # the streaming strategy's checks, with its messages
    sizing = program.sizing
    if isinstance(sizing, SizeShares):
        mode, scalar = SIZE_SHARES, sizing.quantity
    elif isinstance(sizing, SizeValue):
        mode, scalar = SIZE_VALUE, sizing.amount
    elif isinstance(sizing, SizeEquityPercent):
        mode, scalar = SIZE_EQUITY, sizing.percent
    else:
        mode, scalar = SIZE_RISK, sizing.percent
    num, den = resolve_scalar(scalar, values).as_integer_ratio()
    return mode, num, den


def _stops(
    program: Program, values: Mapping[str, Decimal], amount_row: Mapping[str, int]
) -> tuple[StopSpec, StopSpec, StopSpec]:
    rules = StopRules(program, values)  # checks the percents as the streaming strategy does
    specs: list[StopSpec] = []
    for kind in _STOP_KINDS:
        if kind in rules.percents:
            percent = rules.percents[kind]
            specs.append(StopSpec(STOP_PERCENT, percent.numerator, percent.denominator))
        elif kind in rules.distance_kinds:
            specs.append(StopSpec(STOP_DISTANCE, row=amount_row[kind]))
        else:
            specs.append(StopSpec())
    return specs[0], specs[1], specs[2]


@warmup.compiling  # a first run ever compiles on two cores
def run_prepared(
    program: Program,
    dataset: Dataset,
    params: Mapping[str, object] | None = None,
    *,
    cash: Money | int = 100_000_000,
    fill: FillModeText = "next-open",
    allow_short: bool = False,
    signals: Sequence[Signals] | None = None,
    record: bool = False,
) -> VectorResult:
    """One run with ``params`` on a prepared data set (``signals`` per instrument, in the
    data set's order, when already evaluated). ``record`` also logs every order and decision
    (`VectorResult.log`), from which `jts.dsl.vector.records` rebuilds the event engine's
    orders, fills and signals; it changes no fill."""
    values = program.bind(params)
    cash_raw = _cash_raw(cash)
    if fill not in ("next-open", "close"):
        raise InvalidInputError(f"fill must be 'next-open' or 'close', got {fill!r}")
    if signals is None:
        signals = [evaluate(program, arrays, values) for arrays in dataset.arrays]
    rows = dataset.plan.rows(signals)
    output = run_rows(
        rows,
        cash=cash_raw,
        close_mode=fill == "close",
        flatten=any(bool(s.flatten.any()) for s in signals),
        allow_short=allow_short,
        sizing=_sizing(program, values),
        stops=_stops(program, values, rows.amount_row),
        interval_ns=dataset.interval_ns,
        sessions=dataset.sessions,
        limits=dataset.limits,
        commission=dataset.commission,
        tax_table=dataset.tax_table,
        lots=dataset.lots,
        grid=dataset.grid,
        record=record,
    )
    ts = rows.ts
    if len(dataset.instruments) == 1:
        timestamps, equity = ts, output.equity
    else:  # one point per distinct time: the value after its last row
        last = np.flatnonzero(np.append(ts[1:] != ts[:-1], True))
        timestamps, equity = ts[last], output.equity[last]
    return VectorResult(
        instruments=dataset.instruments,
        fill_ts=ts[output.fill_row],
        fill_inst=rows.inst[output.fill_row].astype(np.int64),
        fill_side=output.fill_side,
        fill_qty=output.fill_qty,
        fill_px=output.fill_px,
        fill_commission=output.fill_commission,
        fill_tax=output.fill_tax,
        timestamps=timestamps,
        equity=equity,
        signals=tuple(signals),
        params=values,
        log=_run_log(dataset, rows, output) if record else None,
    )


@warmup.compiling  # before the data is prepared: the child's compile is the longer part
def backtest_vectorised(
    program: Program,
    bars: VectorBars | Sequence[VectorBars],
    params: Mapping[str, object] | None = None,
    *,
    cash: Money | int = 100_000_000,
    fill: FillModeText = "next-open",
    commission: Decimal | None = None,
    tax: Decimal | None = None,
    calendar: TradingCalendar | None = None,
    risk_limits: RiskLimits | None = None,
    bar_spec: BarSpecification | None = None,
    record: bool = False,
) -> VectorResult:
    """Backtest ``program`` on the bars of one instrument or several (one account) with
    ``params``; the keywords mean what the fields of `jts.backtest.engine.BacktestConfig`
    mean (``calendar`` defaults to XKRX; ``bar_spec`` is needed when the program has no
    ``bars`` line); ``record`` logs orders and decisions (see `run_prepared`)."""
    values = program.bind(params)
    _cash_raw(cash)
    dataset = prepare(
        program,
        bars,
        commission=commission,
        tax=tax,
        calendar=calendar,
        risk_limits=risk_limits,
        bar_spec=bar_spec,
    )
    allow_short = risk_limits is not None and risk_limits.allow_short
    return run_prepared(
        program, dataset, values, cash=cash, fill=fill, allow_short=allow_short, record=record
    )


def _run_log(dataset: Dataset, rows: Rows, output: LoopOutput) -> RunLog:
    """The loop's logs with each row resolved to its time, instrument and bar index."""
    orders, decisions = output.orders, output.decisions
    decision_rows = decisions[:, D_ROW]
    if dataset.plan.order is None:
        bars = decision_rows  # one instrument: its rows are its bars
    else:
        starts = np.cumsum([0] + [len(b) for b in dataset.bars])[:-1]
        within = dataset.plan.order[decision_rows]
        bars = within - starts[rows.inst[decision_rows]]
    return RunLog(
        fill_order=output.fill_order,
        order_ts=rows.ts[orders[:, O_ROW]],
        order_inst=rows.inst[orders[:, O_ROW]].astype(np.int64),
        order_side=orders[:, O_SIDE],
        order_qty=orders[:, O_QTY],
        order_entry=orders[:, O_ENTRY],
        order_status=orders[:, O_STATUS],
        order_end_ts=rows.ts[orders[:, O_END]],
        order_a=orders[:, O_A],
        order_b=orders[:, O_B],
        decision_ts=rows.ts[decision_rows],
        decision_inst=rows.inst[decision_rows].astype(np.int64),
        decision_bar=np.asarray(bars, dtype=np.int64),
        decision_kind=decisions[:, D_KIND],
        decision_side=decisions[:, D_SIDE],
        decision_close=decisions[:, D_CLOSE],
        decision_high=decisions[:, D_HIGH],
        decision_low=decisions[:, D_LOW],
        decision_equity=decisions[:, D_EQUITY],
        decision_levels=decisions[:, D_LEVELS : D_LEVELS + 3],
    )


def _cash_raw(cash: Money | int) -> int:
    if isinstance(cash, Money):
        if cash.currency != KRW:
            raise VectorUnsupportedError(f"the account currency must be KRW, got {cash}")
        raw = cash.raw
    elif isinstance(cash, int) and not isinstance(cash, bool):
        raw = cash
    else:
        raise InvalidInputError(f"cash must be Money or an int of won, got {cash!r}")
    if raw <= 0:
        raise InvalidInputError(f"cash must be positive, got {raw}")
    if raw >= 1 << 61:
        raise VectorOverflowError(f"cash of {raw} won is beyond the exact int64 range")
    return raw
