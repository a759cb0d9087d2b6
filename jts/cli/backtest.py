"""``jts backtest``: run a strategy over historical bars and write the results.

    jts backtest --strategy examples/strategies/sma_cross.py --data bars.parquet \\
        --param fast=10 --param slow=30 --out results/sma

The strategy runs on the same kernel as live trading (risk, OMS, portfolio) against the
simulated venue. ``--out`` gets stats.json, fills/orders/equity/signals Parquet files and a
self-contained report.html; the directory appears only when every file is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from jts.core.errors import InvalidInputError


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
    from rich.table import Table  # noqa: PLC0415

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
    stats: dict[str, Any] = result.stats()
    table = Table(title=f"{runner.id} on {data}", show_header=False)
    for key in ("final_equity", "total_return", "trades", "round_trips", "sharpe", "max_drawdown"):
        value = stats[key]
        shown = (
            f"{value:.4%}"
            if key in ("total_return", "max_drawdown") and value is not None
            else value
        )
        table.add_row(key, str(shown))
    table.add_row("bars", str(result.bars))
    Console().print(table)
    if out is not None:
        written = write_results(result, out, title=f"{runner.id} backtest")
        typer.echo(f"results written to {written}")
