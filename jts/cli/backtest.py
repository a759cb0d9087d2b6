"""``jts backtest``: run a strategy over historical bars and write the results.

    jts backtest --strategy examples/strategies/sma_cross.py --data bars.parquet \\
        --param fast=10 --param slow=30 --out results/sma

The strategy runs on the same kernel as live trading (risk, OMS, portfolio) against the
simulated venue. ``--out`` gets stats.json, fills/orders/equity/signals Parquet files and a
self-contained report.html; the directory appears only when every file is written.

``--engine vector`` runs a ``.jts`` strategy on the DSL's compiled vectorised backtester
(`jts.dsl.vector`), whose fills and equity equal the event-driven run's to the won, over the
same bars read by the same reader with the same checks. With ``--out`` it records its orders
and decisions (`jts.dsl.vector.records`) and writes the same files as the event engine, with
the same writer: every order with its client order id and final status, and every signal
the streaming strategy would emit. What it cannot reproduce exactly it refuses up front
(exit code 2), naming the feature; run those with the default ``--engine event``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from jts.core.errors import InvalidInputError

if TYPE_CHECKING:
    from jts.backtest.data.schema import ReadOptions
    from jts.backtest.engine import BacktestConfig
    from jts.backtest.results import BacktestResult
    from jts.calendar import XkrxCalendar
    from jts.dsl.program import Program
    from jts.dsl.streaming import DslStrategy
    from jts.dsl.vector import VectorBars, VectorResult

#: "the command was used wrongly": the exit code click gives its own usage errors.
EXIT_USAGE: Final = 2
_SHOWN_STATS: Final = (
    "final_equity", "total_return", "trades", "round_trips", "sharpe", "max_drawdown",
)  # fmt: skip


class Engine(StrEnum):
    """Which backtester runs the strategy: the kernel, or the DSL's vectorised one."""

    EVENT = "event"
    VECTOR = "vector"


