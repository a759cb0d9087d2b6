"""``jts up``: prepare the node's persistent state, then run the trading node.

First it prepares everything a node needs (idempotent): the data directory, the database at
the schema this code needs, and the reference instruments. Then it runs the live node
(`jts.live`) until Ctrl-C / SIGTERM or ``--duration``: with no configuration that is paper
trading of the SMA example against the built-in KIS simulator, journaled to SQLite.
``--prepare-only`` keeps the old behaviour (prepare, print the config, exit).

``--profile production`` (or ``profile = "production"`` in the config) runs on PostgreSQL and
the Redis Streams bus. ``--role market-data|strategy|execution`` runs one part of a split node
(one process per role, cooperating over Redis; see `jts.live.roles`); the default ``all`` is the
whole node in one process. A split node needs a venue every role reaches: ``jts sim kis`` with
``--sim-config/--sim-port/--sim-ws-port``, or ``[brokers.kis]`` credentials.

The storage package is imported inside `bring_up`: it takes about a second to import, which
``jts --help`` should not pay.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from jts.cli.config import OutputFormat, render_config
from jts.cli.errors import CommandError, database_errors
from jts.cli.state import state_of
from jts.config import Override, Settings, mask_url_password
from jts.core.errors import ConfigError
from jts.monitoring.logging import get_logger


@dataclass(frozen=True, slots=True)
class UpReport:
    """What `bring_up` found and did."""

    data_dir: Path
    database: str  # URL, password masked
    revision: str | None
    loaded_by_venue: dict[str, int]
    stored_instruments: int
    bus_backend: str

    def lines(self) -> list[str]:
        loaded = ", ".join(f"{venue} {n}" for venue, n in sorted(self.loaded_by_venue.items()))
        total = sum(self.loaded_by_venue.values())
        return [
            f"data dir     {self.data_dir}",
            f"database     {self.database} (revision {self.revision})",
            f"instruments  {total} reference instruments upserted ({loaded}); "
            f"{self.stored_instruments} stored",
            f"bus          {self.bus_backend}",
        ]


def _make_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create data directory {path}: {exc.strerror or exc}") from exc


def bring_up(settings: Settings) -> UpReport:
    """Create the data directory, migrate the database, upsert the reference instruments."""
    from jts.domain.reference import load_reference_instruments  # noqa: PLC0415
    from jts.live.database import open_storage  # noqa: PLC0415 - see the module docstring
    from jts.storage import migrate  # noqa: PLC0415

    log = get_logger("jts.up")
    _make_data_dir(settings.data_dir)
    url = settings.database.url
    instruments = load_reference_instruments()
    with database_errors(url), open_storage(settings.database) as storage:
        revision = migrate.current(storage.engine)
        log.info("database_ready", url=mask_url_password(url), revision=revision)
        storage.instruments.upsert_many(instruments)
        stored = storage.instruments.count()
    by_venue = dict(Counter(str(instrument.id.venue) for instrument in instruments))
    log.info("reference_instruments_upserted", by_venue=by_venue, stored=stored)
    return UpReport(
        data_dir=settings.data_dir,
        database=mask_url_password(url),
        revision=revision,
        loaded_by_venue=by_venue,
        stored_instruments=stored,
        bus_backend=settings.bus.backend,
    )


def _params(values: list[str]) -> dict[str, Any]:
    """``--param fast=5`` pairs; values are JSON when they parse as JSON, else text."""
    params: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--param must look like NAME=VALUE, got {item!r}")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


def up(  # noqa: PLR0917 - Typer maps each parameter to an option
    ctx: typer.Context,
    duration: Annotated[
        float | None,
        typer.Option(help="stop by itself after this many seconds (default: run until Ctrl-C)"),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(help="strategy file (path.py[:Class] or .jts); default: the SMA example"),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="strategy parameter NAME=VALUE")
    ] = None,
    tick_interval: Annotated[
        float, typer.Option(help="seconds between the embedded simulator's ticks")
    ] = 0.2,
    sim_config: Annotated[
        Path | None, typer.Option(help="JSON config of an external `jts sim kis` (its keys)")
    ] = None,
    sim_port: Annotated[int | None, typer.Option(help="external simulator's REST port")] = None,
    sim_ws_port: Annotated[int | None, typer.Option(help="external simulator's WS port")] = None,
    keep_orders: Annotated[
        bool, typer.Option(help="leave open orders working at shutdown (default: cancel them)")
    ] = False,
    reconcile_every: Annotated[
        float, typer.Option(help="seconds between reconciliations with the venue (0: at start)")
    ] = 0.0,
    prepare_only: Annotated[
        bool, typer.Option(help="only prepare data dir, database and instruments, then exit")
    ] = False,
    profile: Annotated[
        str | None,
        typer.Option(
            help="settings profile: embedded or production (PostgreSQL + Redis bus); "
            "default: the config's"
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="all (one process), or one part of a split node over the Redis bus: "
            "market-data, strategy or execution; default: node.role of the settings (all)"
        ),
    ] = None,
    command_max_age: Annotated[
        float,
        typer.Option(help="execution role: deny commands older than this many seconds (0: off)"),
    ] = 10.0,
) -> None:
    """Start the trading node (default: paper trading against the built-in KIS simulator)."""
    extra = [] if profile is None else [Override("profile", profile, "--profile")]
    loaded = state_of(ctx).load(extra)
    settings = loaded.settings
    from jts.live.roles import check_role  # noqa: PLC0415 - slow imports

    try:
        chosen_role = check_role(role or settings.node.role, settings.bus.backend)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    report = bring_up(settings)
    if prepare_only:  # what `jts up` printed before it ran a node
        typer.echo(render_config(loaded, OutputFormat.TOML, sources=True))
    role_text = "" if chosen_role == "all" else f", role {chosen_role}"
    typer.echo(
        f"JTS is up: profile {settings.profile}, trader {settings.node.trader_id}{role_text}"
    )
    for line in report.lines():
        typer.echo(f"  {line}")
    if prepare_only:
        return
    from jts.live.factory import build_node  # noqa: PLC0415 - slow imports
    from jts.live.node import NodeOptions  # noqa: PLC0415
    from jts.live.runner import run_node  # noqa: PLC0415

    options = NodeOptions(
        strategy=strategy,
        params=_params(param or []),
        tick_interval_s=tick_interval,
        sim_config=sim_config,
        sim_port=sim_port,
        sim_ws_port=sim_ws_port,
        cancel_on_stop=not keep_orders,
        reconcile_s=reconcile_every,
        role=chosen_role,
        command_max_age_s=command_max_age,
    )
    with database_errors(settings.database.url):
        summary = run_node(build_node(settings, options), duration_s=duration)
    typer.echo("node stopped: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
