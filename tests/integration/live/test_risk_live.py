"""Risk in a running node against the embedded KIS simulator: limits from a TOML file deny
orders with the rule and the numbers, and a tiny daily loss limit trips the kill switch by
itself after losing fills, after which every new order is denied."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jts.cli.main import build_app
from jts.cli.up import bring_up
from jts.config import load_config
from jts.domain.enums import OrderStatus
from jts.domain.events_order import OrderDenied, OrderFilled
from jts.domain.events_risk import KillSwitchTripped, RiskMetricsUpdated
from jts.domain.messages import Message
from jts.live.node import LiveNode, NodeOptions

pytestmark = pytest.mark.slow

IID = "005930.KRX"

PROBE = '''
from jts.domain.market_data import TradeTick
from jts.kernel.strategy import Strategy, StrategyParams


class Probe(Strategy):
    """Buys the listed quantities one per tick; or, with round_trips, buys 1 and sells it
    back over and over (each round trip pays commission and tax)."""

    class Params(StrategyParams):
        instrument: str = "005930.KRX"
        quantities: str = ""
        round_trips: bool = False

    def on_start(self) -> None:
        self.subscribe_trade_ticks(self.params.instrument)
        self.queue = [int(q) for q in self.params.quantities.split(",") if q]

    def on_trade_tick(self, tick: TradeTick) -> None:
        iid = self.params.instrument
        if self.open_orders(iid):
            return
        if self.params.round_trips:
            held = self.position_qty(iid)
            if held > 0:
                self.sell(iid, held)
            else:
                self.buy(iid, 1)
        elif self.queue:
            self.buy(iid, self.queue.pop(0))
'''


@asynccontextmanager
async def running_node(
    tmp_path: Path, risk_toml: str, params: Mapping[str, object]
) -> AsyncIterator[tuple[LiveNode, list[Message], Path]]:
    config = tmp_path / "jts.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n\n{risk_toml}', encoding="utf-8")
    settings = load_config(config).settings
    bring_up(settings)
    strategy = tmp_path / "probe.py"
    strategy.write_text(PROBE, encoding="utf-8")
    options = NodeOptions(
        strategy=str(strategy), params=params, tick_interval_s=0.05, state_save_s=60.0
    )
    node = LiveNode(settings, options)
    seen: list[Message] = []
    node.bus.subscribe("events.**", seen.append)
    await node.start()
    try:
        yield node, seen, config
    finally:
        await node.stop(grace_s=2.0)


async def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "risk_toml",
    [
        "[risk]\nmax_order_qty = 5\n",
        "[risk]\nmax_order_qty = 100\n\n[risk.strategies.Probe-001]\nmax_order_qty = 5\n",
    ],
    ids=["account", "strategy-table"],
)
async def test_max_order_qty_from_toml_denies_an_order_of_10(
    tmp_path: Path, risk_toml: str
) -> None:
    params = {"instrument": IID, "quantities": "10,5"}
    async with running_node(tmp_path, risk_toml, params) as (node, seen, _config):
        assert node.kernel is not None
        cache = node.kernel.cache
        await wait_for(
            lambda: any(o.status is OrderStatus.FILLED for o in cache.orders()),
            30,
            "the order of 5 to fill",
        )
        denied = [m for m in seen if isinstance(m, OrderDenied)]
        by_qty = {str(o.quantity): o for o in cache.orders()}
        assert by_qty["10"].status is OrderStatus.DENIED
        assert by_qty["5"].status is OrderStatus.FILLED
    assert len(denied) == 1
    assert denied[0].reason == "max_order_qty: quantity 10 exceeds the limit 5"
    assert denied[0].client_order_id == by_qty["10"].client_order_id


async def test_a_tiny_daily_loss_limit_trips_the_kill_switch_by_itself(tmp_path: Path) -> None:
    risk_toml = "[risk]\ndaily_loss_limit = 1\n\n[risk.metrics]\ninterval_s = 0.2\n"
    params = {"instrument": IID, "round_trips": True}
    async with running_node(tmp_path, risk_toml, params) as (node, seen, config):
        kernel = node.kernel
        assert kernel is not None
        await wait_for(lambda: kernel.risk.is_killed, 30, "the daily loss limit to trip")
        tripped_at = len(seen)
        # the strategy keeps trying every tick: each attempt is denied by the kill switch
        await wait_for(
            lambda: any(isinstance(m, OrderDenied) for m in seen[tripped_at:]),
            10,
            "an order after the trip",
        )
        # two samples of equity make the first return
        await wait_for(
            lambda: sum(isinstance(m, RiskMetricsUpdated) for m in seen) >= 2, 5, "risk metrics"
        )
        cli = await asyncio.to_thread(
            CliRunner().invoke, build_app(), ["--config", str(config), "risk"]
        )
        json_cli = await asyncio.to_thread(
            CliRunner().invoke, build_app(), ["--config", str(config), "risk", "--json"]
        )
        reason = kernel.risk.kill_switch_reason
        report = node.risk_watch.report() if node.risk_watch else {}
        books_equity = kernel.portfolio.equity().as_decimal()  # same instant: no await between
        open_after_trip = [o for o in kernel.cache.open_orders() if not o.is_inflight]

    assert reason is not None
    assert reason.startswith("daily_loss: loss of ")
    assert "reached the daily loss limit 1 KRW" in reason
    trips = [m for m in seen if isinstance(m, KillSwitchTripped)]
    assert len(trips) == 1
    assert trips[0].reason == reason
    # it was a fill (its commission, or the price moving against the position) that lost
    assert any(isinstance(m, OrderFilled) for m in seen[:tripped_at])
    after = [m for m in seen[tripped_at:] if isinstance(m, OrderDenied)]
    assert after
    assert all(m.reason.startswith("kill_switch: trading is halted: daily_loss:") for m in after)
    assert not open_after_trip
    assert report["kill_switch"] == reason
    assert report["breaches"] == [reason]
    loss = re.match(r"daily_loss: loss of ([\d,]+) KRW", reason)
    assert loss is not None
    assert int(loss.group(1).replace(",", "")) >= 1
    # the monitor's exact books agree with the portfolio's (prices may have moved since)
    assert Decimal(report["equity"]) == books_equity
    assert Decimal(report["daily_pnl"]) == books_equity - Decimal(report["day_start_equity"])
    assert report["returns"] >= 1

    assert cli.exit_code == 0, cli.output
    assert "kill switch       TRIPPED: daily_loss: loss of" in cli.output
    assert "daily PnL" in cli.output
    assert "VaR / ES 95%" in cli.output
    assert json_cli.exit_code == 0, json_cli.output
    assert '"kill_switch": "daily_loss: loss of' in json_cli.output
