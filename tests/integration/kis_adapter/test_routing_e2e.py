"""Two KIS accounts behind one kernel: orders follow the configured routes, and between
accounts that can both serve, the one with rate-limit headroom gets the order."""

from __future__ import annotations

import dataclasses

from jts.adapters.kis.config import KisAccount
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.rate_limit import Priority
from jts.adapters.kis.simulator.config import AccountConfig
from jts.config.routing import RouteConfig, RoutingConfig
from jts.core.clock import LiveClock
from jts.domain.enums import OrderSide, OrderStatus, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId
from jts.domain.reference import load_reference_instruments
from jts.domain.values import Quantity
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.live.routing import configure_routes
from tests.integration.kis_adapter.conftest import (
    admin,
    client_config,
    eventually,
    keys,
    sim_config,
)

IID = InstrumentId("005930.KRX")
ROUTED, FREE = StrategyId("Routed-1"), StrategyId("Free-1")


def _order(kernel: Kernel, strategy: StrategyId, n: int) -> OrderInitialized:
    now = LiveClock().timestamp_ns()
    return OrderInitialized(
        trader_id=kernel.trader_id,
        strategy_id=strategy,
        instrument_id=IID,
        client_order_id=ClientOrderId(f"R-{n}"),
        ts_event=now,
        ts_init=now,
        side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        quantity=Quantity(1),
    )


async def test_orders_follow_routes_then_headroom(start_sim, tmp_path):
    base = sim_config(apps=2, rate_limit_per_s=50)
    cano = base.accounts[0].cano  # random: the second differs in its last digit
    second = AccountConfig(cano=cano[:7] + str((int(cano[7]) + 1) % 10), hts_id="simuser2")
    sim = await start_sim(dataclasses.replace(base, accounts=(*base.accounts, second)))
    apps = keys(sim)
    first_cfg = sim.config.accounts[0]
    accounts = [
        KisAccount(first_cfg.cano, apps[0], first_cfg.product, first_cfg.hts_id),
        KisAccount(second.cano, apps[1], second.product, second.hts_id),
    ]
    async with KisNode(client_config(sim, tmp_path, rate=50), apps, accounts) as node:
        kernel = Kernel(LiveClock(), risk_limits=RiskLimits(check_buying_power=False))
        kernel.add_instruments(i for i in load_reference_instruments() if i.id == IID)
        one, two = (node.execution_client(a) for a in accounts)
        for client in (one, two):
            kernel.add_execution_client(client)
            assert client.available_capacity() == 0.0  # not connected: nothing to offer
            await client.connect()
        routing = RoutingConfig(
            routes=(RouteConfig(strategy=str(ROUTED), accounts=(str(two.account_id),)),)
        )
        configure_routes(kernel.execution.router, routing)
        kernel.start()

        def place(strategy: StrategyId, n: int) -> str:
            kernel.submit_order(_order(kernel, strategy, n), None)
            order = kernel.cache.order(ClientOrderId(f"R-{n}"))
            assert order is not None
            return str(order.account_id)

        assert place(ROUTED, 1) == str(two.account_id)  # its route
        assert place(FREE, 2) == str(one.account_id)  # both idle: the first registered
        while one._rest.limiter.try_acquire(Priority.QUERY):  # account one's key is busy
            pass
        assert one.available_capacity() < two.available_capacity()
        assert place(FREE, 3) == str(two.account_id)
        for client in (one, two):
            await client.drain()
        for n in (1, 2, 3):
            cid = ClientOrderId(f"R-{n}")
            await eventually(lambda cid=cid: kernel.cache.order(cid).status is OrderStatus.FILLED)
        assert kernel.portfolio.position_qty(IID, ROUTED) == 1
        assert kernel.portfolio.position_qty(IID, FREE) == 2
        books = (await admin(sim, "GET", "/sim/state"))["accounts"]
        assert books[first_cfg.key]["holdings"] == {"005930": 1}
        assert books[second.key]["holdings"] == {"005930": 2}
        for client in (one, two):
            await client.disconnect()
