"""``jts up``: data dir, migrated database, reference instruments, summary; idempotent."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from jts.cli.errors import EXIT_FAILURE
from jts.domain.reference import load_reference_instruments
from jts.storage import migrate

REFERENCE = load_reference_instruments()
BY_VENUE = Counter(str(i.id.venue) for i in REFERENCE)
KEY, SECRET = "kis-app-key-3c2b1a", "kis-app-secret-7d6e5f"


def stored_by_venue(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT venue, COUNT(*) FROM instruments GROUP BY venue").fetchall()
    return dict(rows)


def test_up_on_embedded_defaults(app: typer.Typer, runner: CliRunner, isolated: Path) -> None:
    result = runner.invoke(app, ["up", "--prepare-only"])
    assert result.exit_code == 0, result.stderr
    db = isolated / "var" / "jts.db"
    assert db.is_file()
    assert stored_by_venue(db) == BY_VENUE
    out = result.stdout
    assert 'profile = "embedded"  # default' in out  # the effective configuration
    assert "JTS is up: profile embedded, trader JTS-001" in out
    assert f"  database     sqlite:///{db} (revision {migrate.head()})" in out
    venues = ", ".join(f"{venue} {n}" for venue, n in sorted(BY_VENUE.items()))
    assert f"{len(REFERENCE)} reference instruments upserted ({venues})" in out
    assert f"; {len(REFERENCE)} stored" in out
    assert "  bus          inprocess" in out


def test_up_twice_changes_nothing(app: typer.Typer, runner: CliRunner, isolated: Path) -> None:
    assert runner.invoke(app, ["up", "--prepare-only"]).exit_code == 0
    db = isolated / "var" / "jts.db"
    with sqlite3.connect(db) as conn:
        first = conn.execute("SELECT * FROM instruments ORDER BY instrument_id").fetchall()
    again = runner.invoke(app, ["up", "--prepare-only"])
    assert again.exit_code == 0, again.stderr
    with sqlite3.connect(db) as conn:
        second = conn.execute("SELECT * FROM instruments ORDER BY instrument_id").fetchall()
    assert second == first
    assert f"; {len(REFERENCE)} stored" in again.stdout


def test_up_uses_the_configured_data_dir(
    app: typer.Typer, runner: CliRunner, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JTS_DATA_DIR", "deep/state")
    result = runner.invoke(app, ["up", "--prepare-only"])
    assert result.exit_code == 0, result.stderr
    assert (isolated / "deep" / "state" / "jts.db").is_file()
    assert f"  data dir     {isolated / 'deep' / 'state'}" in result.stdout


def test_up_reports_a_data_dir_it_cannot_create(
    app: typer.Typer, runner: CliRunner, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "afile").write_text("", encoding="utf-8")
    monkeypatch.setenv("JTS_DATA_DIR", "afile/var")
    result = runner.invoke(app, ["up", "--prepare-only"])
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == (
        f"jts: error: cannot create data directory {isolated / 'afile' / 'var'}: Not a directory\n"
    )


def test_up_refuses_production_without_postgres(
    app: typer.Typer, runner: CliRunner, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JTS_PROFILE", "production")
    result = runner.invoke(app, ["up", "--prepare-only"])
    assert result.exit_code == 78
    assert result.stderr.startswith(
        "jts: config error: database.url: the production profile needs a PostgreSQL database URL"
    )
    assert not (isolated / "var").exists()


def test_up_with_unreachable_database(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JTS_PROFILE", "production")
    monkeypatch.setenv("JTS_DATABASE__URL", "postgresql://jts:pw-1618@127.0.0.1:1/jts")
    result = runner.invoke(app, ["up", "--prepare-only"])
    assert result.exit_code == EXIT_FAILURE
    last = result.stderr.splitlines()[-1]
    assert last.startswith("jts: error: database postgresql://jts:***@127.0.0.1:1/jts: ")
    assert "pw-1618" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_secrets_appear_nowhere_while_up_runs(
    app: typer.Typer,
    runner: CliRunner,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    (isolated / "jts.toml").write_text(
        f'[brokers.kis]\napp_key = "{KEY}"\naccount = "12345678-01"\nenv = "real"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("JTS_BROKERS__KIS__APP_SECRET", SECRET)
    result = runner.invoke(
        app, ["--log-level", "DEBUG", "--log-format", fmt, "up", "--prepare-only"]
    )
    assert result.exit_code == 0, result.stderr
    assert "database_ready" in result.stderr  # logs were captured, at DEBUG
    assert 'app_key = "**********"  # file jts.toml' in result.stdout
    assert 'app_secret = "**********"  # env JTS_BROKERS__KIS__APP_SECRET' in result.stdout
    for secret in (KEY, SECRET):
        assert secret not in result.stdout
        assert secret not in result.stderr


@pytest.mark.postgres
def test_up_on_the_production_profile(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, fresh_postgres_url: str
) -> None:
    monkeypatch.setenv("JTS_PROFILE", "production")
    monkeypatch.setenv("JTS_DATABASE__URL", fresh_postgres_url)
    for _ in range(2):
        result = runner.invoke(app, ["up", "--prepare-only"])
        assert result.exit_code == 0, result.stderr
        assert "  bus          redis" in result.stdout
        assert f"; {len(REFERENCE)} stored" in result.stdout
        for line in result.stderr.splitlines():  # production logs are JSON lines
            assert json.loads(line)["timestamp"]
    engine = sa.create_engine(fresh_postgres_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT venue, COUNT(*) FROM instruments GROUP BY venue"))
            assert dict(rows.tuples().all()) == BY_VENUE
    finally:
        engine.dispose()
