"""The Bollinger breakout example: entries above the band, exits below the middle, ATR stops."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from jts.backtest.results import BacktestResult
from jts.backtest.runner import load_strategy
from jts.domain.enums import OrderType
from jts.domain.reference import load_reference_instruments
from jts.domain.values import Price, Rounding
from jts.indicators import ATR, BollingerBands
from jts.kernel.strategy.params import InvalidParamsError

from .support import EXAMPLES, fill_key, orders_by_id, run_example, write_data

NAME = "bollinger_breakout.py"
PARAMS = {"period": 20, "width": 2.0, "atr_period": 14, "atr_stop": 1.0, "quantity": 10}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bb")
    return write_data(folder, ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=4, seed=5)


@pytest.fixture(scope="module")
def result(data: Path) -> BacktestResult:
    return run_example(NAME, data, PARAMS)


def columns(data: Path) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    table = pq.read_table(data)
    ts = [int(t) for t in table.column("timestamp").cast("int64").to_numpy()]
    high, low, close = (
        table.column(name).to_numpy().astype(np.float64) for name in ("high", "low", "close")
    )
    return ts, high, low, close


def test_entries_and_exits_follow_the_bands(data: Path, result: BacktestResult) -> None:
    ts, high, low, close = columns(data)
    upper, middle, _ = BollingerBands.compute(close, period=20, nbdev_up=2.0, nbdev_dn=2.0)
    atr = ATR.compute(high, low, close, period=14)
    tags = {tag for o in result.orders for tag in o.tags}
    assert tags == {"entry", "stop", "exit"}
    for order in result.orders:
        i = ts.index(order.ts_init)
        if order.tags == ("entry",):
            assert close[i] > upper[i]
            assert not np.isnan(atr[i])
        elif order.tags == ("exit",):
            assert close[i] < middle[i]


def test_each_stop_is_atr_below_its_entry(data: Path, result: BacktestResult) -> None:
    ts, high, low, close = columns(data)
    atr = ATR.compute(high, low, close, period=14)
    instrument = next(i for i in load_reference_instruments() if str(i.id) == "005930.KRX")
    ordered = sorted(result.orders, key=lambda o: (o.ts_init, str(o.client_order_id)))
    stops = [o for o in ordered if o.tags == ("stop",)]
    assert stops
    for stop in stops:
        entry = [o for o in ordered if o.tags == ("entry",) and o.ts_init <= stop.ts_init][-1]
        i = ts.index(entry.ts_init)
        raw = Decimal(int(close[i])) - Decimal(repr(1.0 * float(atr[i])))
        level = Price(raw.quantize(Decimal(1), rounding=ROUND_FLOOR), 0)
        day = dt.date(2024, 3, 4)  # one tick table over these days
        expected = instrument.tick_scheme(day).round(level, Rounding.DOWN)
        assert stop.order_type is OrderType.STOP_MARKET
        assert stop.trigger_price == expected
        assert stop.quantity == entry.quantity
    # a stop that fired sold at its level or below (a gap opens through it)
    by_id = orders_by_id(result)
    stop_fills = [f for f in result.fills if by_id[str(f.client_order_id)].tags == ("stop",)]
    assert stop_fills
    for fill in stop_fills:
        trigger = by_id[str(fill.client_order_id)].trigger_price
        assert trigger is not None
        assert fill.last_px <= trigger


def test_position_stays_long_only_and_never_stacks(result: BacktestResult) -> None:
    by_id = orders_by_id(result)
    position = 0
    assert len(result.fills) >= 6
    for fill in result.fills:
        side = 1 if fill.order_side.value == "BUY" else -1
        assert (side == 1) == (by_id[str(fill.client_order_id)].tags == ("entry",))
        position += side * int(fill.last_qty.as_decimal())
        assert position in (0, 10)
    # whatever is still open at the end protects a position (a stop) or is the last bar's order
    still_open = [o for o in result.orders if o.is_open]
    assert len(still_open) <= 2
    if position == 10:
        assert any(o.tags == ("stop",) for o in still_open)
    else:
        assert not any(o.tags == ("stop",) for o in still_open)


def test_two_runs_fill_identically(data: Path, result: BacktestResult) -> None:
    again = run_example(NAME, data, PARAMS)
    assert [fill_key(f) for f in again.fills] == [fill_key(f) for f in result.fills]


@pytest.mark.parametrize(
    ("params", "words"),
    [({"period": 1}, "period"), ({"width": 0}, "width"), ({"atr_stop": -1}, "atr_stop")],
)
def test_bad_params_are_refused(params: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidParamsError, match=words):
        load_strategy(str(EXAMPLES / NAME), params)
