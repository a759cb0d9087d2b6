"""Which bus each role gets, and `TeeBus`: local observers hear local facts at once, other
processes' topics come from the remote bus."""

from __future__ import annotations

import pytest

from jts.bus.inprocess import InProcessMessageBus
from jts.bus.redis_streams import RedisStreamsMessageBus
from jts.config import BusConfig
from jts.core.errors import ConfigError
from jts.domain.identifiers import TraderId
from jts.domain.messages import Message
from jts.live.buses import TeeBus, build_bus, build_remote_bus, redis_config
from jts.live.messages import ExecutionStatusRequest
from jts.live.roles import check_role

TRADER = TraderId("JTS-001")
REDIS = BusConfig(backend="redis", stream_prefix="p", consumer_group="g")


def _message() -> Message:
    return ExecutionStatusRequest(trader_id=TRADER)


def test_tee_routes_subscriptions_by_prefix_and_publishes_on_both() -> None:
    local, remote = InProcessMessageBus(), InProcessMessageBus()
    tee = TeeBus(local, remote, ("commands.", "data."))
    heard: list[str] = []
    tee.subscribe("events.order.**", lambda m: heard.append("local event"))
    tee.subscribe("commands.trading.**", lambda m: heard.append("remote command"))
    remote.subscribe("events.order.**", lambda m: heard.append("remote sees the event"))
    tee.publish("events.order.005930.KRX", _message())
    assert heard == ["remote sees the event", "local event"]  # remote first: it only buffers
    heard.clear()
    remote.publish("commands.trading.S-001", _message())  # another process's command
    local.publish("commands.trading.S-001", _message())  # never reaches the command handler
    assert heard == ["remote command"]
    assert tee.stats().published == 2


async def test_tee_serves_endpoints_and_requests_on_the_remote_bus() -> None:
    local, remote = InProcessMessageBus(), InProcessMessageBus()
    tee = TeeBus(local, remote, ())
    tee.register_endpoint("execution.status", lambda m: m)
    await tee.start()
    assert await remote.request("execution.status", _message(), 1.0) == _message()
    assert await tee.request("execution.status", _message(), 1.0) == _message()
    await tee.stop()


def test_the_embedded_backend_is_the_in_process_bus() -> None:
    assert isinstance(build_bus(BusConfig(), "all", TRADER), InProcessMessageBus)


@pytest.mark.parametrize(
    ("role", "consumes"),
    [("all", False), ("execution", True), ("strategy", True), ("market-data", False)],
)
def test_redis_groups_are_per_role_with_stable_consumer_names(role: str, consumes: bool) -> None:
    config = redis_config(REDIS, role, TRADER)  # type: ignore[arg-type]
    assert config.prefix == "p"
    assert config.group == f"g-{role}"
    assert config.consumer == f"JTS-001-{role}"
    assert config.consume is consumes


def test_roles_get_tee_or_remote_buses_over_redis() -> None:
    all_bus = build_bus(REDIS, "all", TRADER)
    assert isinstance(all_bus, TeeBus)
    assert isinstance(all_bus.remote, RedisStreamsMessageBus)
    assert not all_bus.remote.config.consume  # it never reads its own stream back
    all_bus.subscribe("data.trades.**", print)  # its own data: heard locally
    assert len(all_bus.local._table) == 1
    assert isinstance(build_bus(REDIS, "market-data", TRADER), RedisStreamsMessageBus)
    assert isinstance(build_remote_bus(REDIS, "strategy", TRADER), RedisStreamsMessageBus)


def test_a_split_role_needs_the_redis_bus() -> None:
    assert check_role(" Execution ", "redis") == "execution"
    assert check_role("all", "inprocess") == "all"
    with pytest.raises(ConfigError, match=r'bus\.backend = "redis"'):
        check_role("strategy", "inprocess")
    with pytest.raises(ConfigError, match="must be one of"):
        check_role("broker", "redis")
