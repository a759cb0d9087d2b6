"""The ``[routing]`` section applied to the kernel's order router (see `jts.config.routing`)."""

from __future__ import annotations

from jts.config.routing import RoutingConfig
from jts.core.errors import ConfigError
from jts.domain.identifiers import AccountId, InstrumentId, StrategyId
from jts.kernel.execution.router import OrderRouter

__all__ = ["configure_routes"]


def configure_routes(router: OrderRouter, routing: RoutingConfig) -> int:
    """Add every configured route; returns how many. Call it once the node's execution clients
    are registered: a route naming an account the node does not trade is refused (a typo would
    otherwise send that strategy's orders nowhere, or to the default account unnoticed)."""
    known = {client.account_id for client in router.clients()}
    for n, route in enumerate(routing.routes):
        accounts = [AccountId(name) for name in route.accounts]
        unknown = [str(a) for a in accounts if a not in known]
        if unknown:
            raise ConfigError(
                f"config error: routing.routes[{n}] names accounts this node does not trade: "
                f"{', '.join(unknown)} (its accounts: {', '.join(sorted(map(str, known)))})"
            )
    for route in routing.routes:
        router.add_route(
            [AccountId(name) for name in route.accounts],
            strategy_id=StrategyId(route.strategy) if route.strategy else None,
            instrument_id=InstrumentId(route.instrument) if route.instrument else None,
        )
    return len(routing.routes)
