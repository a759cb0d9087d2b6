"""URL checks and password masking."""

from __future__ import annotations

import pytest

from jts.config.urls import (
    check_redis_url,
    database_dialect,
    mask_url_password,
    url_password_values,
)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://jts:s3cret@db:5432/jts", "postgresql+psycopg://jts:***@db:5432/jts"),
        ("redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgresql://u:p%40ss@h/db?sslmode=require", "postgresql://u:***@h/db?sslmode=require"),
        ("postgresql://user@h/db", "postgresql://user@h/db"),
        ("sqlite:////srv/jts.db", "sqlite:////srv/jts.db"),
        ("postgresql://u:p@[::1/db", "postgresql://u:p@[::1/db"),  # unparsable: unchanged
    ],
)
def test_mask_url_password(url: str, masked: str) -> None:
    assert mask_url_password(url) == masked


def test_password_values_raw_and_decoded() -> None:
    assert url_password_values("postgresql://u:p%40ss@h/db") == ("p%40ss", "p@ss")
    assert url_password_values("redis://:plain@h") == ("plain",)
    assert url_password_values("redis://h") == ()


def test_dialect() -> None:
    assert database_dialect("postgresql+psycopg://h/db") == "postgresql"
    assert database_dialect("SQLite:///x") == "sqlite"
    assert database_dialect("jts.db") == ""


def test_redis_url_errors_mask_the_password() -> None:
    with pytest.raises(ValueError, match="not a Redis URL") as exc:
        check_redis_url("http://:pw-999@h")
    assert "pw-999" not in str(exc.value)
    with pytest.raises(ValueError, match="needs a socket path"):
        check_redis_url("unix://")
