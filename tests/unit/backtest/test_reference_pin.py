"""The benchmark's reference case (and two variants) give exactly the results they always gave.

The event-driven path is tuned for speed (issue 3: the reference case at 150,000 bars/s); every
such change must leave the results alone. These runs pin, on a smaller data size, everything a
result holds: each fill (time, side, quantity, price, commission, tax, ids), each order's final
state, the equity curve point by point and the statistics. The digests were taken before the
tuning began; a digest that changes means the engine now trades or books differently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from jts.backtest.data import generate_bars, write_bars
from jts.backtest.data.schema import ONE_DAY, ONE_MINUTE, ReadOptions
from jts.backtest.engine import BacktestConfig
from jts.backtest.results import BacktestResult
from jts.backtest.runner import load_strategy, run_backtest
from jts.calendar import XkrxCalendar
from jts.domain.instruments import Market, krx_equity

EXAMPLE = Path(__file__).parents[3] / "examples" / "strategies" / "sma_cross.py"


@pytest.fixture(scope="module")
def calendar() -> XkrxCalendar:
    return XkrxCalendar(dt.date(2014, 1, 2), dt.date(2017, 12, 29)).build()


@pytest.fixture(scope="module")
def minute_file(tmp_path_factory: pytest.TempPathFactory, calendar: XkrxCalendar) -> Path:
    """The reference data's generator and seed, 20,000 bars instead of 1,000,000."""
    table = generate_bars(
        ["005930.KRX"], start=dt.date(2014, 1, 2), n_bars=20_000, seed=42, calendar=calendar
    )
    path = tmp_path_factory.mktemp("ref") / "ref-20k.parquet"
    write_bars(table, path)
    return path


@pytest.fixture(scope="module")
def daily_folder(tmp_path_factory: pytest.TempPathFactory, calendar: XkrxCalendar) -> Path:
    """The daily benchmark's shape, smaller: 5 instruments x 2 years, one strategy each."""
    symbols = [f"{100000 + i * 7:06d}.KRX" for i in range(5)]
    instruments = [krx_equity(s[:6], f"Synthetic {s[:6]}", Market.KOSPI) for s in symbols]
    table = generate_bars(
        symbols,
        start=dt.date(2015, 1, 2),
        end=dt.date(2016, 12, 30),
        interval=ONE_DAY,
        seed=11,
        calendar=calendar,
        instruments=instruments,
    )
    folder = tmp_path_factory.mktemp("daily")
    write_bars(table, folder / "bars.parquet")
    return folder


def digest(result: BacktestResult) -> str:
    """One hash over everything the run produced, in a form independent of file encodings."""
    h = hashlib.sha256()
    for f in result.fills:
        h.update(
            f"F|{f.ts_event}|{f.instrument_id}|{f.strategy_id}|{f.client_order_id}|"
            f"{f.venue_order_id}|{f.trade_id}|{f.order_side.value}|{f.last_qty}|{f.last_px}|"
            f"{f.commission}|{f.tax}|{f.liquidity_side.value}\n".encode()
        )
    for o in result.orders:
        h.update(
            f"O|{o.client_order_id}|{o.status.value}|{o.filled_qty}|{o.avg_px}|{o.ts_init}|"
            f"{o.ts_last}|{o.event_count}\n".encode()
        )
    h.update(result.timestamps.tobytes())
    h.update(result.equity_raw.tobytes())
    h.update(json.dumps(result.stats(), sort_keys=True).encode())
    return h.hexdigest()


def reference_run(
    data: Path, calendar: XkrxCalendar, *, fill: str = "next-open", costs: bool = False
) -> BacktestResult:
    zero = {} if costs else {"commission": Decimal(0), "tax": Decimal(0)}
    config = BacktestConfig(fill=fill, **zero)  # type: ignore[arg-type]
    strategy = load_strategy(str(EXAMPLE), {"fast": 10, "slow": 30, "quantity": 10})
    options = ReadOptions(bar_spec=ONE_MINUTE)
    return run_backtest([strategy], data, config, calendar=calendar, options=options)


def test_reference_case_results_are_pinned(minute_file: Path, calendar: XkrxCalendar) -> None:
    result = reference_run(minute_file, calendar)
    assert result.bars == 20_000
    assert len(result.fills) == PINNED["reference"][0]
    assert result.stats()["final_equity"] == PINNED["reference"][1]
    assert digest(result) == PINNED["reference"][2]


def test_costs_and_close_fills_are_pinned(minute_file: Path, calendar: XkrxCalendar) -> None:
    result = reference_run(minute_file, calendar, fill="close", costs=True)
    assert len(result.fills) == PINNED["close+costs"][0]
    assert result.stats()["final_equity"] == PINNED["close+costs"][1]
    assert digest(result) == PINNED["close+costs"][2]


def test_many_instruments_daily_is_pinned(daily_folder: Path, calendar: XkrxCalendar) -> None:
    strategies = []
    for index, symbol in enumerate(f"{100000 + i * 7:06d}.KRX" for i in range(5)):
        params = {"fast": 5, "slow": 20, "quantity": 1, "instrument": symbol,
                  "bar_type": f"{symbol}-1-DAY-LAST-EXTERNAL"}  # fmt: skip
        strategy = load_strategy(str(EXAMPLE), params)
        strategy.id = type(strategy.id)(f"SMACross-{index:03d}")
        strategies.append(strategy)
    config = BacktestConfig()  # default KRX costs: commission, the sell tax, T+2 settlement
    options = ReadOptions(bar_spec=ONE_DAY)
    result = run_backtest(strategies, daily_folder, config, calendar=calendar, options=options)
    assert len(result.fills) == PINNED["daily"][0]
    assert result.stats()["final_equity"] == PINNED["daily"][1]
    assert digest(result) == PINNED["daily"][2]


#: (fill count, final equity, digest), taken before the speed work of issue 3
PINNED: dict[str, tuple[int, str, str]] = {
    "reference": (
        767,
        "99902000",
        "b617bb8365a9bccecff0d701e70b70969d360bbcb8c8e73e5ea1e30502edeb98",
    ),
    "close+costs": (
        767,
        "98984007",
        "d0523179d73264b69529fdece3a19adeb1df80084a32841ae1b46a2a2de49f1c",
    ),
    "daily": (154, "100113849", "babaf2c7968306966f35e3129106ef82d3a741352f8c0810374bd55cc0a9963f"),
}
