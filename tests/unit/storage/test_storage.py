from __future__ import annotations

from pathlib import Path

import pytest

from jts.core.errors import ConfigError, StateError
from jts.storage import Storage, migrate
from jts.storage.engine import DEFAULT_SQLITE_FILENAME
from tests.contract.storage.builders import samsung


def test_open_without_a_url_migrates_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    with Storage.open(data_dir=data_dir) as storage:
        storage.instruments.add(samsung())
    db = data_dir / DEFAULT_SQLITE_FILENAME
    assert db.is_file()
    assert migrate.current(f"sqlite:///{db}") == migrate.head()
    with Storage.open(f"sqlite:///{db}", migrate=False) as again:
        assert again.instruments.get(samsung().id) == samsung()


def test_open_with_migrate_off_refuses_a_database_not_at_head(db_url: str) -> None:
    with pytest.raises(StateError, match="jts db upgrade"):
        Storage.open(db_url, migrate=False)
    assert migrate.current(db_url) is None  # nothing was created either


def test_open_refuses_an_unsupported_url() -> None:
    with pytest.raises(ConfigError, match="not supported"):
        Storage.open("mysql://u@h/db")


def test_open_migrates_a_postgres_or_sqlite_database(db_url: str) -> None:
    with Storage.open(db_url) as storage:
        storage.instruments.add(samsung())
        assert storage.instruments.count() == 1
    assert migrate.current(db_url) == migrate.head()


def test_close_leaves_an_engine_it_was_given_to_its_owner(tmp_path: Path) -> None:
    from jts.storage.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        migrate.upgrade(engine)
        with Storage(engine) as storage:
            storage.instruments.add(samsung())
        with Storage(engine) as storage:  # the engine still works after the first closed
            assert storage.instruments.count() == 1
    finally:
        engine.dispose()


def test_in_memory_sqlite_works_for_throwaway_runs() -> None:
    with Storage.open("sqlite://") as storage:
        storage.instruments.add(samsung())
        assert storage.instruments.get(samsung().id) == samsung()
        with storage.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
