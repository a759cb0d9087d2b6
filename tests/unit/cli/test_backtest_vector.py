"""``jts backtest --engine vector``: the event engine's files, byte for byte (orders with their
client order ids and statuses, signals with their reasons), and clear refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from jts.backtest.data import generate_bars, write_bars
from jts.cli.main import build_app

STRATEGIES = Path(__file__).parents[3] / "examples" / "strategies"
SMA_JTS = STRATEGIES / "sma_cross.jts"
SMA_PY = STRATEGIES / "sma_cross.py"


def _bars(folder: Path, symbol: str) -> Path:
    from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

    table = generate_bars(
        [symbol], start=dt.date(2024, 3, 4), n_days=3, seed=3, calendar=FakeKrxCalendar()
    )
    path = folder / f"{symbol}.parquet"
    write_bars(table, path)
    return path


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bars(tmp_path_factory.mktemp("vector"), "005930.KRX")


def _backtest(*args: str) -> Result:
    return CliRunner().invoke(build_app(), ["backtest", *args])


def _run(bars: Path, out: Path, engine: str, *extra: str) -> None:
    result = _backtest(
        "--strategy", str(SMA_JTS), "--data", str(bars), "--param", "fast=5",
        "--param", "slow=20", "--engine", engine, "--out", str(out), *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [(), ("--fill", "close", "--commission", "0.001", "--tax", "0"), ("--start", "2024-03-05")],
    ids=["defaults", "close-fills-own-costs", "start"],
)
def test_vector_writes_what_the_event_engine_writes(
    bars: Path, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    event, vector = tmp_path / "event", tmp_path / "vector"
    _run(bars, event, "event", *extra)
    _run(bars, vector, "vector", *extra)

    stats = json.loads((vector / "stats.json").read_text())
    assert stats["trades"] > 0  # a comparison of two empty runs would prove nothing
    assert sorted(p.name for p in vector.iterdir()) == sorted(p.name for p in event.iterdir())
    assert sorted(p.name for p in vector.iterdir()) == [
        "equity.parquet", "fills.parquet", "orders.parquet", "report.html", "signals.parquet",
        "stats.json",
    ]  # fmt: skip
    for name in ("stats.json", "equity.parquet", "report.html"):
        assert (vector / name).read_bytes() == (event / name).read_bytes(), name
    for name in ("fills", "orders", "signals"):
        got, expected = (pq.read_table(run / f"{name}.parquet") for run in (vector, event))
        assert got.schema == expected.schema, name
        assert got.to_pylist() == expected.to_pylist(), name
        assert (vector / f"{name}.parquet").read_bytes() == (event / f"{name}.parquet").read_bytes()
    fills = pq.read_table(vector / "fills.parquet")
    assert fills.num_rows == stats["trades"]
    assert fills.column("client_order_id").null_count == 0


def test_vector_results_are_deterministic(bars: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _run(bars, first, "vector")
    _run(bars, second, "vector")
    for path in sorted(first.iterdir()):
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def _refused(result: Result, *words: str, code: int = 2) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output


def test_a_python_strategy_is_refused(bars: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _backtest(
        "--strategy", str(SMA_PY), "--data", str(bars), "--engine", "vector", "--out", str(out)
    )
    _refused(result, ".jts", "--engine event")
    assert not out.exists()


def test_what_the_vector_path_cannot_model_is_refused(tmp_path: Path) -> None:
    # sma_cross.jts trades 005930.KRX; the event engine would record an equity point per
    # bar of the other instrument, so the vectorised path refuses rather than differ
    other = _bars(tmp_path, "000660.KRX")
    result = _backtest("--strategy", str(SMA_JTS), "--data", str(other), "--engine", "vector")
    _refused(result, "--engine vector", "000660.KRX", "005930.KRX")
    assert len(result.output.strip().splitlines()) == 1


def test_bars_the_strategy_does_not_trade_are_refused(bars: Path) -> None:
    result = _backtest(
        "--strategy", str(SMA_JTS), "--data", str(bars), "--engine", "vector",
        "--bars", "1-DAY-LAST",
    )  # fmt: skip
    _refused(result, "'bars' line", "1-DAY-LAST")


def test_an_unknown_engine_is_a_usage_error(bars: Path) -> None:
    result = _backtest("--strategy", str(SMA_JTS), "--data", str(bars), "--engine", "fast")
    _refused(result, "fast")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--param", "fast=1"], "fast"),
        (["--fill", "later"], "--fill must be"),
        (["--start", "2030-01-01"], "no data in the selected range"),
    ],
)
def test_bad_values_fail_as_with_the_event_engine(bars: Path, args: list[str], words: str) -> None:
    result = _backtest("--strategy", str(SMA_JTS), "--data", str(bars), "--engine", "vector", *args)
    _refused(result, words, code=1)
