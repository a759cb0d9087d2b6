"""The command itself: help, version, global options, and how errors end."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import jts
from jts.cli.errors import EXIT_CONFIG, EXIT_FAILURE, CommandError, database_errors


def test_help_lists_commands_and_global_options(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("up", "version", "config", "db", "--config", "--log-level", "--log-format"):
        assert word in result.stdout


def test_no_arguments_shows_help(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert "Usage" in result.stdout + result.stderr


def test_version(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"jts {jts.__version__}"
    assert platform.python_version() in lines[1]
    assert lines[2] == f"platform {platform.platform()}"


def test_version_works_with_a_broken_config(
    app: typer.Typer, runner: CliRunner, isolated: Path
) -> None:
    (isolated / "jts.toml").write_text("not toml at all", encoding="utf-8")
    assert runner.invoke(app, ["version"]).exit_code == 0


def test_unknown_command_is_a_usage_error(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["upp"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def test_config_error_is_one_line_without_traceback(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JTS_BUS__BACKEND", "kafka")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == EXIT_CONFIG
    assert result.stdout == ""
    assert result.stderr == (
        "jts: config error: bus.backend: Input should be 'inprocess' or 'redis' "
        "(got 'kafka'; from env JTS_BUS__BACKEND)\n"
    )
    assert "Traceback" not in result.output


def test_bad_log_level_option_names_the_option(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--log-level", "LOUD", "config", "show"])
    assert result.exit_code == EXIT_CONFIG
    assert "logging.level:" in result.stderr
    assert "from option --log-level" in result.stderr


def test_missing_config_file(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--config", "nope.toml", "config", "show"])
    assert result.exit_code == EXIT_CONFIG
    assert result.stderr == (
        "jts: config error: config file nope.toml (from --config) does not exist\n"
    )


@pytest.mark.parametrize("how", ["option", "env"])
def test_debug_lets_the_exception_through(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv("JTS_BUS__BACKEND", "kafka")
    args = ["config", "show"]
    if how == "option":
        args = ["--debug", *args]
    else:
        monkeypatch.setenv("JTS_DEBUG", "1")
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "ConfigError"


def test_database_errors_become_one_masked_line() -> None:
    import sqlalchemy as sa

    url = "postgresql+psycopg://jts:pw-4321@127.0.0.1:1/jts"
    with pytest.raises(CommandError) as exc, database_errors(url):
        raise sa.exc.OperationalError("SELECT 1", {}, OSError("connection refused\nmore detail"))
    assert str(exc.value) == (
        "database postgresql+psycopg://jts:***@127.0.0.1:1/jts: OSError: connection refused"
    )
    with pytest.raises(CommandError, match="Permission denied"), database_errors("sqlite:///x"):
        raise PermissionError(13, "Permission denied", "/root/x")
    with pytest.raises(CommandError, match=r"jts\[postgres\]"), database_errors(url):
        raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")


def test_unexpected_errors_exit_1_with_their_type(
    app: typer.Typer, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode() -> list[str]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("jts.cli.version.version_lines", explode)
    result = runner.invoke(app, ["version"])
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == "jts: error: ZeroDivisionError: division by zero\n"
