"""``[database]``: ``synchronous_commit``, off only for PostgreSQL, true unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from jts.config import DatabaseConfig, Settings, load_config
from jts.core.errors import ConfigError

PG_URL = "postgresql+psycopg://jts@db.example:5432/jts"


def test_commits_wait_for_the_wal_flush_unless_told_otherwise() -> None:
    assert DatabaseConfig(url=PG_URL).synchronous_commit is True
    assert Settings().database.synchronous_commit is True


@pytest.mark.parametrize("text", ["off", "false", "0", "no"])
def test_off_from_the_environment(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JTS_PROFILE", "production")
    monkeypatch.setenv("JTS_DATABASE__URL", PG_URL)
    monkeypatch.setenv("JTS_DATABASE__SYNCHRONOUS_COMMIT", text)
    loaded = load_config()
    assert loaded.settings.database.synchronous_commit is False
    assert loaded.sources["database.synchronous_commit"] == "env JTS_DATABASE__SYNCHRONOUS_COMMIT"


def test_off_from_the_file(isolated: Path) -> None:
    path = isolated / "jts.toml"
    path.write_text(f'[database]\nurl = "{PG_URL}"\nsynchronous_commit = false\n')
    assert load_config(path).settings.database.synchronous_commit is False


def test_off_is_refused_for_sqlite_naming_the_key() -> None:
    with pytest.raises(ValidationError) as exc:
        DatabaseConfig(url="sqlite:///var/jts.db", synchronous_commit=False)
    (error,) = exc.value.errors()
    assert error["loc"] == ("synchronous_commit",)
    assert "PostgreSQL only" in error["msg"]


def test_off_for_sqlite_from_the_environment_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JTS_DATABASE__SYNCHRONOUS_COMMIT", "off")
    with pytest.raises(ConfigError, match=r"database\.synchronous_commit: .*PostgreSQL only"):
        load_config()


def test_repr_shows_the_setting_and_masks_the_password() -> None:
    shown = repr(DatabaseConfig(url="postgresql://jts:secret@db/jts", synchronous_commit=False))
    assert "secret" not in shown
    assert "synchronous_commit=False" in shown
