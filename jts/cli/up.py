"""``jts up``: bring a node's persistent state up on the configured profile, then report.

Today this prepares everything a node needs before it can trade: the data directory, the
database at the schema this code needs, and the reference instruments in the instrument
repository. It prints what it did and exits; later work grows it into a running paper-trading
node. Every step is idempotent, so ``jts up`` (and ``make run``) can be run any number of times.

The storage package is imported inside `bring_up`: it takes about a second to import, which
``jts --help`` should not pay.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import typer

from jts.cli.config import OutputFormat, render_config
from jts.cli.errors import CommandError, database_errors
from jts.cli.state import state_of
from jts.config import Settings, mask_url_password
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
    from jts.storage import Storage, migrate  # noqa: PLC0415 - see the module docstring

    log = get_logger("jts.up")
    _make_data_dir(settings.data_dir)
    url = settings.database.url
    instruments = load_reference_instruments()
    with database_errors(url), Storage.open(url) as storage:  # migrates to head
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


def up(ctx: typer.Context) -> None:
    """Prepare the node on the configured profile: data dir, database, instruments."""
    loaded = state_of(ctx).load()
    report = bring_up(loaded.settings)
    typer.echo(render_config(loaded, OutputFormat.TOML, sources=True))
    settings = loaded.settings
    typer.echo(f"JTS is up: profile {settings.profile}, trader {settings.node.trader_id}")
    for line in report.lines():
        typer.echo(f"  {line}")
