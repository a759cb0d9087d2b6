"""``[routing]`` applied to a node's order router."""

from __future__ import annotations

import pytest

from jts.config.routing import RouteConfig, RoutingConfig
from jts.core.errors import ConfigError
from jts.domain.identifiers import InstrumentId, StrategyId
from jts.kernel.execution.router import OrderRouter
from jts.live.routing import configure_routes
from tests.unit.kernel.execution.test_router import Account

SAMSUNG, HYNIX = InstrumentId("005930.KRX"), InstrumentId("000660.KRX")


def test_routes_reach_the_router() -> None:
    router = OrderRouter()
    a, b = Account("A"), Account("B")
    router.add_client(a)
    router.add_client(b)
    routing = RoutingConfig(
        routes=(
            RouteConfig(strategy="Alpha-1", accounts=("SIM-B",)),
            RouteConfig(instrument="000660.KRX", accounts=("SIM-B",)),
        )
    )
    assert configure_routes(router, routing) == 2
    assert router.route(SAMSUNG, StrategyId("Alpha-1")) is b
    assert router.route(HYNIX, StrategyId("Beta-1")) is b
    assert router.route(SAMSUNG, StrategyId("Beta-1")) is a


def test_a_route_to_an_account_the_node_does_not_trade_stops_it() -> None:
    router = OrderRouter()
    router.add_client(Account("A"))
    router.add_client(Account("B"))
    routing = RoutingConfig(
        routes=(
            RouteConfig(strategy="Alpha-1", accounts=("SIM-B",)),
            RouteConfig(strategy="Beta-1", accounts=("SIM-A", "KIS-12345678-01")),
        )
    )
    with pytest.raises(ConfigError) as caught:
        configure_routes(router, routing)
    assert "routing.routes[1]" in str(caught.value)
    assert "KIS-12345678-01" in str(caught.value)
    assert "its accounts: SIM-A, SIM-B" in str(caught.value)
    # checked before anything is added: Alpha-1 still has no route of its own
    assert router.route(SAMSUNG, StrategyId("Alpha-1")).account_id == "SIM-A"
