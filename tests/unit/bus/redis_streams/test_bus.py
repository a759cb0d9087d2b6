"""Building the Redis bus: the optional dependency and bad input, without a server."""

from __future__ import annotations

import sys

import pytest

from jts.bus.redis_streams import (
    MissingDependencyError,
    RedisStreamsConfig,
    RedisStreamsMessageBus,
)
from jts.core.errors import StateError
from jts.ports.bus import BusError, InvalidTopicError, MessageBus
from tests.contract.bus.messages import Ping, make_codec


def test_missing_redis_package_gives_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)  # makes the import fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'jts\[redis\]'"):
        RedisStreamsMessageBus(RedisStreamsConfig())
    assert issubclass(MissingDependencyError, ImportError)


def test_importing_the_package_does_not_import_redis() -> None:
    import subprocess

    code = (
        "import sys, jts.bus.redis_streams, jts.bus; "
        "sys.exit(1 if any(m == 'redis' or m.startswith('redis.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


async def test_unstarted_bus_buffers_and_validates() -> None:
    bus = RedisStreamsMessageBus(RedisStreamsConfig(prefix="never_started"), make_codec())
    assert isinstance(bus, MessageBus)
    bus.publish("a.b", Ping(seq=1))  # buffered until start
    assert bus.stats().published == 1
    with pytest.raises(InvalidTopicError):
        bus.publish("a.*", Ping(seq=1))
    with pytest.raises(StateError, match=r"start the bus before calling flush\(\)"):
        await bus.flush()
    await bus.stop()  # never started: nothing to flush or close


async def test_start_fails_clearly_when_redis_is_unreachable() -> None:
    # port 1 on localhost: nothing listens there, the connection is refused at once
    bus = RedisStreamsMessageBus(RedisStreamsConfig(url="redis://127.0.0.1:1/0"))
    with pytest.raises(BusError, match=r"cannot start the Redis bus at redis://127\.0\.0\.1:1/0"):
        await bus.start()
