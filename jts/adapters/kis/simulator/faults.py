"""Fault injection: 5xx answers, timeouts, delays, dropped WebSocket sessions, schema drift.

The switches live in one mutable `FaultSettings`, changed at run time through the admin endpoint
(``POST /sim/faults``), so an integration test can turn a fault on, watch the client cope, and
turn it off. Deterministic counters (``error_next``, ``timeout_next``) fail exactly the next N
requests; rates draw from a seeded generator so a run can be repeated.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Middleware

from jts.adapters.kis.simulator.codes import Codes
from jts.adapters.kis.simulator.config import FaultSettings
from jts.adapters.kis.simulator.envelope import error_body, kis_response
from jts.core.errors import ConfigError

__all__ = ["ADMIN_PREFIX", "FaultInjector", "fault_middleware"]

ADMIN_PREFIX = "/sim"
Decision = Literal["pass", "error", "timeout"]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FaultInjector:
    def __init__(self, settings: FaultSettings, seed: int = 0) -> None:
        self.settings = settings
        self._rng = random.Random(f"faults:{seed}")  # noqa: S311 - reproducible, not secret
        self.injected_errors = 0
        self.injected_timeouts = 0
        self.dropped_sessions = 0

    def update(self, changes: Mapping[str, Any]) -> FaultSettings:
        """Apply a partial change; unknown keys or invalid values leave everything unchanged."""
        names = {f.name for f in dataclasses.fields(FaultSettings)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown fault switches {unknown}; known: {sorted(names)}")
        values = dict(changes)
        if "paths" in values:
            values["paths"] = tuple(values["paths"])
        try:
            candidate = dataclasses.replace(self.settings, **values)
        except TypeError as exc:
            raise ConfigError(f"bad fault switches: {exc}") from exc
        candidate.validate()
        self.settings = candidate
        return candidate

    def reset(self) -> FaultSettings:
        self.settings = FaultSettings()
        return self.settings

    def applies(self, path: str) -> bool:
        if path.startswith(ADMIN_PREFIX):
            return False
        prefixes = self.settings.paths
        return not prefixes or any(path.startswith(prefix) for prefix in prefixes)

    def decide(self) -> Decision:
        """Consume the counters first, then the rates."""
        s = self.settings
        if s.error_next > 0:
            s.error_next -= 1
            return "error"
        if s.timeout_next > 0:
            s.timeout_next -= 1
            return "timeout"
        draw = self._rng.random()
        if draw < s.error_rate:
            return "error"
        if draw < s.error_rate + s.timeout_rate:
            return "timeout"
        return "pass"

    def drop_now(self, interval_s: float) -> bool:
        """Whether the WebSocket sessions should be dropped in this interval."""
        rate = self.settings.ws_drop_rate_per_s
        return rate > 0 and self._rng.random() < rate * interval_s


def fault_middleware(injector: FaultInjector) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not injector.applies(request.path):
            return await handler(request)
        settings = injector.settings
        if settings.delay_ms:
            await asyncio.sleep(settings.delay_ms / 1000)
        decision = injector.decide()
        if decision == "error":
            injector.injected_errors += 1
            return kis_response(error_body(Codes.SERVER_ERROR), status=settings.error_status)
        if decision == "timeout":
            injector.injected_timeouts += 1
            if settings.timeout_phase == "after":
                await handler(request)  # the work is done; only the answer is lost
            await asyncio.sleep(settings.timeout_hold_s)
            return kis_response(error_body(Codes.SERVER_ERROR), status=504)
        return await handler(request)

    return middleware
