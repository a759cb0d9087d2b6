"""Orders against the simulator: placed, modified, cancelled and filled, with the execution
notices decrypted from the WebSocket, and every event accepted by the domain order."""

from __future__ import annotations

from jts.adapters.kis.frames import NOTICE_TR_PAPER
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.identifiers import InstrumentId
from jts.domain.values import Quantity
from tests.integration.kis_adapter.conftest import admin, eventually, sim_config
from tests.integration.kis_adapter.ledger import Ledger

SYMBOL = "005930"


async def test_limit_and_market_orders_modified_cancelled_and_filled(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        account = node._accounts[0]
        client = node.execution_client(account)
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        data = node.data_client()
        snapshot = await data.inquire_price(InstrumentId(f"{SYMBOL}.KRX"))
        tick = int(snapshot.tick_size.raw)
        last = int(snapshot.last.raw)

        resting = ledger.new_order(SYMBOL, OrderSide.BUY, 5, price=last - 10 * tick)
        client.submit_order(resting)
        await client.drain()
        cid = resting.client_order_id
        await eventually(lambda: ledger.orders[cid].status is OrderStatus.ACCEPTED)

        client.modify_order(ledger.modify(cid, price=last - 5 * tick))
        await client.drain()
        order = ledger.orders[cid]
        assert order.status is OrderStatus.ACCEPTED
        assert int(order.price.raw) == last - 5 * tick
        assert len(order.venue_order_ids) == 2  # KIS gave the modified order a new number

        client.modify_order(ledger.modify(cid, qty=3))
        await client.drain()
        assert order.quantity == Quantity(3)

        client.cancel_order(ledger.cancel(cid))
        await client.drain()
        await eventually(lambda: order.status is OrderStatus.CANCELED)

        market = ledger.new_order(SYMBOL, OrderSide.BUY, 7, order_type=OrderType.MARKET)
        client.submit_order(market)
        await client.drain()
        await eventually(lambda: ledger.orders[market.client_order_id].status is OrderStatus.FILLED)

        sell = ledger.new_order(SYMBOL, OrderSide.SELL, 2, price=last - 20 * tick)
        client.submit_order(sell)
        await client.drain()
        await eventually(lambda: ledger.orders[sell.client_order_id].status is OrderStatus.FILLED)
        (sell_fill,) = ledger.fills(sell.client_order_id)
        assert sell_fill.tax.raw > 0  # the transaction tax is charged on sells

        waiting = ledger.new_order(SYMBOL, OrderSide.BUY, 4, price=last - 30 * tick)
        client.submit_order(waiting)
        await client.drain()
        await eventually(
            lambda: ledger.orders[waiting.client_order_id].status is OrderStatus.ACCEPTED
        )
        # a print through the limit (the simulator fills on trade-through, not on touch)
        await admin(
            sim,
            "POST",
            "/sim/trade",
            {"symbol": SYMBOL, "price": last - 31 * tick, "qty": 100, "side": "sell"},
        )
        await eventually(
            lambda: ledger.orders[waiting.client_order_id].status is OrderStatus.FILLED
        )

        assert ledger.errors == []
        assert node.metrics.frames.get(NOTICE_TR_PAPER) >= 6  # fills came as decrypted notices
        assert node.metrics.frame_errors.total() == 0
        positions = await client.position_reports()
        held = {str(p.instrument_id): p.quantity for p in positions}
        assert held[f"{SYMBOL}.KRX"] == Quantity(7 - 2 + 4)
        await client.disconnect()
        await data.disconnect()


async def test_business_rejections_reach_the_order_with_the_brokers_message(
    start_sim, node_factory
):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        unknown = ledger.new_order("999999", OrderSide.BUY, 1, order_type=OrderType.MARKET)
        too_many = ledger.new_order(SYMBOL, OrderSide.SELL, 1_000_000, order_type=OrderType.MARKET)
        client.submit_order(unknown)
        client.submit_order(too_many)
        await client.drain()
        await admin(sim, "POST", "/sim/market-hours", {"mode": "closed"})
        closed = ledger.new_order(SYMBOL, OrderSide.BUY, 1, order_type=OrderType.MARKET)
        client.submit_order(closed)
        await client.drain()
        reasons = {
            c.client_order_id: ledger.orders[c.client_order_id] for c in (unknown, too_many, closed)
        }
        assert all(o.status is OrderStatus.REJECTED for o in reasons.values())
        rejected = [e for e in ledger.events if type(e).__name__ == "OrderRejected"]
        codes = sorted(e.reason.split()[0] for e in rejected)
        assert codes == ["APBK0400", "APBK0656", "APBK0919"]
        assert ledger.errors == []
        await client.disconnect()


async def test_a_burst_of_buys_and_sells_reaches_the_venue_in_the_order_it_was_made(
    start_sim, node_factory
):
    """Buy, sell, buy, sell... from an empty account, all at once on fresh connections: a sell
    overtaking its buy would be refused for want of shares (KIS APBK0400)."""
    sim = await start_sim(sim_config(rate_limit_per_s=200))
    async with node_factory(sim, rate=200, burst=50) as node:
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        orders = [
            ledger.new_order(SYMBOL, side, 1, order_type=OrderType.MARKET)
            for _ in range(8)
            for side in (OrderSide.BUY, OrderSide.SELL)
        ]
        for order in orders:
            client.submit_order(order)
        await client.drain()
        for order in orders:
            cid = order.client_order_id
            await eventually(lambda cid=cid: ledger.orders[cid].status is OrderStatus.FILLED)
        venue_ids = [ledger.orders[o.client_order_id].venue_order_id for o in orders]
        assert venue_ids == sorted(venue_ids, key=lambda v: int(str(v)))  # numbered as sent
        assert ledger.errors == []
        await client.disconnect()


async def test_an_order_is_written_to_kis_in_the_call_that_makes_it(start_sim, node_factory):
    """Once a kept-alive connection is open, `submit_order` writes the request before it
    returns (the order leaves before the kernel's listeners run); the first order, with no
    connection yet, goes the usual way and opens one. Both are answered and filled."""
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        wire = node.order_wire
        assert wire is not None
        client = node.execution_client(node._accounts[0])
        ledger = Ledger(client.account_id)
        client.bind(ledger)
        await client.connect()
        first = ledger.new_order(SYMBOL, OrderSide.BUY, 1, order_type=OrderType.MARKET)
        client.submit_order(first)
        assert wire.sent_now == 0  # nothing kept alive yet: the usual way
        await client.drain()
        await eventually(lambda: ledger.orders[first.client_order_id].status is OrderStatus.FILLED)
        for side in (OrderSide.SELL, OrderSide.BUY):
            order = ledger.new_order(SYMBOL, side, 1, order_type=OrderType.MARKET)
            sent = wire.sent_now
            client.submit_order(order)
            assert wire.sent_now == sent + 1  # written before submit_order returned
            await client.drain()
            cid = order.client_order_id
            await eventually(lambda cid=cid: ledger.orders[cid].status is OrderStatus.FILLED)
        assert ledger.errors == []
        await client.disconnect()
