"""``jts db``: upgrade, current, downgrade on SQLite and PostgreSQL, and unreachable servers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jts.cli.db import sqlite_file
from jts.cli.errors import EXIT_FAILURE
from jts.storage import migrate

HEAD = migrate.head()


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def test_upgrade_current_downgrade_on_the_default_sqlite_file(
    app: typer.Typer, runner: CliRunner, isolated: Path
) -> None:
    db = isolated / "var" / "jts.db"
    before = runner.invoke(app, ["db", "current"])
    assert before.exit_code == 0, before.stderr
    assert before.stdout == f"no database file yet at {db} (this JTS needs revision {HEAD})\n"
    assert not db.exists()  # looking does not create it

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"database sqlite:///{db} is at revision {HEAD}\n"
    assert "instruments" in tables(db)

    result = runner.invoke(app, ["db", "current"])
    assert result.stdout == f"revision {HEAD}; this JTS needs {HEAD} (up to date)\n"

    result = runner.invoke(app, ["db", "downgrade", "base", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"database sqlite:///{db} is at revision none (empty database)\n"
    assert "instruments" not in tables(db)
    result = runner.invoke(app, ["db", "current"])
    assert "none (empty database)" in result.stdout
    assert "run `jts db upgrade`" in result.stdout


def test_downgrade_asks_first(app: typer.Typer, runner: CliRunner, isolated: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["db", "downgrade", "base"], input="n\n")
    assert result.exit_code == 1
    assert "Downgrade sqlite:///" in result.stdout
    assert "instruments" in tables(isolated / "var" / "jts.db")


def test_downgrade_needs_a_revision(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "downgrade"])
    assert result.exit_code == 2
    assert "REVISION" in result.stderr


def test_upgrade_to_an_unknown_revision_is_one_line(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--revision", "nosuchrev"])
    assert result.exit_code == EXIT_FAILURE
    last = result.stderr.splitlines()[-1]  # after the migration log lines
    assert last == "jts: error: CommandError: Can't locate revision identified by 'nosuchrev'"


def test_unreachable_database_is_one_masked_line(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JTS_DATABASE__URL", "postgresql+psycopg://jts:pw-2718@127.0.0.1:1/jts")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.startswith(
        "jts: error: database postgresql+psycopg://jts:***@127.0.0.1:1/jts: OperationalError:"
    )
    assert result.stderr.count("\n") == 1
    assert "pw-2718" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_upgrade_and_downgrade_on_postgresql(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, fresh_postgres_url: str
) -> None:
    monkeypatch.setenv("JTS_DATABASE__URL", fresh_postgres_url)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(f"is at revision {HEAD}\n")
    assert runner.invoke(app, ["db", "current"]).stdout.endswith("(up to date)\n")
    result = runner.invoke(app, ["db", "downgrade", "base", "-y"])
    assert result.exit_code == 0, result.stderr
    assert migrate.current(fresh_postgres_url) is None


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////srv/jts.db", Path("/srv/jts.db")),
        ("sqlite+pysqlite:///var/jts.db", Path("var/jts.db")),
        ("sqlite:///var/jts.db?timeout=5", Path("var/jts.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://h/db", None),
    ],
)
def test_sqlite_file(url: str, path: Path | None) -> None:
    assert sqlite_file(url) == path
