"""Every ORD_DVSN kind against a real-environment simulator with the legacy tr_id set, and
the cancellable-orders and buyable-amount inquiries."""

from __future__ import annotations

from jts.adapters.kis.config import TrIdSet
from jts.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from jts.domain.identifiers import InstrumentId
from jts.domain.values import Price
from tests.integration.kis_adapter.conftest import eventually, sim_config
from tests.integration.kis_adapter.ledger import Ledger

SYMBOL = "005930"
T, F, S = OrderType, TimeInForce, OrderStatus

#: (type, time in force, priced, expected final status) for ORD_DVSN 00..16
KINDS = [
    (T.LIMIT, F.DAY, True, S.ACCEPTED),  # 00, far from the market: rests
    (T.MARKET, F.DAY, False, S.FILLED),  # 01
    (T.CONDITIONAL_LIMIT, F.DAY, True, S.ACCEPTED),  # 02
    (T.BEST_LIMIT, F.DAY, False, S.FILLED),  # 03
    (T.BEST_OWN_LIMIT, F.DAY, False, S.ACCEPTED),  # 04: joins the bid
    (T.PRE_MARKET_CLOSE, F.DAY, False, S.REJECTED),  # 05: not in its session
    (T.POST_MARKET_CLOSE, F.DAY, False, S.REJECTED),  # 06
    (T.AFTER_HOURS_SINGLE, F.DAY, True, S.REJECTED),  # 07
    (T.LIMIT, F.IOC, True, S.CANCELED),  # 11, far: the exchange cancels the rest
    (T.LIMIT, F.FOK, True, S.CANCELED),  # 12
    (T.MARKET, F.IOC, False, S.FILLED),  # 13
    (T.MARKET, F.FOK, False, S.FILLED),  # 14
    (T.BEST_LIMIT, F.IOC, False, S.FILLED),  # 15
    (T.BEST_LIMIT, F.FOK, False, S.FILLED),  # 16
]


async def test_every_order_kind(start_sim, node_factory):
    sim = await start_sim(sim_config("real", rate_limit_per_s=50))
    async with node_factory(sim, rate=50, tr_ids=TrIdSet.LEGACY) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        snapshot = await node.data_client().inquire_price(InstrumentId(f"{SYMBOL}.KRX"))
        far = int(snapshot.last.raw) - 20 * int(snapshot.tick_size.raw)
        commands = []
        for order_type, tif, priced, _ in KINDS:
            command = ledger.new_order(
                SYMBOL,
                OrderSide.BUY,
                2,
                order_type=order_type,
                tif=tif,
                price=far if priced else None,
            )
            commands.append(command)
            client.submit_order(command)
        await client.drain()
        expected = {c.client_order_id: kind[3] for c, kind in zip(commands, KINDS, strict=True)}
        await eventually(lambda: all(ledger.orders[c].status is s for c, s in expected.items()))
        assert ledger.errors == []
        rejected = [e.reason for e in ledger.events if type(e).__name__ == "OrderRejected"]
        assert all(r.startswith("APBK0919") for r in rejected)
        assert len(rejected) == 3
        reports = await client.order_status_reports(open_only=False)
        by_client = {r.client_order_id: r for r in reports}
        for command, (order_type, tif, _, _) in zip(commands, KINDS, strict=True):
            report = by_client.get(command.client_order_id)
            if report is not None:  # rejected orders never reached the book
                assert (report.order_type, report.time_in_force) == (order_type, tif)
        assert len(by_client) == 11

        cancellable = await client.inquiries.cancellable_orders()  # real: inquire-psbl-rvsecncl
        assert {c.venue_order_id for c in cancellable} == {
            ledger.orders[c.client_order_id].venue_order_id
            for c in commands
            if ledger.orders[c.client_order_id].status is S.ACCEPTED
        }
        assert node.metrics.requests.get("psbl_rvsecncl") == 1
        power = await client.inquiries.buying_power(InstrumentId(f"{SYMBOL}.KRX"), Price(far))
        assert power.max_qty.raw > 0
        assert power.cash.raw > 0
        await client.disconnect()


async def test_paper_cancellable_orders_come_from_the_daily_orders(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        snapshot = await node.data_client().inquire_price(InstrumentId(f"{SYMBOL}.KRX"))
        far = int(snapshot.last.raw) - 20 * int(snapshot.tick_size.raw)
        command = ledger.new_order(SYMBOL, OrderSide.BUY, 3, price=far)
        client.submit_order(command)
        await client.drain()
        (only,) = await client.inquiries.cancellable_orders()
        assert only.venue_order_id == ledger.orders[command.client_order_id].venue_order_id
        assert int(only.cancellable.raw) == 3
        assert node.metrics.requests.get("psbl_rvsecncl") == 0
        await client.disconnect()
