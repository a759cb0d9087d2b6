"""`RedisStreamsMessageBus`: the `MessageBus` port over Redis Streams, for multi-process nodes.

All topics share one stream (``{prefix}:bus``), which gives one total order of publishes that
every consumer group observes; each node filters by topic locally, before decoding, through the
same subscription table as the in-process bus (same patterns, priorities and order). Groups
decide who sees what: nodes in one group share the messages, each group sees all of them.

Semantics differing from in-process, all consequences of crossing a process boundary:
delivery is asynchronous (`flush` waits for it) and at least once (see `consumer`); a message
published from a handler is queued behind the stream, as the port prescribes anyway. Needs
Redis >= 7.0 (``XPENDING IDLE``, ``XADD NOMKSTREAM``, claims that drop trimmed entries).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from types import ModuleType
from typing import TYPE_CHECKING

from jts.bus.endpoints import check_timeout
from jts.bus.redis_streams.config import RedisStreamsConfig
from jts.bus.redis_streams.consumer import ConsumerSettings, Counters, GroupConsumer
from jts.bus.redis_streams.rpc import EndpointServer, RequestClient
from jts.bus.redis_streams.writer import BatchWriter
from jts.bus.subscriptions import DEFAULT_MAX_CACHED_TOPICS, SubscriptionTable
from jts.bus.topics import validate_topic
from jts.core.errors import InvalidInputError, JtsError, StateError
from jts.domain.codec import Codec as DomainCodec
from jts.domain.messages import Message
from jts.ports.bus import (
    BusClosedError,
    BusError,
    BusStats,
    EndpointHandler,
    Handler,
)
from jts.ports.codec import Codec

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)


class MissingDependencyError(JtsError, ImportError):
    """An optional extra needed by the chosen component is not installed."""


def _redis_asyncio() -> ModuleType:
    try:
        import redis.asyncio  # noqa: PLC0415 - optional extra, imported only when chosen
    except ImportError as exc:
        raise MissingDependencyError(
            "the Redis Streams bus needs the 'redis' package: pip install 'jts[redis]'"
        ) from exc
    return redis.asyncio


class RedisStreamsMessageBus:
    """`MessageBus` over Redis Streams; see the module doc and `RedisStreamsConfig`."""

    def __init__(
        self,
        config: RedisStreamsConfig | None = None,
        codec: Codec | None = None,  # default: the domain codec, following its type registry
        max_cached_topics: int = DEFAULT_MAX_CACHED_TOPICS,
    ) -> None:
        self._redis = _redis_asyncio()
        self._config = config if config is not None else RedisStreamsConfig()
        self._codec: Codec = codec if codec is not None else DomainCodec()
        cfg = self._config
        self.instance = f"{cfg.consumer}-{secrets.token_hex(4)}"
        self._table = SubscriptionTable(max_cached_topics)
        self._counters = Counters()
        self._published = 0
        self._writer = BatchWriter(
            cfg.stream_key, cfg.maxlen, cfg.batch_size, cfg.linger_s, cfg.max_buffered
        )
        self._consumer = GroupConsumer(
            ConsumerSettings(
                stream=cfg.stream_key,
                dead_letter_stream=cfg.dead_letter_key,
                group=cfg.group,
                consumer=cfg.consumer,
                group_start=cfg.group_start,
                read_count=cfg.read_count,
                block_ms=cfg.block_ms,
                claim_idle_ms=cfg.claim_idle_ms,
                max_deliveries=cfg.max_deliveries,
                dead_letter_maxlen=cfg.dead_letter_maxlen,
            ),
            self._table,
            self._codec,
            self._counters,
        )
        self._server = EndpointServer(cfg, self._codec)
        self._requests = RequestClient(cfg, self._codec, self.instance)
        self._client: Redis | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    @property
    def config(self) -> RedisStreamsConfig:
        return self._config

    # -- publish/subscribe -------------------------------------------------------------------

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> None:
        self._check_open()
        if not self._config.consume:
            raise StateError(
                f"cannot subscribe to {pattern!r}: this bus was configured with consume=False"
            )
        self._table.add(pattern, handler, priority)

    def unsubscribe(self, pattern: str, handler: Handler) -> None:
        self._table.remove(pattern, handler)

    def publish(self, topic: str, message: Message) -> None:
        if self._closed:
            raise BusClosedError(f"cannot publish to {topic!r}: the bus is stopped")
        if not isinstance(message, Message):
            raise InvalidInputError(
                f"only Message instances can be published, got {type(message).__name__} "
                f"on {topic!r}"
            )
        self._table.subscriptions_for(topic)  # validates; cached, and the consumer reuses it
        self._writer.append(topic.encode(), self._codec.encode(message))
        self._published += 1

    # -- request/response --------------------------------------------------------------------

    def register_endpoint(self, name: str, handler: EndpointHandler) -> None:
        self._check_open()
        validate_topic(name, "endpoint name")
        if not callable(handler):
            raise InvalidInputError(f"endpoint handler for {name!r} is not callable: {handler!r}")
        if self._server.has(name):
            raise StateError(f"endpoint {name!r} is already registered on this bus")
        self._server.register(name, handler, self._client)

    def unregister_endpoint(self, name: str) -> None:
        self._server.unregister(name)

    async def request(self, endpoint: str, message: Message, timeout: float) -> Message:  # noqa: ASYNC109
        self._check_open()
        check_timeout(timeout)
        validate_topic(endpoint, "endpoint name")
        client = self._require_client("request")
        await self._server.wait_ready()
        return await self._requests.request(client, endpoint, message, timeout)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._check_open()
        if self._client is not None:
            return
        client: Redis = self._redis.Redis.from_url(self._config.url)
        try:
            await client.ping()
            if self._config.consume:
                await self._consumer.prepare(client)
            await self._server.start(client)
        except Exception as exc:
            await client.aclose()
            raise BusError(f"cannot start the Redis bus at {self._config.url}: {exc}") from exc
        self._client = client
        self._tasks = {
            "writer": asyncio.ensure_future(self._writer.run(client)),
            "endpoints": asyncio.ensure_future(self._server.run(client)),
        }
        if self._config.consume:
            self._tasks["consumer"] = asyncio.ensure_future(self._consumer.run(client))

    async def flush(self) -> None:
        """Wait until what was published is written and dispatched here, including what the
        handlers published meanwhile (like the in-process bus, which drains such cascades)."""
        self._check_open()
        self._require_client("flush")
        limit = self._config.flush_timeout_s
        try:
            async with asyncio.timeout(limit):
                while True:
                    target = self._writer.queued
                    await self._writer.wait_written(target)
                    last = self._writer.last_id
                    consumer = self._tasks.get("consumer")
                    if last is not None and consumer is not None and not consumer.done():
                        await self._consumer.wait_consumed(last)
                    if self._writer.queued == target:
                        return
        except TimeoutError:
            raise BusError(
                f"flush did not complete within {limit} s (Redis unreachable or slow)"
            ) from None

    async def stop(self) -> None:
        if self._closed:
            return
        client = self._client
        if client is not None:
            try:
                await self.flush()
            except BusError as exc:
                logger.error("bus stop: %s", exc)
        self._closed = True
        self._writer.close()
        self._consumer.stop()
        self._server.stop()
        # The endpoint reader reads with NOACK, so cancelling its blocked read loses nothing a
        # requester would not time out on anyway. The group consumer is left to finish its read
        # (at most block_ms): cancelled mid-read, it would strand delivered entries in its
        # pending list until a restart or a claim.
        endpoints = self._tasks.pop("endpoints", None)
        if endpoints is not None:
            endpoints.cancel()
        if self._tasks:
            _, late = await asyncio.wait(
                self._tasks.values(), timeout=self._config.block_ms / 1000 + 1.0
            )
            for task in late:
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        if endpoints is not None:
            await asyncio.gather(endpoints, return_exceptions=True)
        await self._server.drain()
        await self._requests.close(client)
        if client is not None:
            await client.aclose()
        self._client = None

    def stats(self) -> BusStats:
        return BusStats(
            published=self._published,
            handler_errors=self._counters.handler_errors,
            dead_lettered=self._counters.dead_lettered,
        )

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosedError("the bus is stopped; build a new one")

    def _require_client(self, what: str) -> Redis:
        if self._client is None:
            raise StateError(f"start the bus before calling {what}()")
        return self._client
