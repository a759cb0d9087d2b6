"""The execution client inside the real kernel: the OMS applies every KIS event without a
refused transition, and the portfolio sees the fill."""

from __future__ import annotations

from jts.core.clock import LiveClock
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId
from jts.domain.reference import load_reference_instruments
from jts.domain.values import Quantity
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from tests.integration.kis_adapter.conftest import eventually, sim_config

IID = InstrumentId("005930.KRX")


async def test_orders_through_the_kernel(start_sim, node_factory):
    sim = await start_sim(sim_config(rate_limit_per_s=50))
    async with node_factory(sim, rate=50) as node:
        kernel = Kernel(LiveClock(), risk_limits=RiskLimits(check_buying_power=False))
        kernel.add_instruments(i for i in load_reference_instruments() if i.id == IID)
        client = node.execution_client(node._accounts[0])
        kernel.add_execution_client(client)
        await client.connect()
        kernel.start()
        strategy = StrategyId("KIS-1")
        now = LiveClock().timestamp_ns()
        market = OrderInitialized(
            trader_id=kernel.trader_id,
            strategy_id=strategy,
            instrument_id=IID,
            client_order_id=ClientOrderId("K-1"),
            ts_event=now,
            ts_init=now,
            side=OrderSide.BUY,
            order_type=OrderType.MARKET,
            quantity=Quantity(3),
        )
        kernel.submit_order(market, client.account_id)
        order = kernel.cache.order(ClientOrderId("K-1"))
        assert order is not None
        await client.drain()
        await eventually(lambda: order.status is OrderStatus.FILLED)
        assert kernel.portfolio.position_qty(IID, strategy) == 3
        stats = kernel.execution.stats
        assert (stats.illegal_transitions, stats.unknown_orders, stats.duplicate_fills) == (0, 0, 0)
        await client.disconnect()
