"""The ``jts`` command: global options, and one sub-module per command group.

Global options (``--config``, ``--log-level``, ``--log-format``, ``--debug``) go before the
command: ``jts --log-level DEBUG up``. The application object is built by `build_app`, not at
import time, so tests get a fresh one and importing this module has no side effects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jts.cli import backtest, config, db, dsl, performance, sim, sweep, trading, up, version
from jts.cli.errors import DEBUG_ENV_VAR, JtsGroup
from jts.cli.state import CliState

HELP = (
    "JTS: automated trading for Korean equities (KRX) and crypto.\n\n"
    "Settings come from a TOML file (--config, $JTS_CONFIG or ./jts.toml) and JTS_* "
    "environment variables (JTS_DATABASE__URL=...), the environment winning."
)


def _global_options(
    ctx: typer.Context,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="PATH",
            help="TOML settings file (default: $JTS_CONFIG, else ./jts.toml if present)",
            dir_okay=False,
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            "--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING, ERROR or CRITICAL"
        ),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option("--log-format", metavar="FORMAT", help="console (human) or json lines"),
    ] = None,
    debug: Annotated[
        bool,
        typer.Option("--debug", envvar=DEBUG_ENV_VAR, help="show tracebacks of errors"),
    ] = False,
) -> None:
    ctx.obj = CliState(
        config_file=config_file, log_level=log_level, log_format=log_format, debug=debug
    )


def build_app() -> typer.Typer:
    """A fresh ``jts`` application."""
    app = typer.Typer(
        name="jts",
        cls=JtsGroup,
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        # Plain tracebacks under --debug; Rich's would print local variables (credentials).
        pretty_exceptions_enable=False,
    )
    app.callback()(_global_options)
    app.command("up")(up.up)
    app.command("version")(version.version)
    app.command("backtest")(backtest.backtest)
    app.command("sweep")(sweep.sweep)
    app.command("performance")(performance.performance)
    app.command("orders")(trading.orders)
    app.command("positions")(trading.positions)
    app.command("kill")(trading.kill)
    app.command("reset-kill")(trading.reset_kill)
    app.command("risk")(trading.risk)
    app.add_typer(config.build(), name="config")
    app.add_typer(db.build(), name="db")
    app.add_typer(sim.build(), name="sim")
    app.add_typer(dsl.build(), name="dsl")
    return app


def main() -> None:
    """Console-script entry point (``jts = "jts.cli.main:main"``)."""
    build_app()(prog_name="jts")
