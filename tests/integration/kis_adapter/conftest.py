"""End-to-end fixtures: the KIS simulator in this process on free ports, and a `KisNode`
pointed at it through configuration only (hosts, keys, accounts), as a user would point the
adapter at the real paper or real servers."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import string
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from jts.adapters.kis.config import (
    KisAccount,
    KisAppKey,
    KisClientConfig,
    KisEnv,
    KisHosts,
    RateLimitConfig,
    RetryConfig,
    TokenConfig,
    WsConfig,
)
from jts.adapters.kis.node import KisNode
from jts.adapters.kis.simulator import AppConfig, KisSimulator, SimulatorConfig

_ALNUM = string.ascii_letters + string.digits


def new_app() -> AppConfig:
    key = "PS" + "".join(secrets.choice(_ALNUM) for _ in range(34))
    return AppConfig(app_key=key, app_secret="".join(secrets.choice(_ALNUM) for _ in range(180)))


def sim_config(env: str = "paper", apps: int = 1, **overrides: Any) -> SimulatorConfig:
    base = SimulatorConfig.generate(env, tick_interval_s=0.1, **overrides)  # type: ignore[arg-type]
    if apps > 1:
        base = dataclasses.replace(base, apps=(*base.apps, *(new_app() for _ in range(apps - 1))))
    return base


@pytest.fixture
async def start_sim() -> AsyncIterator[Callable[..., Awaitable[KisSimulator]]]:
    started: list[KisSimulator] = []

    async def start(config: SimulatorConfig) -> KisSimulator:
        sim = KisSimulator(config)
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        if sim.running:
            await sim.stop()


def client_config(sim: KisSimulator, tmp_path: Path, **overrides: Any) -> KisClientConfig:
    env = KisEnv(sim.config.env)
    rate = overrides.pop("rate", sim.config.rate_per_s)
    return KisClientConfig(
        env=env,
        hosts=KisHosts.local(sim.port, sim.ws_port),
        rate_limit=RateLimitConfig(
            rate_per_s=rate, burst=overrides.pop("burst", max(1, rate // 2))
        ),
        tokens=TokenConfig(cache_dir=tmp_path / "tokens"),
        retry=overrides.pop(
            "retry", RetryConfig(timeout_s=3, backoff_base_s=0.05, order_lookup_delay_s=0.2)
        ),
        ws=overrides.pop(
            "ws", WsConfig(reconnect_base_s=0.1, reconnect_max_s=0.5, stale_after_s=5)
        ),
        **overrides,
    )


def keys(sim: KisSimulator) -> list[KisAppKey]:
    return [
        KisAppKey(a.app_key, a.app_secret, name=f"app{i}") for i, a in enumerate(sim.config.apps)
    ]


def account(sim: KisSimulator, app: KisAppKey) -> KisAccount:
    acct = sim.config.accounts[0]
    return KisAccount(acct.cano, app, acct.product, acct.hts_id)


async def admin(sim: KisSimulator, method: str, path: str, body: dict | None = None) -> Any:
    async with httpx.AsyncClient(base_url=sim.rest_url) as client:
        response = await client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()


async def eventually(predicate: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def node_factory(tmp_path: Path) -> Callable[..., KisNode]:
    def make(sim: KisSimulator, **overrides: Any) -> KisNode:
        apps = keys(sim)
        return KisNode(client_config(sim, tmp_path, **overrides), apps, [account(sim, apps[0])])

    return make
