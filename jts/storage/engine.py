"""Engines for the two supported databases: one SQLite file (the default) and PostgreSQL.

Nothing here runs at import time: `make_engine` is called by whoever wires the application (the
`Storage` factory, the CLI, a test), so two configurations can live in one process.

SQLite connections are tuned for a trading node's workload (many tiny writes from one thread,
occasional readers from the API):

- ``journal_mode=WAL`` lets readers run while the kernel writes, and makes a commit an append to
  the WAL file instead of a rewrite of database pages.
- ``synchronous=NORMAL`` is durable against a *process* crash (``kill -9``, an unhandled
  exception, the OOM killer) in WAL mode: a commit returns only after its WAL frames were handed
  to the operating system with ``write()``, and data the kernel holds in its page cache survives
  the death of the process; the next connection replays the WAL. What NORMAL gives up is the
  ``fsync`` per commit, so an *operating-system* crash or power loss may lose the last
  transactions (the database stays consistent, never corrupt). ``FULL`` closes that window at the
  cost of one ``fsync`` per commit; pass ``sqlite_synchronous="FULL"`` where that matters more
  than latency.
- ``foreign_keys=ON``: SQLite ignores foreign keys unless told otherwise, per connection.
- ``busy_timeout``: a writer waits for another writer's lock instead of failing at once.
- ``wal_autocheckpoint=0`` when asked (``sqlite_wal_autocheckpoint=False``): the WAL is then
  folded back into the database by whoever owns the engine, never inside a commit.
  `jts.storage.Storage.open` does that with a thread of its own (`jts.storage.checkpoint`),
  because the checkpoint SQLite otherwise runs inside every ~1,000th page's commit cost the
  order journal milliseconds on the order path.
- SQLAlchemy, not the ``sqlite3`` module, issues ``BEGIN`` (the recipe from SQLAlchemy's SQLite
  notes): the module's legacy mode starts no transaction for DDL or ``SAVEPOINT``, which would
  make migrations non-atomic and savepoints useless. A connection asking for a write transaction
  (execution option ``jts_sqlite_begin="IMMEDIATE"``) takes the write lock at ``BEGIN``, so a
  read-then-write unit of work waits on ``busy_timeout`` instead of failing with
  ``SQLITE_BUSY`` when it upgrades its lock.

PostgreSQL keeps ``synchronous_commit=on`` unless told otherwise: a commit (a journal append)
returns only once its WAL record is flushed to disk. ``pg_synchronous_commit=False`` sets it
``off`` for the engine's sessions: a commit returns before the flush (saving the fsync wait,
~0.1-several ms on a loaded disk); a *server* crash may then lose the last few hundred
milliseconds of commits (``wal_writer_delay`` x3), the database staying consistent. A crash of
the node itself loses nothing either way. Off is a latency-for-durability trade the operator
makes deliberately (config ``database.synchronous_commit``), never the default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import StaticPool

from jts.core.errors import ConfigError

#: The database file inside the data directory when no URL is configured.
DEFAULT_SQLITE_FILENAME: Final = "jts.db"
#: The data directory used when neither a URL nor a directory is given (the README's ``./var``).
DEFAULT_DATA_DIR: Final = Path("var")
#: Execution option naming the ``BEGIN`` flavour a SQLite connection starts its transaction with.
SQLITE_BEGIN_OPTION: Final = "jts_sqlite_begin"

SqliteSynchronous = Literal["NORMAL", "FULL"]
_SQLITE_BEGIN_MODES: Final = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


def sqlite_url(path: Path | str) -> URL:
    """The SQLAlchemy URL of a SQLite database file."""
    return URL.create("sqlite+pysqlite", database=str(path))


def default_url(data_dir: Path | str | None = None) -> URL:
    """The default database: ``<data_dir>/jts.db``; the directory is created if missing."""
    directory = Path(DEFAULT_DATA_DIR if data_dir is None else data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return sqlite_url(directory / DEFAULT_SQLITE_FILENAME)


def parse_url(url: str | URL) -> URL:
    """Validate a database URL and pin the driver (``postgresql://`` means psycopg 3 here).

    Only SQLite (``sqlite://``, ``sqlite+pysqlite://``) and PostgreSQL through psycopg 3 are
    supported; anything else is a `ConfigError` naming the URL (password hidden).
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"database URL {url!r} is not a valid SQLAlchemy URL") from exc
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+pysqlite")
    if parsed.drivername in ("postgresql", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    shown = parsed.render_as_string(hide_password=True)
    raise ConfigError(
        f"database URL {shown!r} is not supported: use sqlite:///<file> or "
        "postgresql+psycopg://user@host/db"
    )


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(
    url: str | URL | None = None,
    *,
    data_dir: Path | str | None = None,
    sqlite_busy_timeout_ms: int = 5_000,
    sqlite_synchronous: SqliteSynchronous = "NORMAL",
    sqlite_wal_autocheckpoint: bool = True,
    pg_synchronous_commit: bool = True,
    echo: bool = False,
) -> Engine:
    """An engine for ``url``; without one, the SQLite file ``<data_dir>/jts.db``.

    A SQLite file's parent directory is created. ``sqlite://`` (in memory) gives one shared
    connection, for tests and throwaway runs only.
    """
    parsed = default_url(data_dir) if url is None else parse_url(url)
    if type(pg_synchronous_commit) is not bool:
        raise ConfigError(
            f"synchronous_commit must be true or false, got {pg_synchronous_commit!r}"
        )
    if parsed.get_backend_name() == "postgresql":
        return _make_postgres_engine(parsed, pg_synchronous_commit, echo)
    if not pg_synchronous_commit:
        raise ConfigError(
            "synchronous_commit applies to PostgreSQL only; SQLite's durability is its "
            "synchronous pragma (NORMAL or FULL)"
        )
    return _make_sqlite_engine(
        parsed, sqlite_busy_timeout_ms, sqlite_synchronous, sqlite_wal_autocheckpoint, echo
    )


def _make_postgres_engine(url: URL, synchronous_commit: bool, echo: bool) -> Engine:
    # The pool pings at checkout; the journal holds its own connection and pings nothing
    # (`jts.storage.repositories.journal_writer` handles a dead one).
    engine = sa.create_engine(url, pool_pre_ping=True, echo=echo)
    if not synchronous_commit:

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # a session setting, not one in the URL: the URL's own options stay as they are
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
            dbapi_connection.commit()

    return engine


def _make_sqlite_engine(
    url: URL,
    busy_timeout_ms: int,
    synchronous: SqliteSynchronous,
    autocheckpoint: bool,
    echo: bool,
) -> Engine:
    if type(busy_timeout_ms) is not int or busy_timeout_ms < 0:
        raise ConfigError(
            f"sqlite busy timeout must be a non-negative int (ms), got {busy_timeout_ms!r}"
        )
    if synchronous not in ("NORMAL", "FULL"):
        raise ConfigError(f"sqlite synchronous must be NORMAL or FULL, got {synchronous!r}")
    memory = is_sqlite_memory(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if memory:
        # One connection, or every checkout would see its own empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        assert url.database is not None
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                if not autocheckpoint:
                    cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode not in _SQLITE_BEGIN_MODES:
            raise ConfigError(
                f"{SQLITE_BEGIN_OPTION} must be one of {sorted(_SQLITE_BEGIN_MODES)}, got {mode!r}"
            )
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
