"""Revision 0002 (daily snapshots) on a database that already holds data at 0001."""

from __future__ import annotations

import sqlalchemy as sa

from jts.storage import Storage, migrate
from jts.storage.engine import make_engine
from tests.contract.storage.builders import samsung
from tests.contract.storage.test_daily_snapshots import snapshot


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0002_adds_and_drops_the_snapshot_table_keeping_older_data(db_url: str) -> None:
    migrate.upgrade(db_url, "0001")
    assert "daily_snapshots" not in _tables(db_url)
    engine = make_engine(db_url)
    try:
        Storage(engine).instruments.add(samsung())
    finally:
        engine.dispose()

    migrate.upgrade(db_url, "0002")
    assert migrate.current(db_url) == "0002"
    with Storage.open(db_url, migrate=False) as storage:
        assert storage.instruments.get(samsung().id) == samsung()
        storage.daily_snapshots.save(snapshot())
        assert storage.daily_snapshots.query() == [snapshot()]

    migrate.downgrade(db_url, "0001")
    assert migrate.current(db_url) == "0001"
    assert "daily_snapshots" not in _tables(db_url)
    engine = make_engine(db_url)
    try:
        assert Storage(engine).instruments.get(samsung().id) == samsung()
    finally:
        engine.dispose()

    migrate.upgrade(db_url)  # and up again: the table comes back empty
    with Storage.open(db_url, migrate=False) as storage:
        assert storage.daily_snapshots.query() == []


def test_0002_names_its_constraints_by_convention(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("daily_snapshots")["name"] == "pk_daily_snapshots"
        checks = {c["name"] for c in inspector.get_check_constraints("daily_snapshots")}
        assert checks == {"ck_daily_snapshots_fills_not_negative"}
        indexes = {i["name"] for i in inspector.get_indexes("daily_snapshots")}
        assert indexes == {"ix_daily_snapshots_day"}
    finally:
        engine.dispose()
