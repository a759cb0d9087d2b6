"""A fill is booked once whether its execution notice or a recovery inquiry comes first.

The simulator's ``notice_delay_ms`` switch holds notices back, so the daily-orders inquiry
already shows a fill whose notice is still on its way: the double count a real gap recovery
(or a timed-out submission's look-up) can meet.
"""

from __future__ import annotations

import asyncio

from jts.domain.enums import OrderStatus
from tests.integration.kis_adapter.conftest import admin, eventually, sim_config
from tests.integration.kis_adapter.ledger import Ledger
from tests.integration.kis_adapter.test_resilience_e2e import SYMBOL, _resting_buy

QTY = 5


async def _filled_at_kis(sim, through: int) -> None:
    await admin(
        sim, "POST", "/sim/trade", {"symbol": SYMBOL, "price": through, "qty": 50, "side": "sell"}
    )


async def test_recovery_before_the_late_notice_books_the_fill_once(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        cid, through = await _resting_buy(node, ledger, client, qty=QTY)
        await admin(sim, "POST", "/sim/faults", {"notice_delay_ms": 1500})
        await _filled_at_kis(sim, through)
        assert await client.recover() >= 1  # the inquiry sees the fill first
        assert ledger.orders[cid].status is OrderStatus.FILLED
        tracked = client.tracker.orders[cid]
        # the notice arrives afterwards (it is read, and counted as a confirmation only)
        await eventually(lambda: sum(tracked.noticed.values()) == QTY, within_s=5)
        await asyncio.sleep(0.2)
        assert [int(f.last_qty.raw) for f in ledger.fills(cid)] == [QTY]
        assert ledger.errors == []
        assert await client.recover() == 0
        await client.disconnect()


async def test_the_notice_before_recovery_books_the_fill_once(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        cid, through = await _resting_buy(node, ledger, client, qty=QTY)
        # a second working order keeps the recovery from skipping its inquiry
        other, _ = await _resting_buy(node, ledger, client, qty=1, ticks_below=20)
        await _filled_at_kis(sim, through)
        await eventually(lambda: ledger.orders[cid].status is OrderStatus.FILLED)
        assert await client.recover() == 0
        assert [int(f.last_qty.raw) for f in ledger.fills(cid)] == [QTY]
        assert ledger.fills(other) == []
        assert ledger.errors == []
        await client.disconnect()
