"""Balance and daily orders/fills with ``tr_cont`` paging against the simulator (small pages
force several round trips)."""

from __future__ import annotations

from jts.domain.enums import OrderSide, OrderStatus, OrderType
from tests.integration.kis_adapter.conftest import eventually, sim_config
from tests.integration.kis_adapter.ledger import Ledger

SYMBOLS = ["005930", "000660", "035420", "035720", "105560"]


async def test_balance_and_fills_span_several_pages(start_sim, node_factory):
    sim = await start_sim(
        sim_config(rate_limit_per_s=50, balance_page_size=2, daily_ccld_page_size=3)
    )
    async with node_factory(sim, rate=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        commands = [
            ledger.new_order(symbol, OrderSide.BUY, 1 + i % 3, order_type=OrderType.MARKET)
            for i, symbol in enumerate(SYMBOLS * 2)
        ]
        for command in commands:
            client.submit_order(command)
        await client.drain()
        await eventually(
            lambda: all(o.status is OrderStatus.FILLED for o in ledger.orders.values())
        )
        before = node.metrics.requests.get("daily_ccld")
        fills = await client.fill_reports()
        assert node.metrics.requests.get("daily_ccld") - before == 4  # 10 rows, 3 a page
        assert len(fills) == 10
        mine = {f.trade_id for f in ledger.fills()}
        assert {f.trade_id for f in fills} == mine  # reports and notices agree on trade ids
        orders = await client.order_status_reports(open_only=False)
        assert len(orders) == 10
        assert all(o.order_status is OrderStatus.FILLED for o in orders)
        assert {o.client_order_id for o in orders} == set(ledger.orders)
        before = node.metrics.requests.get("balance")
        positions = await client.position_reports()
        assert node.metrics.requests.get("balance") - before == 3  # 5 rows, 2 a page
        held = {str(p.instrument_id.symbol): int(p.quantity.raw) for p in positions}
        expected = {s: 0 for s in SYMBOLS}
        for command in commands:
            expected[str(command.instrument_id.symbol)] += int(command.order.quantity.raw)
        assert held == expected
        assert ledger.errors == []
        await client.disconnect()