def usage_error(message: str) -> typer.Exit:
    """One line on stderr, like every other command's errors, and exit code 2: the command
    was asked for something it does not do, which no retry fixes."""
    typer.echo(f"jts: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _params(items: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise InvalidInputError(f"--param must be NAME=VALUE, got {item!r}")
        params[name.strip()] = value.strip()
    return params


def parse_rate(option: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInputError(f"{option} must be a rate such as 0.00015, got {text!r}") from None
    if not value.is_finite():
        raise InvalidInputError(f"{option} must be a finite rate, got {text!r}")
    return value


def _parquet_rows(data: Path) -> int | None:
    """The number of bars when every file is Parquet (its footer says), else None."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    files = sorted(data.rglob("*")) if data.is_dir() else [data]
    total = 0
    for file in files:
        if file.is_dir() or file.name.startswith("."):
            continue
        if file.suffix not in (".parquet", ".pq"):
            return None
        total += pq.ParquetFile(file).metadata.num_rows
    return total


def vector_strategy(spec: str, params: Mapping[str, str]) -> DslStrategy:
    """The ``.jts`` strategy compiled as the event engine would (same parameter checks and
    messages, same id); its ``program`` and bound ``values`` drive the vectorised run."""
    from jts.backtest.runner import load_strategy  # noqa: PLC0415
    from jts.dsl.streaming import DslStrategy  # noqa: PLC0415

    if not spec.partition(":")[0].endswith(".jts"):
        raise usage_error(
            f"--engine vector runs DSL strategies (.jts files) only, got {spec}; "
            "use --engine event for Python strategies"
        )
    strategy = load_strategy(spec, params)
    assert isinstance(strategy, DslStrategy)  # a .jts file compiles to one
    return strategy


def vector_bar_spec(program: Program, options: ReadOptions) -> None:
    """Refuse data whose bar type the program would not see: the event engine feeds a
    strategy only the bars of its ``bars`` line, so it would trade nothing while the
    vectorised run traded every bar."""
    if program.bar_spec is not None and program.bar_spec != options.bar_spec:
        raise usage_error(
            f"--engine vector: the strategy's 'bars' line is {program.bar_spec}, the data's "
            f"bars (--bars) are {options.bar_spec}"
        )


def read_vector_bars(
    paths: Sequence[Path],
    options: ReadOptions,
    config: BacktestConfig,
    program: Program,
) -> tuple[list[VectorBars], XkrxCalendar]:
    """The bars as `run_backtest` reads them (instruments, reader, session and gap checks,
    ``--start``/``--end``), gathered per instrument into `VectorBars`, and the calendar.

    What the vectorised path cannot model is refused before any bar is read.
    """
    import numpy as np  # noqa: PLC0415

    from jts.backtest.calendar_cache import cached_xkrx_calendar  # noqa: PLC0415
    from jts.backtest.data import BarFeed  # noqa: PLC0415
    from jts.backtest.runner import resolve_instruments, scan_instrument_ids  # noqa: PLC0415
    from jts.dsl.vector import VectorBars, check_supported  # noqa: PLC0415

    instruments = resolve_instruments(scan_instrument_ids(paths, options.instrument))
    check_supported(program, instruments, config.risk_limits)
    calendar = cached_xkrx_calendar()
    feed = BarFeed(
        paths,
        instruments=instruments,
        options=options,
        start=config.start_ns,
        end=config.end_ns,
        calendar=calendar,
    )
    fields = ("ts_event", "open", "high", "low", "close", "volume")
    parts: dict[str, list[list[Any]]] = {}
    for chunk in feed.iter_bar_arrays():
        for index in np.unique(chunk.instrument_index).tolist():
            mine = chunk.take(chunk.instrument_index == index)
            columns = parts.setdefault(str(chunk.instrument_ids[index]), [[] for _ in fields])
            for column, name in zip(columns, fields, strict=True):
                column.append(getattr(mine, name))
    if not parts:
        raise InvalidInputError("no data in the selected range: nothing was backtested")
    by_id = {str(i.id): i for i in instruments}
    bars = []
    for instrument_id, columns in sorted(parts.items()):
        ts, open_, high, low, close, volume = (np.concatenate(c) for c in columns)
        bars.append(
            VectorBars.of(
                by_id[instrument_id], ts=ts, open=open_, high=high, low=low, close=close,
                volume=volume,
            )
        )  # fmt: skip
    return bars, calendar


def vector_outcome(
    result: VectorResult,
    bars: int,
    config: BacktestConfig,
    *,
    program: Program | None = None,
    strategy_id: str | None = None,
) -> BacktestResult:
    """The run in the event engine's `BacktestResult`, so that every file comes from the same
    code. From a recording run (``record=True``, with its ``program`` and ``strategy_id``) it
    carries the orders, fills and signals the event engine would have (`jts.dsl.vector.records`);
    otherwise only the statistics and the curve, with ``trades`` set from the fill arrays."""
    from jts.backtest.engine import ORDER_ID_PREFIX  # noqa: PLC0415
    from jts.backtest.results import BacktestResult  # noqa: PLC0415
    from jts.backtest.runner import SIMULATED_VENUE_ID_PREFIX  # noqa: PLC0415
    from jts.domain.values import KRW  # noqa: PLC0415
    from jts.dsl.vector.records import RunIds, event_records  # noqa: PLC0415

    analysis = result.analysis(risk_free=config.risk_free, periods_per_year=config.periods_per_year)
    outcome = BacktestResult(
        currency=KRW,
        timestamps=result.timestamps,
        equity_raw=result.equity,
        fills=[],
        orders=[],
        signals=[],
        analysis=analysis,
        bars=bars,
    )
    if result.log is None or program is None or strategy_id is None:
        outcome.run_facts["trades"] = len(result.fill_ts)
        return outcome
    ids = RunIds(
        strategy_id=strategy_id,
        trader_id=config.trader_id,
        account_id=config.account_id,
        order_prefix=ORDER_ID_PREFIX,
        venue_prefix=SIMULATED_VENUE_ID_PREFIX,
    )
    records = event_records(result, program, ids)
    outcome.fills, outcome.orders, outcome.signals = (
        records.fills,
        records.orders,
        records.signals,
    )
    return outcome


def _print_stats(title: str, stats: Mapping[str, Any], bars: int) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=title, show_header=False)
    for key in _SHOWN_STATS:
        value = stats[key]
        shown = (
            f"{value:.4%}"
            if key in ("total_return", "max_drawdown") and value is not None
            else value
        )
        table.add_row(key, str(shown))
    table.add_row("bars", str(bars))
    Console().print(table)


def _backtest_vectorised(
    strategy: str,
    data: Path,
    *,
    config: BacktestConfig,
    options: ReadOptions,
    params: Mapping[str, str],
    out: Path | None,
) -> None:
    from jts.backtest.results import write_results  # noqa: PLC0415
    from jts.dsl.vector import VectorUnsupportedError, backtest_vectorised  # noqa: PLC0415

    runner = vector_strategy(strategy, params)
    vector_bar_spec(runner.program, options)
    try:
        bars, calendar = read_vector_bars([data], options, config, runner.program)
        result = backtest_vectorised(
            runner.program,
            bars,
            runner.values,
            cash=config.cash,
            fill=config.fill,
            commission=config.commission,
            tax=config.tax,
            calendar=calendar,
            risk_limits=config.risk_limits,
            bar_spec=options.bar_spec,
            record=out is not None,  # the orders and signals are for the files
        )
    except VectorUnsupportedError as exc:
        raise usage_error(f"--engine vector: {exc}; use --engine event") from None
    outcome = vector_outcome(
        result,
        sum(len(b) for b in bars),
        config,
        program=runner.program,
        strategy_id=str(runner.id),
    )
    _print_stats(f"{runner.id} on {data} (vectorised)", outcome.stats(), outcome.bars)
    if out is not None:
        written = write_results(outcome, out, title=f"{runner.id} backtest")
        typer.echo(f"results written to {written}")


def backtest(  # noqa: PLR0917 - Typer maps each parameter to an option
    strategy: Annotated[
        str, typer.Option(help="PATH.py[:CLASS] or PATH.jts", metavar="PATH[:CLASS]")
    ],
    data: Annotated[Path, typer.Option(help="bar file or folder (CSV or Parquet)")],
    out: Annotated[Path | None, typer.Option(help="write results to this directory")] = None,
    instrument: Annotated[
        str | None, typer.Option(help="instrument of files without an instrument column")
    ] = None,
    start: Annotated[str | None, typer.Option(help="first day or ISO time (inclusive)")] = None,
    end: Annotated[str | None, typer.Option(help="last day or ISO time (inclusive)")] = None,
    cash: Annotated[str, typer.Option(help="starting cash in KRW")] = "100000000",
    commission: Annotated[
        str | None, typer.Option(help="commission rate both ways (0 disables)")
    ] = None,
    tax: Annotated[str | None, typer.Option(help="sell tax rate override (0 disables)")] = None,
    fill: Annotated[str, typer.Option(help="next-open or close")] = "next-open",
    bars: Annotated[
        str, typer.Option(help="bar specification of the data, e.g. 1-MINUTE-LAST or 1-DAY-LAST")
    ] = "1-MINUTE-LAST",
    param: Annotated[
        list[str] | None, typer.Option(help="strategy parameter NAME=VALUE (repeatable)")
    ] = None,
    engine: Annotated[
        Engine, typer.Option(help="event (the kernel) or vector (compiled, .jts strategies)")
    ] = Engine.EVENT,
) -> None:
    """Backtest a strategy over historical bars."""
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from jts.backtest.data.feed import resolve_bound  # noqa: PLC0415
    from jts.backtest.engine import BacktestConfig  # noqa: PLC0415
    from jts.backtest.results import write_results  # noqa: PLC0415
    from jts.backtest.runner import load_strategy, run_backtest  # noqa: PLC0415
    from jts.domain.identifiers import InstrumentId  # noqa: PLC0415
    from jts.domain.values import KRW, Money  # noqa: PLC0415

    try:
        cash_money = Money(Decimal(cash), KRW)
    except (InvalidOperation, InvalidInputError) as exc:
        raise InvalidInputError(f"--cash must be a whole number of KRW, got {cash!r}") from exc
    config = BacktestConfig(
        cash=cash_money,
        fill=fill,  # type: ignore[arg-type]  # validated by BacktestConfig
        commission=parse_rate("--commission", commission),
        tax=parse_rate("--tax", tax),
        start_ns=resolve_bound(start, "--start", is_end=False),
        end_ns=resolve_bound(end, "--end", is_end=True),
    )
    if not data.exists():
        raise InvalidInputError(f"--data: no such file or folder {data}")
    from jts.backtest.data.schema import ReadOptions  # noqa: PLC0415
    from jts.domain.market_data import BarSpecification  # noqa: PLC0415

    options = ReadOptions(bar_spec=BarSpecification.parse(bars))
    if engine is Engine.VECTOR:
        params = _params(param or [])
        _backtest_vectorised(strategy, data, config=config, options=options, params=params, out=out)
        return
    runner = load_strategy(strategy, _params(param or []))
    total = _parquet_rows(data)
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]backtest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("bars", total=total)

        def advance(count: int) -> None:
            progress.update(task, completed=count)

        result = run_backtest(
            [runner],
            data,
            config,
            instrument=InstrumentId(instrument) if instrument else None,
            options=options,
            progress=advance,
        )
    _print_stats(f"{runner.id} on {data}", result.stats(), result.bars)
    if out is not None:
        written = write_results(result, out, title=f"{runner.id} backtest")
        typer.echo(f"results written to {written}")
