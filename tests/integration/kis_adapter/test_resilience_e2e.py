"""The adapter against a misbehaving simulator: dropped WebSockets, 5xx bursts, lost answers
and a restart; no fill may be lost and no order may be sent twice."""

from __future__ import annotations

from jts.adapters.kis.config import RetryConfig, WsConfig
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.identifiers import InstrumentId
from jts.domain.values import Quantity
from tests.integration.kis_adapter.conftest import admin, eventually, sim_config
from tests.integration.kis_adapter.ledger import Ledger

SYMBOL = "005930"
SLOW_RECONNECT = WsConfig(reconnect_base_s=0.6, reconnect_max_s=1.0, reconnect_jitter=0.0)


async def _resting_buy(node, ledger, client, qty: int = 5, ticks_below: int = 10):
    snapshot = await node.data_client().inquire_price(InstrumentId(f"{SYMBOL}.KRX"))
    tick, last = int(snapshot.tick_size.raw), int(snapshot.last.raw)
    command = ledger.new_order(SYMBOL, OrderSide.BUY, qty, price=last - ticks_below * tick)
    client.submit_order(command)
    await client.drain()
    cid = command.client_order_id
    await eventually(lambda: ledger.orders[cid].status is OrderStatus.ACCEPTED)
    return cid, last - (ticks_below + 1) * tick


async def test_a_fill_during_a_websocket_drop_is_recovered(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50, ws=SLOW_RECONNECT) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        cid, through = await _resting_buy(node, ledger, client)
        await admin(sim, "POST", "/sim/ws/drop")
        await admin(
            sim,
            "POST",
            "/sim/trade",
            {"symbol": SYMBOL, "price": through, "qty": 50, "side": "sell"},
        )
        await eventually(lambda: ledger.orders[cid].status is OrderStatus.FILLED)
        assert sum(f.last_qty.raw for f in ledger.fills(cid)) == 5
        assert node.metrics.recovered_fills.total() == 1
        assert node.metrics.reconnects.total() >= 1
        assert ledger.errors == []
        await client.disconnect()


async def test_5xx_bursts_are_retried_for_queries_and_never_resend_orders(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        await admin(
            sim,
            "POST",
            "/sim/faults",
            {"error_next": 2, "paths": ["/uapi/domestic-stock/v1/quotations"]},
        )
        snapshot = await node.data_client().inquire_price(InstrumentId(f"{SYMBOL}.KRX"))
        assert snapshot.last.raw > 0
        assert node.metrics.retries.get("price") == 2
        await admin(
            sim,
            "POST",
            "/sim/faults",
            {"error_rate": 0.4, "paths": ["/uapi/domestic-stock/v1/trading/inquire"]},
        )
        for _ in range(5):
            await client.position_reports()
        await admin(
            sim,
            "POST",
            "/sim/faults",
            {
                "reset": True,
                "error_next": 1,
                "paths": ["/uapi/domestic-stock/v1/trading/order-cash"],
            },
        )
        command = ledger.new_order(SYMBOL, OrderSide.BUY, 1, order_type=OrderType.MARKET)
        client.submit_order(command)
        await client.drain()
        order = ledger.orders[command.client_order_id]
        assert order.status is OrderStatus.REJECTED  # the 5xx answer came before processing
        state = await admin(sim, "GET", "/sim/state")
        assert state["orders"] == 0
        assert state["injected_errors"] >= 3
        assert ledger.errors == []
        await client.disconnect()


async def test_an_order_whose_answer_is_lost_is_looked_up_not_resent(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    retry = RetryConfig(timeout_s=0.5, backoff_base_s=0.05, order_lookup_delay_s=0.2)
    async with node_factory(sim, rate=50, retry=retry) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        await admin(
            sim,
            "POST",
            "/sim/faults",
            {
                "timeout_next": 1,
                "timeout_phase": "after",
                "timeout_hold_s": 3,
                "paths": ["/uapi/domestic-stock/v1/trading/order-cash"],
            },
        )
        command = ledger.new_order(SYMBOL, OrderSide.BUY, 3, order_type=OrderType.MARKET)
        client.submit_order(command)
        await client.drain()
        cid = command.client_order_id
        await eventually(lambda: ledger.orders[cid].status is OrderStatus.FILLED)
        state = await admin(sim, "GET", "/sim/state")
        assert state["orders"] == 1
        assert state["injected_timeouts"] == 1
        assert node.metrics.errors.get("timeout") == 1
        assert sum(f.last_qty.raw for f in ledger.fills(cid)) == 3
        assert ledger.errors == []
        await client.disconnect()


async def test_no_fill_is_lost_across_a_simulator_restart(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50, ws=SLOW_RECONNECT) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        cid, through = await _resting_buy(node, ledger, client, qty=4)
        await sim.stop()
        sim.ctx.venue.inject_trade(SYMBOL, through, 40, "5")  # fills while nobody listens
        await sim.start()
        await eventually(lambda: ledger.orders[cid].status is OrderStatus.FILLED, within_s=15)
        assert ledger.orders[cid].filled_qty == Quantity(4)
        assert node.metrics.recovered_fills.total() == 1
        reports = await client.fill_reports()
        assert [r.trade_id for r in reports] == [f.trade_id for f in ledger.fills(cid)]
        assert ledger.errors == []
        await client.disconnect()
