"""Session-wide fixtures: real services (PostgreSQL, Redis) with per-run isolation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jts.testing import services


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped afterwards."""
    admin_url = services.postgres_admin_url()
    reason = services.tcp_reachable(admin_url, 5432)
    if reason:
        services.unavailable("PostgreSQL", reason)
    try:
        import sqlalchemy as sa
    except ImportError as exc:  # pragma: no cover - dev extra missing
        services.unavailable("PostgreSQL", f"driver not installed ({exc})")
        raise
    name = services.unique_name("jts_test")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        services.unavailable("PostgreSQL", f"cannot create a test database ({exc})")
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a reachable Redis; tests isolate themselves with unique key prefixes."""
    url = services.redis_url()
    reason = services.tcp_reachable(url, 6379)
    if reason:
        services.unavailable("Redis", reason)
    return url
