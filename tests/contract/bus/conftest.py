"""Fixtures of the bus contract suite: each test runs once per backend.

The Redis backend runs against the real server from ``tests/conftest.py`` (skipped, or failed
under ``JTS_REQUIRE_SERVICES=1``, when absent). Every test gets its own key prefix, and every
key under it is deleted afterwards, so tests never see each other's streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from jts.bus import InProcessMessageBus
from jts.bus.redis_streams import RedisStreamsConfig, RedisStreamsMessageBus
from jts.ports.bus import MessageBus
from jts.testing import services
from tests.contract.bus.messages import make_codec

BACKENDS = ("inprocess", "redis")

# Fast settings so retries, claims and stops happen within a test's patience.
FAST_REDIS: dict[str, Any] = {"block_ms": 20, "claim_idle_ms": 150, "flush_timeout_s": 5.0}


class RedisBusFactory:
    """Builds Redis buses sharing one per-test prefix; stops them and deletes the keys after."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = services.unique_name("jts_test")
        self._buses: list[MessageBus] = []

    def make(
        self, group: str = "g", consumer: str = "c", **overrides: Any
    ) -> RedisStreamsMessageBus:
        settings = {**FAST_REDIS, **overrides}
        codec = settings.pop("codec", None) or make_codec()
        config = RedisStreamsConfig(
            url=self.url, prefix=self.prefix, group=group, consumer=consumer, **settings
        )
        bus = RedisStreamsMessageBus(config, codec)
        self._buses.append(bus)
        return bus

    async def client(self) -> Any:
        import redis.asyncio as redis

        return redis.Redis.from_url(self.url)

    async def cleanup(self) -> None:
        for bus in self._buses:
            await bus.stop()
        client = await self.client()
        try:
            keys = [key async for key in client.scan_iter(match=f"{self.prefix}:*", count=1000)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


@pytest.fixture
async def redis_factory(redis_url: str) -> AsyncIterator[RedisBusFactory]:
    factory = RedisBusFactory(redis_url)
    try:
        yield factory
    finally:
        await factory.cleanup()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """The Redis URL for the Redis backend (skipping when Redis is absent); None in-process."""
    return str(request.getfixturevalue("redis_url")) if backend == "redis" else None


@pytest.fixture
async def bus(backend_url: str | None) -> AsyncIterator[MessageBus]:
    """A started bus of each backend (one node: it serves and consumes what it publishes)."""
    if backend_url is None:
        built = InProcessMessageBus()
        await built.start()
        try:
            yield built
        finally:
            await built.stop()
        return
    factory = RedisBusFactory(backend_url)
    try:
        redis_bus = factory.make()
        await redis_bus.start()
        yield redis_bus
    finally:
        await factory.cleanup()


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], within_s: float = 5.0, what: str = "condition"
) -> None:
    """Poll ``check`` until true; fail with ``what`` after ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within_s} s waiting for {what}")
        await asyncio.sleep(0.01)
