"""Alerts of a running node against the embedded KIS simulator reach a local webhook: a
reconciliation difference (an order placed at the venue behind the node's back) and a dropped
WebSocket (the simulator's admin switch cuts every connection), then its recovery."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from jts.adapters.kis.simulator.venue import OrderRequest
from jts.cli.up import bring_up
from jts.config import load_config
from jts.domain.messages import Message
from jts.live.messages import ConnectionLost, ConnectionRestored, ReconciliationDifference
from jts.live.node import LiveNode, NodeOptions
from tests.integration.notify.receivers import HttpReceiver

pytestmark = pytest.mark.slow

SYMBOL = "005930"
HOOK = "/hook"

LISTENER = '''
from jts.kernel.strategy import Strategy, StrategyParams


class Listener(Strategy):
    """Hears the instrument's trades and never trades."""

    class Params(StrategyParams):
        instrument: str = "005930.KRX"

    def on_start(self) -> None:
        self.subscribe_trade_ticks(self.params.instrument)
'''


@pytest.fixture
async def receiver() -> AsyncIterator[HttpReceiver]:
    hook = HttpReceiver()
    await hook.start()
    try:
        yield hook
    finally:
        await hook.stop()


@pytest.fixture
async def node(tmp_path: Path, receiver: HttpReceiver) -> AsyncIterator[LiveNode]:
    config = tmp_path / "jts.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "var"}"\n\n[alerts.webhook]\nurl = "{receiver.url(HOOK)}"\n',
        encoding="utf-8",
    )
    settings = load_config(config).settings
    bring_up(settings)
    strategy_file = tmp_path / "listener.py"
    strategy_file.write_text(LISTENER, encoding="utf-8")
    options = NodeOptions(
        strategy=str(strategy_file),
        params={"instrument": f"{SYMBOL}.KRX"},
        tick_interval_s=0.05,
        state_save_s=60.0,
        connection_check_s=0.05,
    )
    live = LiveNode(settings, options)
    await live.start()
    try:
        yield live
    finally:
        await live.stop(grace_s=2.0)


def _alerts(receiver: HttpReceiver, kind: str) -> list[dict[str, Any]]:
    return [r.json() for r in receiver.at(HOOK) if r.json()["kind"] == kind]


async def _wait_alerts(receiver: HttpReceiver, kind: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(_alerts(receiver, kind)) < count:
        assert time.monotonic() < deadline, f"no {kind} alert: {receiver.requests[-3:]}"
        await receiver.wait_for(HOOK, len(receiver.at(HOOK)) + 1, timeout_s=10)
    return _alerts(receiver, kind)


async def test_an_order_unknown_to_the_journal_is_alerted_by_reconciliation(
    node: LiveNode, receiver: HttpReceiver
) -> None:
    sim = node.simulator
    assert sim is not None
    seen: list[Message] = []
    node.bus.subscribe("events.reconciliation", seen.append)
    market = sim.ctx.market.state(SYMBOL)
    account = next(iter(sim.ctx.state.accounts.values()))
    # a resting buy at the lower limit, entered at the broker by someone else
    placed = sim.ctx.venue.place(
        OrderRequest(
            account=account, side="02", symbol=SYMBOL, ord_dvsn="00", qty=3, price=market.lower
        )
    )
    (plan,) = await node.reconcile()  # one account, one plan
    assert [r.venue_order_id for r in plan.external] == [placed.odno]
    assert [type(m) for m in seen] == [ReconciliationDifference]

    (alert,) = await _wait_alerts(receiver, "reconciliation", 1)
    assert alert["severity"] == "warning"
    assert alert["fields"]["subject"] == f"venue order {placed.odno}"
    assert alert["fields"]["venue"] == f"BUY 3 {SYMBOL}.KRX ACCEPTED"
    assert alert["fields"]["action"] == "flagged as external"
    assert node.recovery.external_orders == 1


async def test_a_dropped_websocket_is_alerted_and_so_is_its_recovery(
    node: LiveNode, receiver: HttpReceiver
) -> None:
    sim = node.simulator
    assert sim is not None
    assert node.kis is not None
    seen: list[Message] = []
    node.bus.subscribe("events.connection", seen.append)
    (session,) = node.kis.streams.sessions
    assert session.connected
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"http://127.0.0.1:{sim.port}/sim/ws/drop")
    assert answer.json()["dropped"] >= 1

    lost = await _wait_alerts(receiver, "disconnect", 2)  # the drop, then the recovery
    titles = [a["title"] for a in lost]
    assert titles == ["Disconnected: KIS WebSocket sim", "Reconnected: KIS WebSocket sim"]
    assert lost[0]["severity"] == "warning"
    assert lost[1]["severity"] == "info"
    assert [type(m) for m in seen] == [ConnectionLost, ConnectionRestored]
    assert session.connected
