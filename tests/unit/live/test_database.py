"""`open_storage`: ``[database]`` reaches every session the node opens, the journal's own too."""

from __future__ import annotations

from pathlib import Path

import pytest

from jts.config import DatabaseConfig, Settings
from jts.live.database import open_storage
from jts.storage import Storage


def _show(storage: Storage) -> tuple[object, object]:
    """``synchronous_commit`` of a pooled session and of a raw connection, the kind the
    journal's writer holds for its appends."""
    with storage.engine.connect() as conn:
        pooled = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
    with storage.engine.raw_connection() as raw:
        cursor = raw.cursor()
        cursor.execute("SHOW synchronous_commit")
        (held,) = cursor.fetchone()
    return pooled, held


def test_commits_wait_for_the_flush_by_default(postgres_url: str) -> None:
    with open_storage(DatabaseConfig(url=postgres_url)) as storage:
        assert _show(storage) == ("on", "on")


def test_the_setting_turns_it_off_in_every_session(postgres_url: str) -> None:
    settings = Settings(
        profile="production", database={"url": postgres_url, "synchronous_commit": False}
    )
    with open_storage(settings.database) as storage:
        assert _show(storage) == ("off", "off")


def test_sqlite_opens_with_its_own_durability(tmp_path: Path) -> None:
    with open_storage(DatabaseConfig(url=f"sqlite:///{tmp_path / 'jts.db'}")) as storage:
        assert storage.engine.dialect.name == "sqlite"
        assert storage.checkpointer is not None


@pytest.mark.parametrize("migrate", [True, False])
def test_migrate_is_passed_on(tmp_path: Path, migrate: bool) -> None:
    url = f"sqlite:///{tmp_path / 'jts.db'}"
    if not migrate:
        Storage.open(url).close()  # at head first: migrate=False only checks
    with open_storage(DatabaseConfig(url=url), migrate=migrate) as storage:
        assert storage.instruments.count() == 0
