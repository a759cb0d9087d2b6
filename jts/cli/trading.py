"""``jts orders``, ``positions``, ``kill``, ``reset-kill``, ``risk``: talk to a running node.

The node of the configured data dir publishes its loopback control address in
``<data_dir>/node.json`` (see `jts.live.control`); these commands read it and call the node.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer

from jts.cli.errors import CommandError
from jts.cli.state import state_of

__all__ = ["kill", "orders", "positions", "reset_kill", "risk"]


def _call(ctx: typer.Context, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    from jts.live.control import NodeNotRunningError, read_control_file  # noqa: PLC0415

    settings = state_of(ctx).load().settings
    try:
        address = read_control_file(settings.data_dir)
    except NodeNotRunningError as exc:
        raise CommandError(str(exc)) from exc
    headers = {"Authorization": f"Bearer {address.token}"}
    try:
        response = httpx.request(
            method, address.url + path, headers=headers, json=body, timeout=10.0
        )
    except httpx.TransportError as exc:
        raise CommandError(
            f"the node (pid {address.pid}) does not answer at {address.url}: {exc}; "
            "is it still running?"
        ) from exc
    if response.status_code != 200:
        raise CommandError(f"the node refused {method} {path}: {response.text}")
    return response.json()


def _print_rows(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c))) for r in rows)) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        typer.echo("  ".join(str(row.get(c)).ljust(widths[c]) for c in columns))


def orders(
    ctx: typer.Context,
    all_orders: Annotated[bool, typer.Option("--all", help="closed orders too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Orders of the running node (open ones unless --all)."""
    rows = _call(ctx, "GET", "/orders?all=1" if all_orders else "/orders")
    columns = [
        "client_order_id", "venue_order_id", "instrument_id", "side", "quantity", "status",
        "filled_qty", "avg_px",
    ]  # fmt: skip
    _print_rows(rows, columns, as_json)


def positions(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Positions of the running node, per instrument, strategy and account."""
    rows = _call(ctx, "GET", "/positions")
    columns = [
        "instrument_id", "strategy_id", "account_id", "quantity", "avg_px_open", "realized_pnl",
    ]  # fmt: skip
    _print_rows(rows, columns, as_json)


def kill(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option(help="why (kept with the kill switch)")] = "manual",
) -> None:
    """Trip the kill switch: cancel every open order and block new ones until reset-kill."""
    result = _call(ctx, "POST", "/kill", {"reason": reason})
    typer.echo(f"kill switch tripped ({result['reason']}); {result['cancels']} cancels sent")


def reset_kill(ctx: typer.Context) -> None:
    """Reset the kill switch: new orders are allowed again."""
    result = _call(ctx, "POST", "/reset-kill")
    previous = result.get("previous_reason")
    typer.echo("kill switch reset" + (f" (was: {previous})" if previous else " (was not set)"))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.3f} %"


def risk_lines(data: dict[str, Any]) -> list[str]:
    """``GET /risk`` as a person reads it: money as the node sent it (exact), statistics as
    percent of equity per sampling period."""
    currency = data["currency"]
    kill = data.get("kill_switch")
    lines = [
        f"risk of the KST trading day {data['trading_date']} ({currency})",
        f"  kill switch       {'TRIPPED: ' + kill if kill else 'off'}",
        f"  equity            {data['equity']} (day start {data['day_start_equity']}, "
        f"cash {data['cash']})",
        f"  daily PnL         {data['daily_pnl']} ({data['daily_pnl_pct']} %)",
        f"  drawdown          {data['drawdown']} ({data['drawdown_pct']} % below the peak "
        f"{data['peak_equity']}; max {data['max_drawdown_pct']} %)",
        f"  exposure          gross {data['gross_exposure']}, net {data['net_exposure']}",
    ]
    for instrument, value in data["exposures"].items():
        lines.append(f"    {instrument:<16}{value}")
    if data["largest_share"] is not None:
        lines.append(
            f"  concentration     largest {data['largest_position']} "
            f"{_pct(data['largest_share'])}, HHI {data['hhi']:.4f}"
        )
    lines.append(
        f"  volatility        {_pct(data['volatility'])} per {data['interval_s']:g} s "
        f"({data['returns']} returns)"
    )
    for level, var in data["var"].items():
        es = data["expected_shortfall"][level]
        lines.append(f"  VaR / ES {float(level):.0%}    {_pct(var)} / {_pct(es)}")
    limits = {k: v for k, v in data["limits"].items() if v is not None}
    shown = ", ".join(f"{k} {v}" for k, v in limits.items()) or "none"
    lines.append(f"  loss limits       {shown}")
    for breach in data["breaches"]:
        lines.append(f"  breached today    {breach}")
    lines.append(
        f"  orders            {data['orders_checked']} checked, {data['orders_denied']} denied"
    )
    return lines


def risk(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Real-time risk of the running node: daily PnL, drawdown, exposure, VaR and ES."""
    data = _call(ctx, "GET", "/risk")
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for line in risk_lines(data):
        typer.echo(line)
