"""``jts db``: bring the database schema to the revision this code needs, or inspect it.

The storage package (SQLAlchemy, Alembic) is imported inside the commands: it takes about a
second to import, which ``jts --help`` and ``jts version`` should not pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jts.cli.errors import database_errors
from jts.cli.state import state_of
from jts.config import mask_url_password


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and for in-memory SQLite."""
    from jts.storage.engine import is_sqlite_memory, parse_url  # noqa: PLC0415 - module docstring

    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or is_sqlite_memory(parsed):
        return None
    assert parsed.database is not None
    return Path(parsed.database)


def upgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Option("--revision", "-r", help="target revision (default: the newest)")
    ] = "head",
) -> None:
    """Create the database if needed and migrate it up to REVISION."""
    from jts.storage import migrate  # noqa: PLC0415 - see the module docstring

    url = state_of(ctx).load().settings.database.url
    with database_errors(url):
        migrate.upgrade(url, revision=revision)
        now = migrate.current(url)
    typer.echo(f"database {mask_url_password(url)} is at revision {now}")


def current(ctx: typer.Context) -> None:
    """Show the database's revision and the one this JTS needs."""
    from jts.storage import migrate  # noqa: PLC0415 - see the module docstring

    url = state_of(ctx).load().settings.database.url
    needed = migrate.head()
    file = sqlite_file(url)
    if file is not None and not file.exists():
        typer.echo(f"no database file yet at {file} (this JTS needs revision {needed})")
        return
    with database_errors(url):
        found = migrate.current(url)
    state = "up to date" if found == needed else "run `jts db upgrade`"
    typer.echo(f"revision {found or 'none (empty database)'}; this JTS needs {needed} ({state})")


def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(metavar="REVISION", help="target revision; 'base' drops every table")
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Migrate the database down to REVISION (data in dropped tables is lost)."""
    from jts.storage import migrate  # noqa: PLC0415 - see the module docstring

    url = state_of(ctx).load().settings.database.url
    shown = mask_url_password(url)
    if not yes:
        question = f"Downgrade {shown} to {revision}? Data in dropped tables is lost"
        typer.confirm(question, abort=True)
    with database_errors(url):
        migrate.downgrade(url, revision)
        now = migrate.current(url)
    typer.echo(f"database {shown} is at revision {now or 'none (empty database)'}")


def build() -> typer.Typer:
    group = typer.Typer(help="Create, migrate and inspect the database.", no_args_is_help=True)
    group.command("upgrade")(upgrade)
    group.command("current")(current)
    group.command("downgrade")(downgrade)
    return group
