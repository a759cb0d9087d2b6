"""The database backends every storage test runs against, each test on its own clean database.

SQLite: a file under ``tmp_path``. PostgreSQL: a schema of its own inside the session's test
database (`postgres_url` in tests/conftest.py), selected through ``search_path`` in the URL, so
tests never see each other's rows or tables and need no cleanup order.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

BACKENDS = ("sqlite", "postgresql")
BACKEND_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def with_search_path(url: str, schema: str) -> str:
    """The URL of the same database with ``schema`` first on the search path."""
    parsed = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A fresh empty schema for the duration of the block; yields a URL that uses it."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield with_search_path(base_url, schema)
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


@contextmanager
def empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the given backend; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'jts.db'}"
        return
    base_url = request.getfixturevalue("postgres_url")
    with pg_schema(base_url) as url:
        yield url
