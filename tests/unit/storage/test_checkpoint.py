"""SQLite WAL checkpoints in the storage's own thread, never inside a commit."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from jts.storage import Storage
from jts.storage.checkpoint import WalCheckpointer
from jts.storage.engine import make_engine, sqlite_url
from tests.contract.storage.builders import samsung


def _pragma(engine: sa.Engine, name: str) -> object:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def _wal_frames(db: Path) -> int:
    """Frames in the WAL since it last started over (a passive checkpoint reports them)."""
    with sqlite3.connect(db, isolation_level=None) as conn:
        ((_, frames, _),) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    conn.close()
    return int(frames)


def _write(storage: Storage, rows: int) -> None:
    with storage.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (x TEXT)")
    for _ in range(rows):
        with storage.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO filler VALUES (?)", ("x" * 3000,))


def test_an_engine_checkpoints_inside_commits_unless_told_not_to(tmp_path: Path) -> None:
    default = make_engine(sqlite_url(tmp_path / "a.db"))
    off = make_engine(sqlite_url(tmp_path / "b.db"), sqlite_wal_autocheckpoint=False)
    try:
        assert _pragma(default, "wal_autocheckpoint") == 1000
        assert _pragma(off, "wal_autocheckpoint") == 0
    finally:
        default.dispose()
        off.dispose()


def test_a_sqlite_file_storage_checkpoints_in_its_own_thread(tmp_path: Path) -> None:
    with Storage.open(f"sqlite:///{tmp_path / 'jts.db'}") as storage:
        assert storage.checkpointer is not None
        assert _pragma(storage.engine, "wal_autocheckpoint") == 0
        # the journal's own connection too: it is the one that paid for checkpoints
        storage.instruments.add(samsung())
        with storage.engine.raw_connection() as raw:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone() == (0,)
        assert any(t.name == "jts-sqlite-checkpoint" for t in threading.enumerate())
    assert not any(t.name == "jts-sqlite-checkpoint" for t in threading.enumerate())


def test_in_memory_sqlite_has_no_checkpoint_thread() -> None:
    with Storage.open("sqlite://") as storage:
        assert storage.checkpointer is None


def test_postgres_has_no_checkpoint_thread(postgres_url: str) -> None:
    with Storage.open(postgres_url) as storage:
        assert storage.checkpointer is None


def test_a_checkpoint_copies_the_wal_and_starts_it_over_itself(tmp_path: Path) -> None:
    db = tmp_path / "jts.db"
    with Storage.open(f"sqlite:///{db}") as storage:
        checkpointer = storage.checkpointer
        assert checkpointer is not None
        with storage.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA user_version = 7")
        _write(storage, 200)
        before = checkpointer.restarts
        result = checkpointer.run_once()
        assert result is not None
        busy, frames, done = result
        assert busy == 0
        assert frames >= 200
        assert done == frames
        assert checkpointer.restarts == before + 1
        # the WAL started over in the thread's commit, not in the next writer's: it holds
        # only that commit's frame
        assert _wal_frames(db) <= 1
        assert _pragma(storage.engine, "user_version") == 7  # the rewrite changed nothing
        assert storage.instruments.count() == 0  # and the database is intact


def test_the_wal_stays_bounded_while_the_thread_runs(tmp_path: Path) -> None:
    db = tmp_path / "jts.db"
    storage = Storage.open(f"sqlite:///{db}")
    try:
        assert storage.checkpointer is not None
        storage.checkpointer.close()  # the one Storage started; this test runs its own
        checkpointer = WalCheckpointer(str(db), interval_s=0.05)
        checkpointer.start()
        for _ in range(10):
            _write(storage, 50)
            time.sleep(0.06)
        deadline = time.monotonic() + 5
        while checkpointer.restarts < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        checkpointer.close()
        assert checkpointer.checkpoints >= 3
        assert checkpointer.restarts >= 3
        # 500 commits of a 3 KB row each: without restarts the WAL would hold them all
        wal = db.with_name(db.name + "-wal")
        assert wal.stat().st_size < 500 * 3000
    finally:
        storage.close()


def test_a_failing_checkpoint_is_counted_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = WalCheckpointer(str(tmp_path))  # a directory: SQLite cannot open it
    assert checkpointer.run_once() is None
    assert checkpointer.failures == 1
    assert "checkpoint" in caplog.text
    checkpointer.close()


def test_the_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="interval_s"):
        WalCheckpointer(str(tmp_path / "x.db"), interval_s=0)
