"""``jts sim``: local servers that speak a broker's real wire protocol (paper trading, tests).

``jts sim kis --host 127.0.0.1 --port P --ws-port W --env paper|real`` runs the KIS Open API
simulator in the foreground until Ctrl-C; it prints the app key, secret and account to use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def kis(  # noqa: PLR0917 - Typer maps each parameter to an option
    host: Annotated[str, typer.Option(help="loopback address to listen on")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="REST port (default: the real service's)")
    ] = None,
    ws_port: Annotated[int | None, typer.Option(help="WebSocket port")] = None,
    env: Annotated[str, typer.Option(help="paper or real: tr_ids, limits and hosts")] = "paper",
    config: Annotated[Path | None, typer.Option(help="simulator JSON config")] = None,
    seed: Annotated[int | None, typer.Option(help="seed of the synthetic market")] = None,
    state_file: Annotated[Path | None, typer.Option(help="keep state across restarts")] = None,
    rate_limit: Annotated[int | None, typer.Option(help="requests per second per app key")] = None,
    tick_interval: Annotated[float | None, typer.Option(help="seconds between ticks")] = None,
    market_hours: Annotated[
        str | None, typer.Option(help="always, closed or xkrx (the real sessions)")
    ] = None,
    max_subscriptions: Annotated[
        int | None, typer.Option(help="WebSocket registrations per session")
    ] = None,
) -> None:
    """Run the KIS Open API simulator (REST + WebSocket) until interrupted."""
    from jts.adapters.kis.simulator.__main__ import config_from_args  # noqa: PLC0415
    from jts.adapters.kis.simulator.server import run  # noqa: PLC0415

    argv = ["--host", host, "--env", env]
    options: dict[str, object] = {
        "--port": port,
        "--ws-port": ws_port,
        "--config": config,
        "--seed": seed,
        "--state-file": state_file,
        "--rate-limit": rate_limit,
        "--tick-interval": tick_interval,
        "--market-hours": market_hours,
        "--max-subscriptions": max_subscriptions,
    }
    for flag, value in options.items():
        if value is not None:
            argv += [flag, str(value)]
    try:
        settings = config_from_args(argv)
    except SystemExit as exc:  # argparse refused a value: its message is already printed
        raise typer.Exit(2) from exc
    run(settings)


def build() -> typer.Typer:
    app = typer.Typer(
        help="Broker simulators speaking the real wire protocols.", no_args_is_help=True
    )
    app.command("kis")(kis)
    return app
