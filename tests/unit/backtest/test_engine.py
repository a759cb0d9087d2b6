"""The backtest engine end to end: synthetic bars, the SMA example, results on disk."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jts.backtest.data import generate_bars, write_bars
from jts.backtest.engine import BacktestConfig
from jts.backtest.results import write_results
from jts.backtest.runner import StrategyLoadError, load_strategy, run_backtest
from jts.core.errors import InvalidInputError
from jts.domain.identifiers import InstrumentId
from jts.domain.values import KRW, Money

from .data.calendar_fake import FakeKrxCalendar

EXAMPLE = Path(__file__).parents[3] / "examples" / "strategies" / "sma_cross.py"
CALENDAR = FakeKrxCalendar()


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = generate_bars(
        ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=15, seed=7, calendar=CALENDAR
    )
    path = tmp_path_factory.mktemp("data") / "bars.parquet"
    write_bars(table, path)
    return path


def run(data: Path, **config: object):  # type: ignore[no-untyped-def]
    strategy = load_strategy(str(EXAMPLE), {"fast": 10, "slow": 30, "quantity": 10})
    return run_backtest([strategy], data, BacktestConfig(**config), calendar=CALENDAR)  # type: ignore[arg-type]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_sma_example_trades_and_books_exactly(data_file: Path, tmp_path: Path) -> None:
    result = run(data_file)
    assert result.bars == 15 * 381
    assert len(result.fills) > 20
    stats = result.stats()
    assert stats["trades"] == len(result.fills)
    # fills alternate buy 10 / sell 10: every round trip closes what it opened
    sides = [f.order_side.value for f in result.fills]
    assert sides[:4] == ["BUY", "SELL", "BUY", "SELL"]
    assert all(f.last_qty == 10 for f in result.fills)
    # default KRX costs: commission on both sides, the sell tax on sells
    assert all(f.commission.raw > 0 for f in result.fills)
    assert all((f.tax.raw > 0) == (f.order_side.value == "SELL") for f in result.fills)
    # final equity = cash + marked position, to the won, from the exact fills
    cash = 100_000_000
    held = 0
    for f in result.fills:
        value = f.last_px.raw * f.last_qty.raw
        sign = 1 if f.order_side.value == "BUY" else -1
        cash -= sign * value + f.commission.raw + f.tax.raw
        held += sign * f.last_qty.raw
    last_close = int(pq.read_table(data_file).column("close")[-1].as_py())
    assert Decimal(stats["final_equity"]) == cash + held * last_close
    out = write_results(result, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == [
        "equity.parquet", "fills.parquet", "orders.parquet",
        "report.html", "signals.parquet", "stats.json",
    ]  # fmt: skip
    on_disk = json.loads((out / "stats.json").read_text())
    for key in ("final_equity", "total_return", "trades", "round_trips", "sharpe", "max_drawdown"):
        assert key in on_disk
    fills = pq.read_table(out / "fills.parquet")
    assert fills.column_names[:7] == [
        "timestamp", "instrument", "side", "quantity", "price", "commission", "tax",
    ]  # fmt: skip
    assert fills.num_rows == len(result.fills)
    assert str(fills.column("price").type).startswith("decimal128")


def test_runs_are_byte_identical(data_file: Path, tmp_path: Path) -> None:
    first = write_results(run(data_file), tmp_path / "a")
    second = write_results(run(data_file), tmp_path / "b")
    assert digest(first) == digest(second)


def test_zero_costs_and_close_fills(data_file: Path) -> None:
    free = run(data_file, commission=Decimal(0), tax=Decimal(0))
    assert all(f.commission.raw == 0 and f.tax.raw == 0 for f in free.fills)
    at_close = run(data_file, commission=Decimal(0), tax=Decimal(0), fill="close")
    assert [f.last_px for f in at_close.fills] != [f.last_px for f in free.fills]
    assert len(at_close.fills) >= len(free.fills) - 1


def test_date_range_selects_bars(data_file: Path) -> None:
    from jts.core.time import kst_to_ns

    start = kst_to_ns(dt.date(2024, 3, 6), "000000")
    end = kst_to_ns(dt.date(2024, 3, 7), "235959")
    result = run(data_file, start_ns=start, end_ns=end)
    assert result.bars == 2 * 381


def test_interrupted_write_leaves_nothing_that_looks_complete(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jts.backtest import results

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "write_report", boom)
    with pytest.raises(KeyboardInterrupt):
        write_results(run(data_file), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"fill": "tomorrow"}, "--fill"),
        ({"cash": Money(-1, KRW)}, "--cash"),
        ({"commission": Decimal("1.5")}, "--commission"),
        ({"start_ns": 10, "end_ns": 5}, "--end is before --start"),
    ],
)
def test_bad_options_name_the_option(config: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        BacktestConfig(**config)  # type: ignore[arg-type]


def test_strategy_loading_errors(tmp_path: Path) -> None:
    with pytest.raises(StrategyLoadError, match="no such file"):
        load_strategy(str(tmp_path / "missing.py"))
    two = tmp_path / "two.py"
    two.write_text(
        "from jts.kernel.strategy import Strategy\n"
        "class A(Strategy): pass\n"
        "class B(Strategy): pass\n"
    )
    with pytest.raises(StrategyLoadError, match="2 Strategy classes"):
        load_strategy(str(two))
    assert type(load_strategy(f"{two}:B")).__name__ == "B"
    with pytest.raises(StrategyLoadError, match="no Strategy class 'C'"):
        load_strategy(f"{two}:C")
    with pytest.raises(InvalidInputError, match="fast"):
        load_strategy(str(EXAMPLE), {"fast": "quick"})


def test_unknown_instrument_in_data_is_an_error(tmp_path: Path) -> None:
    from jts.backtest.runner import resolve_instruments

    with pytest.raises(Exception, match=r"unknown instrument FOO-BAR\.UPBIT"):
        resolve_instruments([InstrumentId("FOO-BAR.UPBIT")])


def test_the_results_are_built_while_the_collector_is_still_relaxed(
    data_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysis runs inside the relaxed period: with the usual thresholds back, the
    collector would walk every order and event the run kept, several times over."""
    import gc

    from jts.backtest import engine as engine_module

    thresholds: list[int] = []
    build = engine_module.BacktestEngine._result

    def spy(self: engine_module.BacktestEngine):  # type: ignore[no-untyped-def]
        thresholds.append(gc.get_threshold()[0])
        return build(self)

    monkeypatch.setattr(engine_module.BacktestEngine, "_result", spy)
    before = gc.get_threshold()
    run(data_file)
    assert thresholds[0] >= 100_000
    assert gc.get_threshold() == before
