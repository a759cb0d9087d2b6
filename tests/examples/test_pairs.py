"""The pairs example: both legs together, equal value, entries and exits on the spread's z."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from jts.backtest.engine import BacktestConfig
from jts.backtest.results import BacktestResult
from jts.backtest.runner import load_strategy
from jts.domain.enums import OrderStatus
from jts.indicators import ZScore
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy.params import InvalidParamsError

from .support import EXAMPLES, fill_key, run_example, write_data

NAME = "pairs.py"
A, B = "005930.KRX", "000660.KRX"
PARAMS = {"first": A, "second": B, "window": 60, "entry": 2.0, "exit": 0.5}
SHORTABLE = BacktestConfig(risk_limits=RiskLimits(allow_short=True))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pairs")
    return write_data(folder, [A, B], start=dt.date(2024, 3, 4), n_days=3, seed=8)


def run(data: Path, config: BacktestConfig = SHORTABLE, **overrides: object) -> BacktestResult:
    return run_example(NAME, data, {**PARAMS, **overrides}, config=config)


def expected_orders(
    data: Path, window: int, entry: float, exit_: float, ratio: float = 0.0
) -> list[tuple[int, str, str, str]]:
    """(bar time, tag, instrument, side) of every order the rules call for, replayed over the
    vectorised z-score of the spread."""
    table = pq.read_table(data)
    names = table.column("instrument").to_pylist()
    ts = table.column("timestamp").cast("int64").to_numpy()
    close = table.column("close").to_numpy().astype(np.float64)
    a = np.array([n == A for n in names])
    times = ts[a]
    assert list(times) == list(ts[~a])  # the two legs share every bar time
    log_a, log_b = np.log(close[a]), np.log(close[~a])
    start = 0 if ratio else window - 1
    spread = np.full(len(times), np.nan)
    for i in range(start, len(times)):
        beta = ratio
        if not ratio:
            x, y = log_b[i - window + 1 : i + 1], log_a[i - window + 1 : i + 1]
            dx = x - x.mean()
            beta = float(np.dot(dx, y - y.mean())) / float(np.dot(dx, dx))
        spread[i] = log_a[i] - beta * log_b[i]
    z = ZScore.compute(spread, period=window)
    out: list[tuple[int, str, str, str]] = []
    held = 0  # +1: long A / short B, -1: short A / long B
    for i, t in enumerate(int(v) for v in times):
        if np.isnan(z[i]):
            continue
        if held == 0 and abs(z[i]) > entry:
            held = -1 if z[i] > entry else 1
            short, long = (A, B) if held == -1 else (B, A)
            out += [(t, "entry", short, "SELL"), (t, "entry", long, "BUY")]
        elif held and abs(z[i]) < exit_:
            out += [(t, "exit", A, "SELL" if held == 1 else "BUY")]
            out += [(t, "exit", B, "BUY" if held == 1 else "SELL")]
            held = 0
    return out


def sent(result: BacktestResult) -> list[tuple[int, str, str, str]]:
    return [
        (o.ts_init, o.tags[0], str(o.instrument_id), o.side.value)
        for o in sorted(result.orders, key=lambda o: (o.ts_init, str(o.client_order_id)))
    ]


@pytest.mark.parametrize("ratio", [0.0, 1.0])
def test_orders_follow_the_spread_rules(data: Path, ratio: float) -> None:
    result = run(data, hedge_ratio=ratio)
    expected = expected_orders(data, 60, 2.0, 0.5, ratio)
    assert len(expected) >= 8
    # an order list differs by sort order only within a bar: compare bar by bar as sets
    assert sorted(sent(result)) == sorted(expected)
    assert all(o.status is OrderStatus.FILLED for o in result.orders)


def test_legs_open_and_close_together_at_equal_value(data: Path) -> None:
    result = run(data)
    legs: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for fill in result.fills:
        sign = 1 if fill.order_side.value == "BUY" else -1
        legs[fill.ts_event].append((str(fill.instrument_id), sign * fill.last_qty.as_decimal()))
    assert len(legs) >= 4
    position: dict[str, Decimal] = defaultdict(Decimal)
    for _, group in sorted(legs.items()):
        assert sorted(name for name, _ in group) == [B, A]  # both legs fill in the same bar
        for name, qty in group:
            position[name] += qty
        # after every bar the pair is either flat or one long, one short: never one-legged
        assert (position[A] == 0) == (position[B] == 0)
        assert position[A] * position[B] <= 0
    entries = [o for o in result.orders if o.tags == ("entry",)]
    by_time: dict[int, list[Decimal]] = defaultdict(list)
    table = pq.read_table(data)
    closes = {
        (int(t), n): Decimal(c)
        for t, n, c in zip(
            table.column("timestamp").cast("int64").to_numpy(),
            table.column("instrument").to_pylist(),
            table.column("close").to_pylist(),
            strict=True,
        )
    }
    for order in entries:
        price = closes[(order.ts_init, str(order.instrument_id))]
        value = order.quantity.as_decimal() * price
        assert 10_000_000 - price < value <= 10_000_000  # leg_value in whole shares
        by_time[order.ts_init].append(value)
    assert all(len(values) == 2 for values in by_time.values())


def test_without_short_selling_no_leg_is_left_alone(data: Path) -> None:
    result = run(data, config=BacktestConfig())
    assert result.fills == []
    assert result.orders
    assert all(o.status is OrderStatus.DENIED for o in result.orders)
    assert all(o.side.value == "SELL" for o in result.orders)  # the long leg never went out


def test_two_runs_fill_identically(data: Path) -> None:
    first, second = run(data), run(data)
    assert first.fills
    assert [fill_key(f) for f in first.fills] == [fill_key(f) for f in second.fills]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"second": A}, "must differ"),
        ({"exit": 3.0}, "exit"),
        ({"window": 2}, "window"),
        ({"leg_value": 0}, "leg_value"),
    ],
)
def test_bad_params_are_refused(params: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidParamsError, match=words):
        load_strategy(str(EXAMPLES / NAME), {**PARAMS, **params})
