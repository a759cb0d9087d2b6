from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.storage.backends import BACKEND_PARAMS, empty_database


@pytest.fixture(params=BACKEND_PARAMS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once per backend (SQLite file, PostgreSQL schema)."""
    with empty_database(request, request.param, tmp_path) as url:
        yield url
