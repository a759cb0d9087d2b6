from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from jts.core.errors import ConfigError
from jts.storage.engine import (
    DEFAULT_SQLITE_FILENAME,
    SQLITE_BEGIN_OPTION,
    default_url,
    make_engine,
    parse_url,
    sqlite_url,
)


def _pragma(engine: sa.Engine, name: str) -> object:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_default_engine_is_a_sqlite_file_under_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "var"
    engine = make_engine(data_dir=data_dir)
    try:
        assert data_dir.is_dir()
        assert engine.url.database == str(data_dir / DEFAULT_SQLITE_FILENAME)
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        assert (data_dir / DEFAULT_SQLITE_FILENAME).is_file()
    finally:
        engine.dispose()


def test_sqlite_connections_get_wal_normal_sync_foreign_keys_and_busy_timeout(
    tmp_path: Path,
) -> None:
    engine = make_engine(sqlite_url(tmp_path / "a.db"), sqlite_busy_timeout_ms=1234)
    try:
        assert _pragma(engine, "journal_mode") == "wal"
        assert _pragma(engine, "synchronous") == 1  # NORMAL
        assert _pragma(engine, "foreign_keys") == 1
        assert _pragma(engine, "busy_timeout") == 1234
    finally:
        engine.dispose()


def test_full_synchronous_can_be_asked_for(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "a.db"), sqlite_synchronous="FULL")
    try:
        assert _pragma(engine, "synchronous") == 2
    finally:
        engine.dispose()


def test_explicit_sqlite_url_creates_the_parent_directory(tmp_path: Path) -> None:
    target = tmp_path / "x" / "y" / "db.sqlite"
    engine = make_engine(f"sqlite:///{target}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        assert target.is_file()
    finally:
        engine.dispose()


def test_default_url_creates_directory(tmp_path: Path) -> None:
    url = default_url(tmp_path / "d")
    assert (tmp_path / "d").is_dir()
    assert url.drivername == "sqlite+pysqlite"


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///a.db", "sqlite+pysqlite"),
        ("sqlite+pysqlite:///a.db", "sqlite+pysqlite"),
        ("sqlite://", "sqlite+pysqlite"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
    ],
)
def test_supported_urls_are_pinned_to_their_driver(given: str, driver: str) -> None:
    assert parse_url(given).drivername == driver


@pytest.mark.parametrize(
    "bad",
    ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "sqlite+aiosqlite:///a.db", "::nonsense::"],
)
def test_unsupported_urls_are_refused_by_name(bad: str) -> None:
    with pytest.raises(ConfigError, match="database URL"):
        parse_url(bad)


def test_refused_url_does_not_print_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        parse_url("mysql://user:hunter2@h/db")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize("timeout", [-1, 1.5, "10"])
def test_bad_busy_timeout_is_refused(tmp_path: Path, timeout: object) -> None:
    with pytest.raises(ConfigError, match="busy timeout"):
        make_engine(sqlite_url(tmp_path / "a.db"), sqlite_busy_timeout_ms=timeout)  # type: ignore[arg-type]


def test_bad_synchronous_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="synchronous"):
        make_engine(sqlite_url(tmp_path / "a.db"), sqlite_synchronous="OFF")  # type: ignore[arg-type]


def test_memory_database_is_shared_by_every_connection_of_the_engine() -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (7)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 7
    finally:
        engine.dispose()


def test_ddl_is_transactional_on_sqlite(tmp_path: Path) -> None:
    """The sqlite3 module's legacy mode would autocommit the CREATE TABLE."""
    engine = make_engine(sqlite_url(tmp_path / "a.db"))
    try:
        with engine.connect() as conn:
            with conn.begin() as tx:
                conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
                tx.rollback()
            assert not sa.inspect(conn).has_table("t")
    finally:
        engine.dispose()


def test_savepoint_rolls_back_alone_inside_a_transaction(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "a.db"))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            nested = conn.begin_nested()
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            nested.rollback()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
    finally:
        engine.dispose()


def test_immediate_begin_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    first = make_engine(sqlite_url(path))
    second = make_engine(sqlite_url(path), sqlite_busy_timeout_ms=0)
    try:
        with first.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with first.connect() as holder:
            holder.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            # no statement inside: a deferred BEGIN would hold no lock at this point
            with holder.begin(), second.connect() as other:
                other.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
                with pytest.raises(sa.exc.OperationalError, match="locked"):
                    other.begin()
    finally:
        first.dispose()
        second.dispose()


def test_unknown_begin_mode_is_refused(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "a.db"))
    try:
        with engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN_OPTION: "SOMETIMES"})
            with pytest.raises(ConfigError, match="SOMETIMES"):
                conn.begin()
    finally:
        engine.dispose()


def test_committed_rows_survive_kill_9_in_wal_mode_with_normal_sync(tmp_path: Path) -> None:
    """The durability claim of the module docstring, tested: a writer dies by SIGKILL right
    after its commits, before any checkpoint; the rows are in the WAL and are read back."""
    db = tmp_path / "crash.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from jts.storage.engine import make_engine, sqlite_url
        engine = make_engine(sqlite_url({str(db)!r}))
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        for i in range(50):
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (?)", (i,))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == -9, proc.stderr.decode()
    wal = db.with_name(db.name + "-wal")
    assert wal.is_file()
    assert wal.stat().st_size > 0  # the commits were never checkpointed
    engine = make_engine(sqlite_url(db))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*), sum(x) FROM t").one() == (
                50,
                sum(range(50)),
            )
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_engine_connects_with_psycopg(postgres_url: str) -> None:
    engine = make_engine(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def _synchronous_commit(engine: sa.Engine) -> object:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SHOW synchronous_commit").scalar()


def test_postgres_commits_are_synchronous_unless_turned_off(postgres_url: str) -> None:
    durable = make_engine(postgres_url)
    fast = make_engine(postgres_url, pg_synchronous_commit=False)
    try:
        assert _synchronous_commit(durable) == "on"
        assert _synchronous_commit(fast) == "off"
        with fast.raw_connection() as raw:  # the journal's own connection gets it too
            cursor = raw.cursor()
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == ("off",)
    finally:
        durable.dispose()
        fast.dispose()


@pytest.mark.parametrize("bad", ["off", 0, None], ids=repr)
def test_bad_synchronous_commit_is_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="synchronous_commit"):
        make_engine("postgresql://jts@127.0.0.1/jts", pg_synchronous_commit=bad)  # type: ignore[arg-type]


def test_synchronous_commit_off_is_refused_for_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PostgreSQL only"):
        make_engine(sqlite_url(tmp_path / "jts.db"), pg_synchronous_commit=False)
