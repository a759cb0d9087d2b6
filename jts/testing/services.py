"""Real PostgreSQL and Redis for tests, or a clear skip.

On a user's machine without the services, tests that need them skip and say why. CI sets
``JTS_REQUIRE_SERVICES=1``, which turns every such skip into a failure, so CI always exercises
the real servers.
"""

from __future__ import annotations

import os
import secrets
import socket
from urllib.parse import urlsplit

import pytest

REQUIRE_ENV = "JTS_REQUIRE_SERVICES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def services_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0", "false", "no")


def unavailable(service: str, reason: str) -> None:
    """Skip the test, or fail it when services are required."""
    message = f"{service} not available: {reason}"
    if services_required():
        pytest.fail(f"{message} ({REQUIRE_ENV}=1 makes this a failure)", pytrace=False)
    pytest.skip(message)


def tcp_reachable(url: str, default_port: int) -> str | None:
    """None when a TCP connection to the URL's host:port succeeds, else the reason."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port} ({exc})"


def postgres_admin_url() -> str:
    return os.environ.get("JTS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def redis_url() -> str:
    return os.environ.get("JTS_TEST_REDIS_URL", DEFAULT_REDIS_URL)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"
