"""Run the Alembic migrations from code: no ``alembic.ini`` on disk, no working-directory magic.

The migration scripts ship inside the package (``jts/storage/migrations``), so an installed JTS
can upgrade its own database (``jts db upgrade`` calls `upgrade`). Each command runs in one
transaction on one connection: PostgreSQL and SQLite both have transactional DDL, so a failed
upgrade leaves the schema where it was.

Two processes migrating the same database at once are serialised: on PostgreSQL by a
transaction-scoped advisory lock, on SQLite by taking the write lock at ``BEGIN IMMEDIATE``.

SQLite cannot alter a table in place; Alembic's batch mode copies it into a new table. That
copy must run with foreign keys off (a ``DROP TABLE`` with enforcement on would cascade or fail),
and SQLite ignores that pragma inside a transaction, so it is switched off before ``BEGIN``,
``PRAGMA foreign_key_check`` must find nothing before ``COMMIT``, and enforcement is switched
back on afterwards: the procedure of https://www.sqlite.org/lang_altertable.html.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine

from jts.core.errors import StateError
from jts.storage.engine import SQLITE_BEGIN_OPTION, make_engine

MIGRATIONS_DIR: Final = Path(__file__).resolve().with_name("migrations")
#: Key of the PostgreSQL advisory lock held while migrating ("JTS_MIGR" in ASCII).
_PG_LOCK_KEY: Final = int.from_bytes(b"JTS_MIGR", "big") & 0x7FFF_FFFF_FFFF_FFFF

Target = str | URL | Engine


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts; ``env.py`` uses ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: Target, revision: str = "head") -> None:
    """Migrate the database at ``url`` (or through an existing engine) up to ``revision``."""
    with _migrating(url) as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(url: Target, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` drops every table JTS created)."""
    with _migrating(url) as conn:
        command.downgrade(alembic_config(conn), revision)


def current(url: Target) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with _engine(url) as engine, engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    """The newest revision this code knows."""
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None, "the migrations directory has no revision"
    return found


def revisions() -> list[str]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def require_head(url: Target) -> None:
    """Refuse to run against a database whose schema is not the one this code was written for."""
    found, wanted = current(url), head()
    if found != wanted:
        raise StateError(
            f"database is at migration {found or 'none (empty)'}, this JTS needs {wanted}: "
            "run `jts db upgrade`"
        )


@contextmanager
def _engine(target: Target) -> Iterator[Engine]:
    if isinstance(target, Engine):
        yield target
        return
    engine = make_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _migrating(target: Target) -> Iterator[sa.Connection]:
    with _engine(target) as engine, engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(conn, enabled=False)
        try:
            conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}
                    )
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StateError(
                            f"migration left rows with dangling foreign keys: {broken[:5]}"
                        )
        finally:
            if sqlite:
                _sqlite_foreign_keys(conn, enabled=True)


def _sqlite_foreign_keys(conn: sa.Connection, *, enabled: bool) -> None:
    # On the DB-API connection: through SQLAlchemy the statement would open a transaction first,
    # and inside one SQLite ignores this pragma.
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")
