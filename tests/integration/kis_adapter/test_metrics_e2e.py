"""The metrics hooks (issue 5 §1) move as the adapter works against the simulator: requests and
their latency per operation, errors by KIS code, rate-limit waits, tokens issued, reconnects,
subscriptions, benched keys and notices of orders placed outside JTS."""

from __future__ import annotations

import asyncio

from jts.adapters.kis.config import RetryConfig, WsConfig
from jts.adapters.kis.endpoints import ENDPOINTS, Operation
from jts.adapters.kis.schemas import OrderReply
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.identifiers import InstrumentId
from tests.integration.kis_adapter.conftest import admin, eventually, sim_config
from tests.integration.kis_adapter.ledger import Ledger

SYMBOL = "005930"
IID = InstrumentId(f"{SYMBOL}.KRX")


async def _order_from_elsewhere(node, sim) -> None:
    """An order the execution client never saw (as if placed in HTS): a raw REST call."""
    account = sim.config.accounts[0]
    rest = node.rest(sim.config.apps[1].app_key)
    body = {
        "CANO": account.cano,
        "ACNT_PRDT_CD": account.product,
        "PDNO": SYMBOL,
        "ORD_DVSN": "01",
        "ORD_QTY": "1",
        "ORD_UNPR": "0",
    }
    reply = await rest.request(ENDPOINTS[Operation.ORDER_BUY], OrderReply, body=body)
    assert reply.body.output is not None


async def test_every_metrics_hook_counts_what_happened(start_sim, node_factory):
    sim = await start_sim(sim_config(apps=2, rate_limit_per_s=50))
    ws = WsConfig(reconnect_base_s=0.1, reconnect_max_s=0.5, stale_after_s=5)
    retry = RetryConfig(timeout_s=3, backoff_base_s=0.05, query_attempts=1)
    overrides = {"ws": ws, "retry": retry, "bench_after_failures": 1, "orphan_notice_ttl_s": 1.0}
    async with node_factory(sim, rate=20, burst=2, **overrides) as node:
        metrics = node.metrics
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        data = node.data_client()

        # requests and latency per operation; a burst beyond the local bucket waits
        await asyncio.gather(*(data.inquire_price(IID) for _ in range(8)))
        assert metrics.requests.get("price") == 8
        assert metrics.latency.count("price") == 8
        assert metrics.latency.sum("price") > 0
        waits = metrics.rate_limit_waits.total()
        assert waits >= 1
        assert sum(metrics.rate_limit_wait_seconds.count(k) for k in ("app0", "app1")) == waits
        assert metrics.tokens_issued.total() >= 1

        # errors by KIS code: an order for a symbol KIS does not know
        bad = ledger.new_order("999999", OrderSide.BUY, 1, order_type=OrderType.MARKET)
        client.submit_order(bad)
        await client.drain()
        assert ledger.orders[bad.client_order_id].status is OrderStatus.REJECTED
        assert metrics.errors.get("APBK0656") == 1

        # subscriptions are a gauge per session; a drop is a reconnect
        data.subscribe_trade_ticks(IID)
        await eventually(lambda: metrics.subscriptions.total() == 2)  # ticks + notices
        await admin(sim, "POST", "/sim/ws/drop")
        await eventually(lambda: metrics.reconnects.total() >= 1)
        await eventually(lambda: metrics.subscriptions.total() == 2)

        # a key answering 5xx is benched; the other key answers the same query
        await admin(sim, "POST", "/sim/faults", {"error_next": 1})
        snapshot = await data.inquire_price(IID)
        assert snapshot.last.raw > 0
        assert metrics.benched_keys.total() == 1

        # a notice of an order JTS did not place ends up counted as foreign; the order waits
        # until the reconnected session holds the notice subscription again (the gauge counts
        # what the client wants, not what the server has registered)
        hub, hts_id = sim.ctx.hub, sim.config.accounts[0].hts_id
        await eventually(lambda: hub.is_subscribed(hub.notice_tr_id, hts_id))
        await _order_from_elsewhere(node, sim)
        await eventually(lambda: metrics.foreign_notices.total() >= 1, within_s=10)
        await client.disconnect()
