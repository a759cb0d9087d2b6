"""A local KIS Open API simulator: the real REST and WebSocket wire protocol, a synthetic KRX
market and a simulated broker behind it, with fault switches for tests.

Start it with ``python -m jts.adapters.kis.simulator`` (``jts sim kis``) or in-process::

    async with KisSimulator(SimulatorConfig.generate("paper")) as sim:
        ...  # point a client at sim.rest_url and sim.ws_url + "/tryitout"

It imports nothing from the KIS client adapter: any KIS client (the official samples,
python-kis, ours) talks to it only through the wire protocol.
"""

from jts.adapters.kis.simulator.config import (
    AccountConfig,
    AppConfig,
    FaultSettings,
    HoldingConfig,
    SimulatorConfig,
    SymbolConfig,
    load_config,
)
from jts.adapters.kis.simulator.crypto import NoticeCipher
from jts.adapters.kis.simulator.market import ReplayBar
from jts.adapters.kis.simulator.server import KisSimulator, build_app, run, serve

__all__ = [
    "AccountConfig",
    "AppConfig",
    "FaultSettings",
    "HoldingConfig",
    "KisSimulator",
    "NoticeCipher",
    "ReplayBar",
    "SimulatorConfig",
    "SymbolConfig",
    "build_app",
    "load_config",
    "run",
    "serve",
]
