"""The simulator's parts, wired once and shared by the HTTP and WebSocket handlers."""

from __future__ import annotations

from dataclasses import dataclass

from jts.adapters.kis.simulator.auth import AuthAuthority
from jts.adapters.kis.simulator.config import SimulatorConfig
from jts.adapters.kis.simulator.faults import FaultInjector
from jts.adapters.kis.simulator.hours import MarketHours
from jts.adapters.kis.simulator.market import SyntheticMarket
from jts.adapters.kis.simulator.rate_limit import KeyedRateLimiter
from jts.adapters.kis.simulator.state import SimState
from jts.adapters.kis.simulator.venue import SimVenue
from jts.adapters.kis.simulator.websocket import WsHub
from jts.core.clock import Clock

__all__ = ["SimContext"]


@dataclass(slots=True)
class SimContext:
    config: SimulatorConfig
    clock: Clock
    auth: AuthAuthority
    limiter: KeyedRateLimiter
    state: SimState
    market: SyntheticMarket
    venue: SimVenue
    hub: WsHub
    faults: FaultInjector
    hours: MarketHours
    dirty: bool = False  # state changed since the last save

    @property
    def env(self) -> str:
        return self.config.env
