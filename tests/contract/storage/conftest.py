"""The `storage` fixture: a migrated, empty `Storage` on every backend, one per test.

Migrating takes ~0.1 s, so each backend is migrated once per session and every test starts
from a clean copy: SQLite copies a template file; PostgreSQL empties every table of a schema
migrated once (with triggers off for the session doing it, since the journal and the audit
log refuse DELETE otherwise).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from jts.storage import Storage
from jts.storage.engine import make_engine
from jts.storage.tables import metadata
from tests.contract.storage.backends import BACKEND_PARAMS, pg_schema


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "jts.db"
    Storage.open(f"sqlite:///{path}").close()  # closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _pg_migrated(postgres_url: str) -> Iterator[tuple[str, sa.Engine]]:
    with pg_schema(postgres_url) as url:
        Storage.open(url).close()
        admin = make_engine(url)
        try:
            yield url, admin
        finally:
            admin.dispose()


def _empty_all(engine: sa.Engine) -> None:
    # DELETE, not TRUNCATE: on a handful of rows it is ~50x faster. Sequences keep counting,
    # so no test may assume the first journal sequence is 1.
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=BACKEND_PARAMS)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database migrated to head."""
    if request.param == "sqlite":
        path = tmp_path / "jts.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url, admin = request.getfixturevalue("_pg_migrated")
    _empty_all(admin)
    return url


@pytest.fixture
def storage(storage_url: str) -> Iterator[Storage]:
    with Storage(make_engine(storage_url), owns_engine=True) as opened:
        yield opened
