"""``jts performance``: the backtest's statistics and report over live trading history.

    jts performance --from 2024-01-02 --to 2024-03-29 --out results/live-q1

The equity curve is the daily snapshots a running node stores (at the close, at stop, on
demand: `jts.live.snapshots`), one close per KST day, summed over the accounts (or one account
with ``--account``); the trades are the stored fills, replayed into netting positions so each
round trip has the same PnL as in a backtest. Both go through `jts.analytics.analyse`, the
function behind a backtest's ``stats.json`` and ``report.html``, so live and backtest figures
mean the same thing.

Day one's return needs the equity before it: the last snapshot before ``--from`` when there is
one (it stands at the start of the first day); otherwise the first day's own close, so the
first return is zero. Exposure counts the days with a fill in the range or a position carried
from an earlier fill in it; a position carried into the range from before ``--from`` shows in
the equity but not in the exposure.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from jts.cli.errors import database_errors
from jts.cli.state import state_of
from jts.core.errors import CurrencyMismatchError, InvalidInputError
from jts.core.time import NANOS_PER_DAY, kst_to_ns

if TYPE_CHECKING:
    from jts.analytics import Analysis, RoundTrip
    from jts.domain.events_order import OrderFilled
    from jts.domain.values import Money
    from jts.ports.repositories import DailySnapshot, UnitOfWork

#: Where a day's close sits on the curve: the end of the KRX session, KST.
CLOSE_HHMMSS: Final = "153000"
HEAD: Final = ("final_equity", "total_return", "trades", "round_trips", "sharpe", "max_drawdown")


def parse_day(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"{option} must be a day YYYY-MM-DD, got {text!r}") from None


@dataclass(frozen=True, slots=True)
class LivePerformance:
    """What `analyse` made of the live history, and the totals the report adds to it."""

    analysis: Analysis
    first_day: dt.date
    last_day: dt.date
    accounts: tuple[str, ...]
    fills: tuple[OrderFilled, ...]
    commissions: Money
    taxes: Money
    opening_from_day: dt.date | None

    def stats(self) -> dict[str, Any]:
        """``stats.json``: the backtest's figures first, then the live-only ones."""
        from jts.backtest.results import stats_in_order  # noqa: PLC0415

        return {
            **stats_in_order(self.analysis, len(self.fills)),
            "commissions": format(self.commissions.as_decimal(), "f"),
            "taxes": format(self.taxes.as_decimal(), "f"),
            "accounts": list(self.accounts),
            "opening_from": None
            if self.opening_from_day is None
            else self.opening_from_day.isoformat(),
        }


def _equity_by_day(snapshots: Sequence[DailySnapshot]) -> dict[dt.date, Money]:
    totals: dict[dt.date, Money] = {}
    for snapshot in snapshots:
        before = totals.get(snapshot.day)
        if before is not None and before.currency != snapshot.currency:
            raise CurrencyMismatchError(
                f"accounts on {snapshot.day} keep their books in {before.currency} and "
                f"{snapshot.currency}: choose one with --account"
            )
        totals[snapshot.day] = snapshot.equity if before is None else before + snapshot.equity
    return totals


def _round_trips(fills: Sequence[OrderFilled], start_ns: int, end_ns: int) -> list[RoundTrip]:
    """Every fill replayed into its netting position (from the first, so a trade opened before
    the range has its real entry); the round trips closed inside the range."""
    from jts.analytics import round_trips_from_position_events  # noqa: PLC0415
    from jts.domain.events_position import PositionEvent  # noqa: PLC0415
    from jts.domain.positions import Position  # noqa: PLC0415

    positions: dict[tuple[str, str], Position] = {}
    events: list[PositionEvent] = []
    for fill in fills:
        key = (str(fill.instrument_id), str(fill.strategy_id))
        position = positions.get(key)
        if position is None:
            position = Position(
                fill.instrument_id,
                fill.strategy_id,
                fill.trader_id,
                fill.currency,
                account_id=fill.account_id,
            )
            positions[key] = position
        events.extend(position.apply(fill))
    trips = round_trips_from_position_events(events)
    return [trip for trip in trips if start_ns <= trip.exit_ns < end_ns]


