"""``jts sim``: local servers that speak a broker's real wire protocol (paper trading, tests).

``jts sim kis --host 127.0.0.1 --port P --ws-port W --env paper|real`` runs the KIS Open API
simulator in the foreground until Ctrl-C; it prints the app key, secret and account to use.
``--replay FILE`` makes its tape the bars of a backtest data file instead of a random walk.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from jts.adapters.kis.simulator.market import ReplayBar


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
    replay: Annotated[
        Path | None,
        typer.Option(help="bar file (CSV/Parquet, the backtest's format) to replay as the tape"),
    ] = None,
    replay_bar_seconds: Annotated[
        int, typer.Option(help="length of the replayed bars (60: minute bars, 86400: daily)")
    ] = 60,
) -> None:
    """Run the KIS Open API simulator (REST + WebSocket) until interrupted."""
    import dataclasses  # noqa: PLC0415

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
    bars = None
    if replay is not None:
        bars = read_replay_bars(replay, replay_bar_seconds)
        settings = dataclasses.replace(
            settings, replay_file=str(replay), replay_bar_seconds=replay_bar_seconds
        )
    run(settings, replay=bars)


def read_replay_bars(path: Path, bar_seconds: int) -> dict[str, list[ReplayBar]]:
    """The bars of a backtest data file (or folder) as the simulator replays them, per symbol.

    Files are read by the backtest's own reader (same checks, same exact prices). A bar is
    stamped at its close; its prints start ``bar_seconds`` earlier (one session at most).
    """
    from jts.adapters.kis.simulator.market import ReplayBar  # noqa: PLC0415
    from jts.adapters.kis.simulator.replay import print_span_ns  # noqa: PLC0415
    from jts.backtest.data import BarFeed, ReadOptions  # noqa: PLC0415
    from jts.backtest.data.schema import ONE_DAY, ONE_MINUTE  # noqa: PLC0415
    from jts.backtest.runner import resolve_instruments, scan_instrument_ids  # noqa: PLC0415
    from jts.core.errors import InvalidInputError  # noqa: PLC0415
    from jts.domain.identifiers import KRX  # noqa: PLC0415

    if bar_seconds <= 0:
        raise typer.BadParameter(f"--replay-bar-seconds must be positive, got {bar_seconds}")
    spec = ONE_DAY if bar_seconds >= 86_400 else ONE_MINUTE
    try:
        instruments = resolve_instruments(scan_instrument_ids([path], None))
        not_krx = [str(i.id) for i in instruments if i.id.venue != KRX]
        if not_krx:
            raise InvalidInputError(f"the KIS simulator replays KRX bars only, not {not_krx}")
        feed = BarFeed([path], instruments=instruments, options=ReadOptions(bar_spec=spec))
        span = print_span_ns(bar_seconds)
        out: dict[str, list[ReplayBar]] = {}
        for bar in feed.iter_bars():
            out.setdefault(str(bar.bar_type.instrument_id.symbol), []).append(
                ReplayBar(
                    ts_ns=bar.ts_event - span,
                    open=int(bar.open.as_decimal()),
                    high=int(bar.high.as_decimal()),
                    low=int(bar.low.as_decimal()),
                    close=int(bar.close.as_decimal()),
                    volume=int(bar.volume.as_decimal()),
                )
            )
    except InvalidInputError as exc:
        raise typer.BadParameter(f"--replay {path}: {exc}") from exc
    return out


def build() -> typer.Typer:
    app = typer.Typer(
        help="Broker simulators speaking the real wire protocols.", no_args_is_help=True
    )
    app.command("kis")(kis)
    return app
