"""``jts backtest`` end to end on a small synthetic file (with the real XKRX calendar)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jts.backtest.data import generate_bars, write_bars
from jts.cli.main import build_app

EXAMPLE = Path(__file__).parents[3] / "examples" / "strategies" / "sma_cross.py"


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=3, seed=3, calendar=FakeKrxCalendar()
    )
    path = tmp_path_factory.mktemp("cli") / "bars.parquet"
    write_bars(table, path)
    return path


@pytest.mark.slow
def test_backtest_writes_results(bars: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        build_app(),
        [
            "backtest", "--strategy", str(EXAMPLE), "--data", str(bars),
            "--param", "fast=5", "--param", "slow=20", "--param", "quantity=3",
            "--commission", "0", "--tax", "0", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["trades"] > 0
    assert stats["bars"] == 3 * 381
    assert "final_equity" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fill", "later"], "--fill must be"),
        (["--param", "fast"], "--param must be NAME=VALUE"),
        (["--param", "fast=x"], "fast"),
        (["--commission", "abc"], "--commission must be a rate"),
        (["--cash", "1.5"], "--cash"),
        (["--start", "yesterday"], "--start"),
        (["--bars", "1-FORTNIGHT-LAST"], "FORTNIGHT"),
    ],
)
def test_bad_options_fail_with_one_line(bars: Path, args: list[str], words: str) -> None:
    result = CliRunner().invoke(
        build_app(), ["backtest", "--strategy", str(EXAMPLE), "--data", str(bars), *args]
    )
    assert result.exit_code == 1
    assert words in result.output
    assert "Traceback" not in result.output
