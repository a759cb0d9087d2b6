"""The bus a node's role uses, built from ``[bus]`` settings.

With the in-process backend: the in-process bus. With Redis, a node still hears what it
produces itself in-process: `TeeBus` publishes everything on a local `InProcessMessageBus`
(the activity log, alerts, recorders of the same process hear it at once, exactly once, with
nothing encoded) and on the Redis Streams bus (for the other processes); only the topics other
processes produce are read back from Redis:

* ``all``: nothing (it produces every topic it hears), so it joins no consumer group;
* ``execution``: commands (``commands.**``) and market data (``data.**``);
* ``market-data``: nothing; it answers requests only.

The strategy role wires its buses itself (`jts.live.strategy_role`): its kernel's events are
the execution role's, which it must not publish again.

Each consuming role has its own consumer group (a group sees every message) and a consumer name
stable across restarts, so a restarted role first takes back what it had read but not
acknowledged (`jts.bus.redis_streams.consumer`).
"""

from __future__ import annotations

import logging

from jts.bus.inprocess import InProcessMessageBus
from jts.bus.redis_streams import RedisStreamsConfig, RedisStreamsMessageBus
from jts.config import BusConfig
from jts.domain.codec import EncodeError
from jts.domain.identifiers import TraderId
from jts.domain.messages import Message
from jts.live import messages as _messages  # noqa: F401 - registers the role messages
from jts.live.roles import Role
from jts.ports.bus import BusStats, EndpointHandler, Handler, MessageBus

__all__ = ["REMOTE_TOPICS", "TeeBus", "build_bus", "build_remote_bus", "redis_config"]

log = logging.getLogger(__name__)

#: How long a blocked read waits; it also bounds how long a stopping role waits for its reader.
BLOCK_MS = 100
#: An unacknowledged command (its handler failed: the journal was unreachable) is retried after
#: this long; a crashed role's commands are taken back at once on its restart.
CLAIM_IDLE_MS = 5_000

#: Per role, the topic prefixes it reads from Redis (everything else it hears locally).
REMOTE_TOPICS: dict[str, tuple[str, ...]] = {
    "all": (),
    "execution": ("commands.", "data."),
    "strategy": ("events.", "data."),
    "market-data": (),
}


def redis_config(bus: BusConfig, role: Role, trader_id: TraderId) -> RedisStreamsConfig:
    return RedisStreamsConfig(
        url=bus.redis_url,
        prefix=bus.stream_prefix,
        group=f"{bus.consumer_group}-{role}",
        consumer=f"{trader_id}-{role}",
        consume=bool(REMOTE_TOPICS[role]),
        block_ms=BLOCK_MS,
        claim_idle_ms=CLAIM_IDLE_MS,
    )


class TeeBus:
    """`MessageBus` over a local and a remote bus (see the module doc): publishes go to both,
    a subscription goes to the remote bus when its pattern starts with one of ``remote``'s
    prefixes, else to the local one; endpoints and requests are remote."""

    def __init__(
        self, local: InProcessMessageBus, remote: MessageBus, remote_prefixes: tuple[str, ...]
    ) -> None:
        self.local = local
        self.remote = remote
        self._prefixes = remote_prefixes
        self.unsendable: dict[str, int] = {}

    def _side(self, pattern: str) -> MessageBus:
        return self.remote if pattern.startswith(self._prefixes) else self.local

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> None:
        self._side(pattern).subscribe(pattern, handler, priority)

    def unsubscribe(self, pattern: str, handler: Handler) -> None:
        self._side(pattern).unsubscribe(pattern, handler)

    def publish(self, topic: str, message: Message) -> None:
        try:
            self.remote.publish(topic, message)  # first: it only buffers, and validates
        except EncodeError:
            # a type no codec knows cannot reach other processes; it must not stop this one
            # halfway through a dispatch either, so local observers still hear it
            kind = type(message).__name__
            if kind not in self.unsendable:
                log.error("messages of type %s cannot go on the remote bus: not registered", kind)
            self.unsendable[kind] = self.unsendable.get(kind, 0) + 1
        self.local.publish(topic, message)

    def register_endpoint(self, name: str, handler: EndpointHandler) -> None:
        self.remote.register_endpoint(name, handler)

    def unregister_endpoint(self, name: str) -> None:
        self.remote.unregister_endpoint(name)

    async def request(self, endpoint: str, message: Message, timeout: float) -> Message:  # noqa: ASYNC109
        return await self.remote.request(endpoint, message, timeout)

    async def start(self) -> None:
        await self.local.start()
        await self.remote.start()

    async def flush(self) -> None:
        await self.local.flush()
        await self.remote.flush()

    async def stop(self) -> None:
        await self.remote.stop()
        await self.local.stop()

    def stats(self) -> BusStats:
        local, remote = self.local.stats(), self.remote.stats()
        return BusStats(
            published=remote.published,
            handler_errors=local.handler_errors + remote.handler_errors,
            dead_lettered=remote.dead_lettered,
        )


def build_bus(bus: BusConfig, role: Role, trader_id: TraderId) -> MessageBus:
    """The bus of the ``all``, ``execution`` and ``market-data`` roles."""
    if bus.backend == "inprocess":
        return InProcessMessageBus()
    remote = RedisStreamsMessageBus(redis_config(bus, role, trader_id))
    if role == "market-data":
        return remote
    return TeeBus(InProcessMessageBus(), remote, REMOTE_TOPICS[role])


def build_remote_bus(bus: BusConfig, role: Role, trader_id: TraderId) -> RedisStreamsMessageBus:
    """The Redis bus alone (the strategy role pairs it with its own local bus)."""
    return RedisStreamsMessageBus(redis_config(bus, role, trader_id))