def live_performance(
    storage: UnitOfWork,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    account: str | None = None,
    risk_free: float = 0.0,
) -> LivePerformance:
    """Analyse the daily snapshots and fills stored in ``storage`` (see the module docstring)."""
    from jts.analytics import analyse  # noqa: PLC0415 - numpy and friends
    from jts.domain.identifiers import AccountId  # noqa: PLC0415
    from jts.domain.values import Money  # noqa: PLC0415

    if start is not None and end is not None and end < start:
        raise InvalidInputError(f"--to {end} is before --from {start}")
    storage.instruments.list_all()  # registers the coins their fills and balances are in
    account_id = None if account is None else AccountId(account)
    snapshots = storage.daily_snapshots.query(account_id=account_id, end=end)
    equity = _equity_by_day(snapshots)
    days = sorted(day for day in equity if start is None or day >= start)
    if not days:
        bounds = [f"from {start}"] if start else []
        bounds += [f"to {end}"] if end else []
        window = f" ({' '.join(bounds)})" if bounds else ""
        who = f"account {account}" if account else "any account"
        raise InvalidInputError(
            f"no daily snapshots of {who}{window}: a running node stores one at the close "
            "and when it stops (jts up)"
        )
    before = [day for day in equity if day < days[0]]
    opening_day = max(before) if before else None
    timestamps: list[int] = []
    values: list[Money] = []
    if opening_day is not None:  # at the start of the first day, so it is no day of its own
        timestamps.append(kst_to_ns(days[0]))
        values.append(equity[opening_day])
    for day in days:
        timestamps.append(kst_to_ns(day, CLOSE_HHMMSS))
        values.append(equity[day])
    start_ns = kst_to_ns(days[0])
    end_ns = kst_to_ns(days[-1]) + NANOS_PER_DAY
    history = [f for f in storage.fills.query(end_ns=end_ns) if account_id in (None, f.account_id)]
    fills = tuple(f for f in history if f.ts_event >= start_ns)
    currency = values[0].currency
    commissions = taxes = Money.zero(currency)
    for fill in fills:
        if fill.commission.currency == currency:
            commissions = commissions + fill.commission
        if fill.tax.currency == currency:
            taxes = taxes + fill.tax
    analysis = analyse(
        timestamps,
        values,
        trades=_round_trips(history, start_ns, end_ns),
        fills=fills,
        risk_free=risk_free,
    )
    return LivePerformance(
        analysis=analysis,
        first_day=days[0],
        last_day=days[-1],
        accounts=tuple(sorted({str(s.account_id) for s in snapshots if s.day >= days[0]})),
        fills=fills,
        commissions=commissions,
        taxes=taxes,
        opening_from_day=opening_day,
    )


def write_performance(result: LivePerformance, out: Path) -> Path:
    """``stats.json`` and ``report.html`` into ``out``, which appears only when both are written."""
    from jts.analytics import write_report  # noqa: PLC0415
    from jts.backtest.results import staged_directory  # noqa: PLC0415

    with staged_directory(out) as staging:
        (staging / "stats.json").write_text(
            json.dumps(result.stats(), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        write_report(
            staging / "report.html",
            result.analysis,
            title="JTS live performance",
            parameters={
                "accounts": ", ".join(result.accounts),
                "days": f"{result.first_day} .. {result.last_day}",
                "commissions": str(result.commissions),
                "taxes": str(result.taxes),
            },
        )
    return out.resolve()


def _open_storage(url: str) -> Any:
    from jts.cli.db import sqlite_file  # noqa: PLC0415
    from jts.storage import Storage  # noqa: PLC0415 - slow import, see jts.cli.db

    file = sqlite_file(url)
    if file is not None and not file.exists():
        raise InvalidInputError(f"no database at {file}: run jts up first (or set --config)")
    return Storage.open(url, migrate=False)


def performance(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", help="first day YYYY-MM-DD (inclusive)")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="last day YYYY-MM-DD (inclusive)")] = None,
    out: Annotated[
        Path | None, typer.Option(help="write stats.json and report.html to this directory")
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="one account id (default: every account, summed)")
    ] = None,
) -> None:
    """Performance of live trading: daily snapshots and fills through the backtest's analytics."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    first, last = parse_day("--from", start), parse_day("--to", end)
    url = state_of(ctx).load().settings.database.url
    with database_errors(url), _open_storage(url) as storage:
        result = live_performance(storage, start=first, end=last, account=account)
    stats = result.stats()
    table = Table(title=f"live {result.first_day} .. {result.last_day}", show_header=False)
    for key in HEAD:
        value = stats[key]
        percent = key in ("total_return", "max_drawdown") and value is not None
        table.add_row(key, f"{value:.4%}" if percent else str(value))
    for key in ("days", "commissions", "taxes"):
        table.add_row(key, str(stats[key]))
    table.add_row("accounts", ", ".join(result.accounts))
    Console().print(table)
    if out is not None:
        written = write_performance(result, out)
        typer.echo(f"results written to {written}")
