"""``jts config show``: effective values, formats, sources, and secrets that never show."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

KEY, SECRET, PG_PASSWORD = "kis-app-key-5f1e2d", "kis-app-secret-9a8b7c", "pg-pw-314159"


def test_show_toml_has_values_and_sources(
    app: typer.Typer, runner: CliRunner, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated / "jts.toml").write_text('[node]\ntrader_id = "DESK-2"\n', encoding="utf-8")
    monkeypatch.setenv("JTS_BUS__STREAM_PREFIX", "desk2")
    result = runner.invoke(app, ["--log-level", "debug", "config", "show"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# config file: jts.toml\n")
    parsed = tomllib.loads(text)
    assert parsed["node"]["trader_id"] == "DESK-2"
    assert parsed["bus"]["stream_prefix"] == "desk2"
    assert parsed["logging"]["level"] == "DEBUG"
    assert parsed["database"]["url"] == f"sqlite:///{isolated}/var/jts.db"
    assert 'trader_id = "DESK-2"  # file jts.toml' in text
    assert 'stream_prefix = "desk2"  # env JTS_BUS__STREAM_PREFIX' in text
    assert 'level = "DEBUG"  # option --log-level' in text
    assert 'profile = "embedded"  # default' in text


def test_show_json(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "show", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["profile"] == "embedded"
    assert data["bus"]["backend"] == "inprocess"
    result = runner.invoke(app, ["config", "show", "-f", "json", "--sources"])
    with_sources = json.loads(result.stdout)
    assert with_sources["settings"] == data
    assert with_sources["sources"]["bus.backend"] == "default"


def test_show_toml_without_sources(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "show", "--no-sources"])
    assert result.exit_code == 0
    assert "# default" not in result.stdout
    assert tomllib.loads(result.stdout)["profile"] == "embedded"


def test_show_rejects_an_unknown_format(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["config", "show", "--format", "yaml"])
    assert result.exit_code == 2
    assert "yaml" in result.stderr


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_secrets_appear_nowhere_in_output_or_logs(
    app: typer.Typer,
    runner: CliRunner,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    (isolated / "jts.toml").write_text(
        f'[brokers.kis]\napp_key = "{KEY}"\naccount = "12345678-01"\n', encoding="utf-8"
    )
    monkeypatch.setenv("JTS_BROKERS__KIS__APP_SECRET", SECRET)
    monkeypatch.setenv("JTS_BUS__REDIS_URL", f"redis://:{PG_PASSWORD}@cache:6379/0")
    result = runner.invoke(
        app, ["--log-level", "DEBUG", "--log-format", "json", "config", "show", "-f", fmt]
    )
    assert result.exit_code == 0, result.stderr
    everything = result.stdout + result.stderr
    for secret in (KEY, SECRET, PG_PASSWORD):
        assert secret not in everything
    assert "**********" in result.stdout
    assert "redis://:***@cache:6379/0" in result.stdout
