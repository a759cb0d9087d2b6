"""Parity (issue 6 §7): the same strategy over the same data decides the same orders in a
backtest and in the live node trading against the KIS simulator fed that data.

One file of 240 one-minute bars of 005930 is (1) backtested with `run_backtest` and
(2) replayed by the simulator as H0STCNT0 ticks (open, extremes, close of each bar, at the
bar's own exchange time) to a `LiveNode` whose kernel rebuilds one-minute bars from the ticks.
``examples/strategies/sma_cross.py`` runs unchanged on both sides (its bar type is a parameter:
the file's bars in the backtest, bars built from trades live). Every order is compared by the
bar it was decided on, side, quantity, type and instrument.

A live time bar closes when the first tick of the next interval arrives (exchange time, not the
wall clock), so the file's last bar never closes live: nothing follows it. Orders decided on the
last bar are outside the comparison, and the test says so if the backtest has one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from jts.adapters.kis.simulator import KisSimulator, SimulatorConfig
from jts.backtest.engine import BacktestConfig
from jts.backtest.runner import load_strategy, run_backtest
from jts.cli.sim import read_replay_bars
from jts.cli.up import bring_up
from jts.config import load_config
from jts.core.time import KST
from jts.domain.identifiers import ClientOrderId
from jts.domain.orders import Order
from jts.kernel.strategy import Strategy
from jts.live.node import LiveNode, NodeOptions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
STRATEGY = str(ROOT / "examples" / "strategies" / "sma_cross.py")
INSTRUMENT = "005930.KRX"
BARS = 240
DAY = dt.date(2025, 3, 4)  # a KRX trading day
PARAMS = {"fast": 3, "slow": 8, "quantity": 5, "instrument": INSTRUMENT}

Decision = tuple[int, str, str, str, str]  # bar close ns, side, quantity, type, instrument


def write_bars(path: Path, seed: int = 7) -> list[tuple[int, int, int, int, int, int]]:
    """A random walk on the 100-won grid, one bar a minute from 09:00 KST, stamped at the
    bar's close (the backtest format)."""
    rng = random.Random(seed)
    rows = []
    price = 70_000
    start = dt.datetime.combine(DAY, dt.time(9, 0), tzinfo=KST)
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(BARS):
        open_ = price
        close = max(open_ + 100 * rng.choice((-3, -2, -1, 0, 1, 2, 3)), 60_000)
        high = max(open_, close) + 100 * rng.randint(0, 2)
        low = min(open_, close) - 100 * rng.randint(0, 2)
        volume = rng.randint(100, 5_000)
        stamp = start + dt.timedelta(minutes=i + 1)
        lines.append(f"{stamp.isoformat()},{open_},{high},{low},{close},{volume}")
        rows.append((int(stamp.timestamp()) * 10**9, open_, high, low, close, volume))
        price = close
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rows


class Recorder:
    """Watches a strategy from outside: the bars it saw, and the bar each order came from."""

    def __init__(self, strategy: Strategy) -> None:
        self.bars: list[tuple[int, int, int, int, int]] = []
        self.submitted: list[tuple[int, ClientOrderId | None]] = []
        on_bar, submit = strategy.on_bar, strategy.submit

        def watched_on_bar(bar: Any) -> None:
            self.bars.append(
                (
                    bar.ts_event,
                    *(int(p.as_decimal()) for p in (bar.open, bar.high, bar.low, bar.close)),
                )
            )
            on_bar(bar)

        def watched_submit(*args: Any, **kwargs: Any) -> ClientOrderId | None:
            client_order_id = submit(*args, **kwargs)
            self.submitted.append((self.bars[-1][0], client_order_id))
            return client_order_id

        strategy.on_bar = watched_on_bar  # type: ignore[method-assign]
        strategy.submit = watched_submit  # type: ignore[method-assign]

    def decisions(self, orders: Callable[[ClientOrderId], Order]) -> list[Decision]:
        out = []
        for bar_ts, client_order_id in self.submitted:
            assert client_order_id is not None, "an order was refused before it existed"
            order = orders(client_order_id)
            out.append(
                (
                    bar_ts,
                    order.side.value,
                    str(order.quantity),
                    order.order_type.value,
                    str(order.instrument_id),
                )
            )
        return out


def backtest(path: Path) -> tuple[Recorder, list[Decision]]:
    strategy = load_strategy(STRATEGY, PARAMS)  # the file's one-minute bars (EXTERNAL)
    recorder = Recorder(strategy)
    result = run_backtest([strategy], path, BacktestConfig())
    by_id = {o.client_order_id: o for o in result.orders}
    return recorder, recorder.decisions(by_id.__getitem__)


async def _until(predicate: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def live(tmp_path: Path, path: Path, last_close_ns: int) -> tuple[Recorder, list[Decision]]:
    replay = read_replay_bars(path, 60)
    config = SimulatorConfig.generate(
        "paper", rate_limit_per_s=50, tick_interval_s=0.03, market_hours="always"
    )
    sim = KisSimulator(config, replay=replay)
    await sim.start()
    sim_config = tmp_path / "sim.json"
    sim_config.write_bytes(msgspec.json.encode(sim.config))
    toml = tmp_path / "jts.toml"
    toml.write_text(f'data_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    settings = load_config(toml).settings
    bring_up(settings)
    params = {**PARAMS, "bar_type": f"{INSTRUMENT}-1-MINUTE-LAST-INTERNAL"}
    options = NodeOptions(
        strategy=STRATEGY,
        params=params,
        sim_config=sim_config,
        sim_port=sim.port,
        sim_ws_port=sim.ws_port,
        state_save_s=600.0,
    )
    node = LiveNode(settings, options)
    recorder: Recorder | None = None
    try:
        await node.start()
        assert node.kernel is not None
        kernel = node.kernel
        recorder = Recorder(kernel.strategies[0])
        watched = recorder
        # the last bar that can close live is the one before the file's last bar
        await _until(
            lambda: bool(watched.bars) and watched.bars[-1][0] >= last_close_ns - 60 * 10**9,
            within_s=180,
            what="the replay to reach the last bar",
        )
        await _until(
            lambda: not any(o.is_inflight or o.is_open for o in kernel.cache.orders()),
            within_s=20,
            what="the last orders to fill",
        )
        by_id = {o.client_order_id: o for o in kernel.cache.orders()}
        return recorder, recorder.decisions(by_id.__getitem__)
    finally:
        await node.stop()
        await sim.stop()


async def test_backtest_and_live_node_decide_the_same_orders(tmp_path: Path) -> None:
    path = tmp_path / "005930.KRX.csv"
    rows = write_bars(path)
    last_close = rows[-1][0]
    tested, expected = backtest(path)
    assert len(tested.bars) == BARS
    assert len(expected) >= 6, "the data must make the strategy trade in both directions"

    recorder, decided = await live(tmp_path, path, last_close)

    # the live node rebuilt every bar but the last from the ticks, to the won
    assert recorder.bars == [row[:5] for row in rows[:-1]]
    comparable = [d for d in expected if d[0] < last_close]
    assert decided == comparable
    sides = {d[1] for d in decided}
    assert sides == {"BUY", "SELL"}
