"""The RSI mean-reversion example: every order it sends is the one its rules call for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from jts.indicators import RSI, SMA
from jts.kernel.strategy.params import InvalidParamsError

from .support import EXAMPLES, fill_key, orders_by_id, run_example, write_data

NAME = "rsi_reversion.py"
PARAMS = {"period": 14, "lower": 30, "upper": 70, "quantity": 10}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rsi")
    return write_data(folder, ["005930.KRX"], start=dt.date(2024, 3, 4), n_days=4, seed=11)


def expected_orders(
    data: Path, lower: float, upper: float, period: int, trend: int
) -> list[tuple[int, str]]:
    """Replay the rules over the vectorised indicators: (signal bar time, tag) of each order.

    A market order fills at the next bar's open, before the strategy sees that bar, so the
    position after a decision at bar i is known at bar i + 1.
    """
    table = pq.read_table(data)
    ts = table.column("timestamp").cast("int64").to_numpy()
    close = table.column("close").to_numpy().astype(np.float64)
    rsi = RSI.compute(close, period=period)
    sma = SMA.compute(close, period=trend) if trend else None
    held = False
    out: list[tuple[int, str]] = []
    for i in range(len(close)):
        if np.isnan(rsi[i]):
            continue
        uptrend = sma is None or (not np.isnan(sma[i]) and close[i] > sma[i])
        if not held and rsi[i] < lower and uptrend:
            out.append((int(ts[i]), "entry"))
            held = True
        elif held and rsi[i] > upper:
            out.append((int(ts[i]), "exit"))
            held = False
    return out


#: Connors-style: a two-bar RSI dip bought only above the 200-bar average
SHORT = {"period": 2, "lower": 10, "upper": 90, "quantity": 10}


@pytest.mark.parametrize(
    "params", [PARAMS, {**SHORT, "trend_period": 0}, {**SHORT, "trend_period": 200}]
)
def test_orders_follow_the_rsi_rules(data: Path, params: dict[str, int]) -> None:
    result = run_example(NAME, data, params)
    orders = sorted(result.orders, key=lambda o: o.ts_init)
    sent = [(o.ts_init, o.tags[0]) for o in orders]
    assert sent == expected_orders(
        data, params["lower"], params["upper"], params["period"], params.get("trend_period", 0)
    )
    assert len(result.fills) >= 4
    # entries buy, exits sell the same 10 shares: it never stacks or goes short
    by_id = orders_by_id(result)
    position = 0
    for fill in result.fills:
        tag = by_id[str(fill.client_order_id)].tags[0]
        assert (tag, fill.order_side.value) in {("entry", "BUY"), ("exit", "SELL")}
        position += int(fill.last_qty.as_decimal()) * (1 if tag == "entry" else -1)
        assert position in (0, 10)
    assert {s.reason.split()[0] for s in result.signals} == {"RSI"}


def test_trend_filter_only_removes_entries(data: Path) -> None:
    plain = run_example(NAME, data, SHORT)
    filtered = run_example(NAME, data, {**SHORT, "trend_period": 200})
    table = pq.read_table(data)
    close = table.column("close").to_numpy().astype(np.float64)
    ts = list(table.column("timestamp").cast("int64").to_numpy())
    sma = SMA.compute(close, period=200)
    entries = [o.ts_init for o in filtered.orders if o.tags == ("entry",)]
    assert 0 < len(entries) < len([o for o in plain.orders if o.tags == ("entry",)])
    # every filtered entry was bought above the trend line, none in the warm-up
    for at in entries:
        i = ts.index(at)
        assert close[i] > sma[i]


def test_two_runs_fill_identically(data: Path) -> None:
    first = run_example(NAME, data, PARAMS)
    second = run_example(NAME, data, PARAMS)
    assert first.fills
    assert [fill_key(f) for f in first.fills] == [fill_key(f) for f in second.fills]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"lower": 70, "upper": 30}, "lower"),
        ({"period": 1}, "period"),
        ({"quantity": 0}, "quantity"),
        ({"trend_period": 1}, "trend_period"),
        ({"lower": 120}, "lower"),
    ],
)
def test_bad_params_are_refused(params: dict[str, object], words: str) -> None:
    from jts.backtest.runner import load_strategy

    with pytest.raises(InvalidParamsError, match=words):
        load_strategy(str(EXAMPLES / NAME), params)
