"""KIS (Korea Investment & Securities) Open API adapter: REST and WebSocket clients behind the
execution and market data ports, plus a local simulator of the service (`simulator`).

Pointing the adapter at the simulator, the real paper (모의투자) servers or the real servers is
a matter of configuration only::

    config = KisClientConfig(env=KisEnv.PAPER)                       # KIS's paper hosts
    config = KisClientConfig(env=KisEnv.PAPER, hosts=KisHosts.local(29443, 31000))  # simulator
    app = KisAppKey(app_key, app_secret)
    account = KisAccount("12345678", app, "01", hts_id="myhtsid")
    async with KisNode(config, [app], [account]) as node:
        execution = node.execution_client(account)   # an ExecutionClient
        data = node.data_client()                     # a MarketDataClient

The public names below are imported lazily, so ``import jts.adapters.kis.simulator`` does not
load the client (nor the client the simulator): neither depends on the other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from jts.adapters.kis.config import (
        KisAccount,
        KisAppKey,
        KisClientConfig,
        KisEnv,
        KisHosts,
        RateLimitConfig,
        RetryConfig,
        TokenConfig,
        TrIdSet,
        WsConfig,
    )
    from jts.adapters.kis.costs import FillCosts, KrxFillCosts
    from jts.adapters.kis.data import KisMarketDataClient
    from jts.adapters.kis.errors import (
        KisApiError,
        KisAuthError,
        KisError,
        KisFrameError,
        KisMarketClosedError,
        KisOrderStateUnknownError,
        KisProtocolError,
        KisRateLimitError,
        KisRejectedError,
        KisServerError,
        KisSubscriptionError,
        KisTimeoutError,
        KisTokenError,
        KisTransportError,
        KisUnknownSymbolError,
        KisUnsupportedError,
    )
    from jts.adapters.kis.execution import KisExecutionClient
    from jts.adapters.kis.metrics import KisMetrics
    from jts.adapters.kis.node import KisNode
    from jts.adapters.kis.parse import BuyingPower, KisPriceSnapshot

_MODULES: Final = {
    "config": (
        "KisAccount",
        "KisAppKey",
        "KisClientConfig",
        "KisEnv",
        "KisHosts",
        "RateLimitConfig",
        "RetryConfig",
        "TokenConfig",
        "TrIdSet",
        "WsConfig",
    ),
    "costs": ("FillCosts", "KrxFillCosts"),
    "data": ("KisMarketDataClient",),
    "errors": (
        "KisApiError",
        "KisAuthError",
        "KisError",
        "KisFrameError",
        "KisMarketClosedError",
        "KisOrderStateUnknownError",
        "KisProtocolError",
        "KisRateLimitError",
        "KisRejectedError",
        "KisServerError",
        "KisSubscriptionError",
        "KisTimeoutError",
        "KisTokenError",
        "KisTransportError",
        "KisUnknownSymbolError",
        "KisUnsupportedError",
    ),
    "execution": ("KisExecutionClient",),
    "metrics": ("KisMetrics",),
    "node": ("KisNode",),
    "parse": ("BuyingPower", "KisPriceSnapshot"),
}
_WHERE: Final = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "BuyingPower",
    "FillCosts",
    "KisAccount",
    "KisApiError",
    "KisAppKey",
    "KisAuthError",
    "KisClientConfig",
    "KisEnv",
    "KisError",
    "KisExecutionClient",
    "KisFrameError",
    "KisHosts",
    "KisMarketClosedError",
    "KisMarketDataClient",
    "KisMetrics",
    "KisNode",
    "KisOrderStateUnknownError",
    "KisPriceSnapshot",
    "KisProtocolError",
    "KisRateLimitError",
    "KisRejectedError",
    "KisServerError",
    "KisSubscriptionError",
    "KisTimeoutError",
    "KisTokenError",
    "KisTransportError",
    "KisUnknownSymbolError",
    "KisUnsupportedError",
    "KrxFillCosts",
    "RateLimitConfig",
    "RetryConfig",
    "TokenConfig",
    "TrIdSet",
    "WsConfig",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
