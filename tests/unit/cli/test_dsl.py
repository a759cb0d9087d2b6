"""``jts dsl check`` / ``jts dsl fmt`` on good and bad files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jts.cli.main import build_app

EXAMPLE = Path(__file__).parents[3] / "examples" / "strategies" / "sma_cross.jts"


def test_check_accepts_the_example() -> None:
    result = CliRunner().invoke(build_app(), ["dsl", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_check_reports_a_typo_with_a_caret_and_a_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jts"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("sma(", "smaa(", 1), encoding="utf-8"
    )
    result = CliRunner().invoke(build_app(), ["dsl", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.jts:" in result.output
    assert "^" in result.output
    assert "did you mean 'sma'" in result.output
    assert "Traceback" not in result.output


def test_fmt_is_idempotent(tmp_path: Path) -> None:
    runner = CliRunner()
    once = runner.invoke(build_app(), ["dsl", "fmt", str(EXAMPLE)])
    assert once.exit_code == 0, once.output
    copy = tmp_path / "copy.jts"
    copy.write_text(once.output, encoding="utf-8")
    twice = runner.invoke(build_app(), ["dsl", "fmt", str(copy)])
    assert twice.output == once.output
    written = runner.invoke(build_app(), ["dsl", "fmt", "--write", str(copy)])
    assert written.exit_code == 0
    assert copy.read_text(encoding="utf-8") == once.output


def test_fmt_of_a_broken_file_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jts"
    bad.write_text("param fast = \n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["dsl", "fmt", str(bad)])
    assert result.exit_code == 1
    assert "broken.jts:1" in result.output
