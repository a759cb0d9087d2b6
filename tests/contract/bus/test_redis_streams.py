"""Redis Streams backend behaviour beyond the shared contract: durability, retention, dead
letters, consumer groups and requests between separate nodes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from jts.core.errors import StateError
from jts.domain.codec import registered_message_types
from jts.domain.messages import Message
from tests.contract.bus.conftest import RedisBusFactory, eventually
from tests.contract.bus.domain_examples import examples
from tests.contract.bus.messages import Ping, Pong

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]


@pytest.fixture
async def client(redis_factory: RedisBusFactory) -> AsyncIterator[Any]:
    raw = await redis_factory.client()
    try:
        yield raw
    finally:
        await raw.aclose()


def seqs(into: list[int]) -> Any:
    return lambda message: into.append(message.seq)


async def pending_count(client: Any, stream: str, group: str) -> int:
    summary = await client.xpending(stream, group)
    return int(summary["pending"])


async def _pending_is(client: Any, stream: str, group: str, count: int) -> bool:
    return await pending_count(client, stream, group) == count


async def dead_letters(client: Any, stream: str) -> list[dict[bytes, bytes]]:
    return [fields for _id, fields in await client.xrange(stream)]


# -- resuming after a restart ----------------------------------------------------------------


async def test_restarted_consumer_rereads_its_unacked_messages_first(
    redis_factory: RedisBusFactory, client: Any
) -> None:
    publisher = redis_factory.make(group="publisher")
    await publisher.start()
    no_claims = {"claim_idle_ms": 60_000}  # nothing is retried while the test runs
    node = redis_factory.make(group="g", consumer="c1", **no_claims)
    attempts: list[int] = []

    def down(message: Message) -> None:
        attempts.append(message.seq)  # type: ignore[attr-defined]
        raise RuntimeError("database down")

    node.subscribe("work.*", down)
    await node.start()
    for seq in range(5):
        publisher.publish("work.a", Ping(seq=seq))
    await publisher.flush()
    await eventually(lambda: len(attempts) == 5, what="five failed first deliveries")
    await node.stop()
    stream = node.config.stream_key
    assert await pending_count(client, stream, "g") == 5

    for seq in range(5, 8):
        publisher.publish("work.a", Ping(seq=seq))
    await publisher.flush()

    restarted = redis_factory.make(group="g", consumer="c1", **no_claims)
    got: list[int] = []
    restarted.subscribe("work.*", seqs(got))
    await restarted.start()
    await eventually(lambda: len(got) == 8, what="all eight messages after the restart")
    assert got == list(range(8))  # the unacknowledged ones first, then the new ones
    await eventually(lambda: _pending_is(client, stream, "g", 0), what="acknowledgements")


async def test_live_consumer_claims_the_pending_messages_of_a_dead_one(
    redis_factory: RedisBusFactory, client: Any
) -> None:
    publisher = redis_factory.make(group="publisher")
    await publisher.start()
    stream = publisher.config.stream_key
    await client.xgroup_create(stream, "g", id="$", mkstream=True)
    for seq in range(4):
        publisher.publish("work.a", Ping(seq=seq))
    await publisher.flush()
    # A consumer that read them and died without acknowledging (a killed process).
    read = await client.xreadgroup("g", "dead", {stream: ">"}, count=10)
    assert len(read[0][1]) == 4

    alive = redis_factory.make(group="g", consumer="alive", claim_idle_ms=150)
    got: list[int] = []
    alive.subscribe("work.*", seqs(got))
    await alive.start()
    await eventually(lambda: got == [0, 1, 2, 3], what="the dead consumer's messages")
    await eventually(lambda: _pending_is(client, stream, "g", 0), what="acknowledgements")


async def test_new_group_can_start_from_the_oldest_retained_message(
    redis_factory: RedisBusFactory,
) -> None:
    publisher = redis_factory.make(group="publisher")
    await publisher.start()
    for seq in range(3):
        publisher.publish("hist.a", Ping(seq=seq))
    await publisher.flush()
    late: list[int] = []
    from_start = redis_factory.make(group="replay", group_start="0")
    from_start.subscribe("hist.*", seqs(late))
    await from_start.start()
    await from_start.flush()
    await eventually(lambda: late == [0, 1, 2], what="the retained history")


# -- retention -------------------------------------------------------------------------------


async def test_stream_length_is_bounded(redis_factory: RedisBusFactory, client: Any) -> None:
    bus = redis_factory.make(maxlen=1000, batch_size=500)
    await bus.start()
    for seq in range(5000):
        bus.publish("flood.a", Ping(seq=seq))
    await bus.flush()
    length = await client.xlen(bus.config.stream_key)
    # MAXLEN ~ trims whole stream nodes (100 entries each by default): never below the bound
    assert 1000 <= length <= 1200
    newest = await client.xrevrange(bus.config.stream_key, count=1)
    assert newest  # the most recent entries are the ones kept


# -- dead letters ----------------------------------------------------------------------------


async def test_undecodable_entries_are_dead_lettered_and_the_consumer_goes_on(
    redis_factory: RedisBusFactory, client: Any
) -> None:
    bus = redis_factory.make()
    got: list[Message] = []
    bus.subscribe("g.*", got.append)
    await bus.start()
    stream = bus.config.stream_key
    garbage = [
        {b"t": b"g.x", b"d": b"\xc1 not msgpack"},  # decode
        {b"t": b"g.x", b"d": b"\x81\xa4type\xa7Unknown"},  # msgpack, but no such message type
        {b"d": b"\x00"},  # no topic
        {b"t": b"g x", b"d": b"\x00"},  # malformed topic
        {b"t": b"\xff\xfe", b"d": b"\x00"},  # not ASCII
    ]
    ids = [await client.xadd(stream, fields) for fields in garbage]
    await client.xadd(stream, {b"t": b"nobody.listens", b"d": b"junk"})  # skipped, not decoded
    bus.publish("g.ok", Ping(seq=1))
    await bus.flush()

    assert got == [Ping(seq=1)]
    dead = await dead_letters(client, bus.config.dead_letter_key)
    assert [d[b"dead.reason"] for d in dead] == [
        b"decode",
        b"decode",
        b"malformed",
        b"bad-topic",
        b"bad-topic",
    ]
    assert [d[b"dead.id"] for d in dead] == ids
    assert dead[0][b"d"] == b"\xc1 not msgpack"  # the original fields are kept for inspection
    assert b"DecodeError" in dead[0][b"dead.error"]
    assert dead[0][b"dead.group"] == b"g"
    await eventually(lambda: _pending_is(client, stream, "g", 0), what="acknowledgements")
    assert bus.stats().dead_lettered == 5


async def test_handler_that_keeps_failing_is_dead_lettered_after_n_deliveries(
    redis_factory: RedisBusFactory, client: Any
) -> None:
    bus = redis_factory.make(max_deliveries=3, claim_idle_ms=100)
    failing: list[int] = []
    fine: list[int] = []

    def broken(message: Message) -> None:
        failing.append(message.seq)  # type: ignore[attr-defined]
        raise ValueError("cannot apply")

    bus.subscribe("job.*", broken)
    bus.subscribe("job.*", seqs(fine))
    await bus.start()
    bus.publish("job.a", Ping(seq=7))
    await bus.flush()
    dead_key = bus.config.dead_letter_key
    await eventually(lambda: _xlen_is(client, dead_key, 1), what="the dead letter")

    assert failing == [7, 7, 7]  # delivered max_deliveries times, then given up
    assert fine == [7]  # the handler that succeeded is not called on retries
    (dead,) = await dead_letters(client, dead_key)
    assert dead[b"dead.reason"] == b"max-deliveries"
    assert dead[b"dead.deliveries"] == b"3"
    assert dead[b"t"] == b"job.a"
    await eventually(
        lambda: _pending_is(client, bus.config.stream_key, "g", 0), what="acknowledgement"
    )
    stats = bus.stats()
    assert (stats.handler_errors, stats.dead_lettered) == (3, 1)


async def _xlen_is(client: Any, key: str, length: int) -> bool:
    return int(await client.xlen(key)) == length


async def test_handler_failing_once_is_retried_then_acknowledged(
    redis_factory: RedisBusFactory, client: Any
) -> None:
    bus = redis_factory.make(max_deliveries=3, claim_idle_ms=100)
    calls: list[int] = []

    def flaky(message: Message) -> None:
        seq = message.seq  # type: ignore[attr-defined]
        calls.append(seq)
        if calls.count(seq) == 1 and seq == 1:
            raise ConnectionError("transient")

    bus.subscribe("job.*", flaky)
    await bus.start()
    bus.publish("job.a", Ping(seq=1))
    bus.publish("job.a", Ping(seq=2))
    await bus.flush()
    await eventually(lambda: calls.count(1) == 2, what="the retry")
    assert calls == [1, 2, 1]  # a retry comes after messages that were first delivered later
    await eventually(
        lambda: _pending_is(client, bus.config.stream_key, "g", 0), what="acknowledgement"
    )
    assert await client.xlen(bus.config.dead_letter_key) == 0


# -- consumer groups -------------------------------------------------------------------------


async def test_consumers_of_one_group_share_the_messages(redis_factory: RedisBusFactory) -> None:
    publisher = redis_factory.make(group="publisher")
    first = redis_factory.make(group="workers", consumer="w1", read_count=5)
    second = redis_factory.make(group="workers", consumer="w2", read_count=5)
    got_first: list[int] = []
    got_second: list[int] = []
    first.subscribe("task.*", seqs(got_first))
    second.subscribe("task.*", seqs(got_second))
    for bus in (publisher, first, second):
        await bus.start()
    for batch in range(20):
        for seq in range(batch * 10, batch * 10 + 10):
            publisher.publish("task.a", Ping(seq=seq))
        await publisher.flush()
    await eventually(lambda: len(got_first) + len(got_second) == 200, what="all 200 tasks")
    assert sorted(got_first + got_second) == list(range(200))  # each exactly once
    assert got_first
    assert got_second
    assert got_first == sorted(got_first)  # each consumer still sees stream order
    assert got_second == sorted(got_second)


async def test_each_group_sees_every_message(redis_factory: RedisBusFactory) -> None:
    publisher = redis_factory.make(group="publisher")
    ui = redis_factory.make(group="ui")
    metrics = redis_factory.make(group="metrics")
    got_ui: list[int] = []
    got_metrics: list[int] = []
    ui.subscribe("events.**", seqs(got_ui))
    metrics.subscribe("events.**", seqs(got_metrics))
    for bus in (publisher, ui, metrics):
        await bus.start()
    for seq in range(50):
        publisher.publish("events.order.005930.KRX", Ping(seq=seq))
    await publisher.flush()
    await eventually(lambda: len(got_ui) == 50 and len(got_metrics) == 50, what="both groups")
    assert got_ui == got_metrics == list(range(50))


# -- requests between nodes ------------------------------------------------------------------


async def test_request_served_by_another_node(redis_factory: RedisBusFactory) -> None:
    server = redis_factory.make(group="oms", consumer="oms-1")
    caller = redis_factory.make(group="api", consumer="api-1")
    server.register_endpoint("oms.status", lambda m: Pong(seq=m.seq * 2))  # type: ignore[attr-defined]
    await server.start()
    await caller.start()
    assert await caller.request("oms.status", Ping(seq=21), timeout=5) == Pong(seq=42)


async def test_servers_of_one_endpoint_share_the_requests(redis_factory: RedisBusFactory) -> None:
    servers = [redis_factory.make(group="oms", consumer=f"oms-{n}") for n in (1, 2)]
    for n, server in enumerate(servers, start=1):
        answer = Pong(seq=n)
        server.register_endpoint("oms.who", lambda _m, answer=answer: answer)  # type: ignore[misc]
        await server.start()
    caller = redis_factory.make(group="api")
    await caller.start()
    answered = {(await caller.request("oms.who", Ping(seq=i), timeout=5)).seq for i in range(20)}  # type: ignore[attr-defined]
    assert answered == {1, 2}


# -- lifecycle and defaults ------------------------------------------------------------------


async def test_publishes_before_start_are_sent_on_start(redis_factory: RedisBusFactory) -> None:
    bus = redis_factory.make()
    got: list[int] = []
    bus.subscribe("early.*", seqs(got))
    bus.publish("early.a", Ping(seq=1))
    with pytest.raises(StateError, match="start the bus"):
        await bus.flush()
    with pytest.raises(StateError, match="start the bus"):
        await bus.request("svc.x", Ping(seq=1), timeout=1)
    await bus.start()
    await bus.flush()
    assert got == [1]


async def test_default_codec_is_the_domain_codec(redis_factory: RedisBusFactory) -> None:
    from jts.bus.redis_streams import RedisStreamsConfig, RedisStreamsMessageBus

    config = RedisStreamsConfig(
        url=redis_factory.url, prefix=redis_factory.prefix, block_ms=20, consumer="c"
    )
    bus = RedisStreamsMessageBus(config)
    domain = examples(registered_message_types())
    got: list[Message] = []
    bus.subscribe("domain.**", got.append)
    await bus.start()
    try:
        for message in domain:
            bus.publish(f"domain.{type(message).__name__}", message)
        await bus.flush()
    finally:
        await bus.stop()
    assert [repr(m) for m in got] == [repr(m) for m in domain]


async def test_publish_only_node_reads_nothing(redis_factory: RedisBusFactory, client: Any) -> None:
    feed = redis_factory.make(group="feed", consume=False)
    strategy = redis_factory.make(group="strategy")
    got: list[int] = []
    strategy.subscribe("data.**", seqs(got))
    with pytest.raises(StateError, match="consume=False"):
        feed.subscribe("data.**", seqs(got))
    await strategy.start()
    await feed.start()
    for seq in range(10):
        feed.publish("data.trades.005930.KRX", Ping(seq=seq))
    await feed.flush()  # written; nothing of its own to wait for
    await eventually(lambda: got == list(range(10)), what="the strategy's messages")
    groups = await client.xinfo_groups(feed.config.stream_key)
    assert [g["name"] for g in groups] == [b"strategy"]


@pytest.mark.parametrize("protocol", [2, 3])
async def test_both_resp_protocols(redis_factory: RedisBusFactory, protocol: int) -> None:
    """redis-py shapes stream replies differently under RESP2 and RESP3; both must work."""
    separator = "&" if "?" in redis_factory.url else "?"
    redis_factory.url = f"{redis_factory.url}{separator}protocol={protocol}"
    bus = redis_factory.make()
    got: list[Message] = []
    bus.subscribe("p.*", got.append)
    bus.register_endpoint("svc.echo", lambda m: m)
    await bus.start()
    bus.publish("p.a", Ping(seq=protocol))
    await bus.flush()
    assert got == [Ping(seq=protocol)]
    assert await bus.request("svc.echo", Ping(seq=1), timeout=5) == Ping(seq=1)


async def test_stop_deletes_the_reply_stream(redis_factory: RedisBusFactory, client: Any) -> None:
    bus = redis_factory.make()
    bus.register_endpoint("svc.echo", lambda m: m)
    await bus.start()
    assert await bus.request("svc.echo", Ping(seq=1), timeout=5) == Ping(seq=1)
    reply_key = bus.config.reply_key(bus.instance)
    assert await client.exists(reply_key) == 1
    await bus.stop()
    assert await client.exists(reply_key) == 0
