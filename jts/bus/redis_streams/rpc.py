"""Request/response over Redis Streams.

Each endpoint has a request stream (``{prefix}:rpc:{name}``) read by a consumer group shared
by every node serving it, so requests are spread over the servers. A request entry carries a
correlation id, the requester's reply stream (``{prefix}:reply:{instance}``, one per bus
instance) and an absolute deadline; the server answers with the response or the error text.

Requests are at most once: servers read with NOACK, so a server that dies mid-request leaves
the requester to time out rather than have a retried request (which may not be idempotent) run
twice. A request is sent with ``XADD NOMKSTREAM``: the stream exists only once some server
registered the endpoint, which is how "no such endpoint" is detected in one round trip. An
endpoint whose servers have all stopped still has a stream, so requests to it time out.
Deadlines are wall-clock milliseconds, so hosts need synchronised clocks (NTP), as trading
hosts have anyway; a server drops requests whose deadline passed before it read them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import TYPE_CHECKING

from jts.bus.endpoints import call_endpoint
from jts.bus.redis_streams import wire
from jts.bus.redis_streams.config import RedisStreamsConfig
from jts.bus.redis_streams.consumer import ensure_group
from jts.core.errors import DecodeError
from jts.core.time import NANOS_PER_MILLI, unix_nanos_now
from jts.domain.messages import Message
from jts.ports.bus import (
    BusClosedError,
    EndpointError,
    EndpointHandler,
    NoEndpointError,
    RequestTimeoutError,
)
from jts.ports.codec import Codec

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

SERVER_GROUP = "rpc"
#: A reply stream lives this long after its last reply, so a requester that died leaks nothing.
_REPLY_TTL_MS = 60_000
_BACKOFF_S = 0.1


def _now_ms() -> int:
    return unix_nanos_now() // NANOS_PER_MILLI


class EndpointServer:
    """Serves the endpoints registered on one bus instance."""

    def __init__(self, config: RedisStreamsConfig, codec: Codec) -> None:
        self._config = config
        self._codec = codec
        self._handlers: dict[str, EndpointHandler] = {}
        self._keys: dict[bytes, str] = {}  # request stream key -> endpoint name
        self._ready: dict[str, asyncio.Task[None]] = {}
        self._inflight: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._stopping = False

    def register(self, name: str, handler: EndpointHandler, client: Redis | None) -> None:
        self._handlers[name] = handler
        self._keys[self._config.endpoint_key(name).encode()] = name
        if client is not None:
            self._ready[name] = asyncio.ensure_future(self._prepare(client, name))
        self._changed.set()

    def unregister(self, name: str) -> None:
        if self._handlers.pop(name, None) is not None:
            self._keys.pop(self._config.endpoint_key(name).encode(), None)
            self._changed.set()

    def has(self, name: str) -> bool:
        return name in self._handlers

    async def start(self, client: Redis) -> None:
        for name in self._handlers:
            self._ready[name] = asyncio.ensure_future(self._prepare(client, name))
        await self.wait_ready()

    async def wait_ready(self) -> None:
        """Wait until every registered endpoint's group exists, so local requests find it."""
        for name, task in list(self._ready.items()):
            try:
                await task  # several callers may await the same task; each sees its outcome
            finally:
                if self._ready.get(name) is task:
                    del self._ready[name]

    async def _prepare(self, client: Redis, name: str) -> None:
        await ensure_group(client, self._config.endpoint_key(name), SERVER_GROUP, "$")

    def stop(self) -> None:
        self._stopping = True
        self._changed.set()

    async def drain(self) -> None:
        """Let requests being served finish (each is bounded by its own deadline)."""
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def run(self, client: Redis) -> None:
        config = self._config
        while not self._stopping:
            if not self._handlers:
                self._changed.clear()
                await self._changed.wait()
                continue
            try:
                await self.wait_ready()
                streams: dict[bytes | str, str] = {key: ">" for key in self._keys}
                reply = await client.xreadgroup(
                    SERVER_GROUP,
                    config.consumer,
                    streams,  # type: ignore[arg-type]  # redis-py accepts bytes keys
                    count=config.read_count,
                    block=config.block_ms,
                    noack=True,
                )
            except Exception as exc:
                if "NOGROUP" in str(exc):
                    self._ready.update(
                        {n: asyncio.ensure_future(self._prepare(client, n)) for n in self._handlers}
                    )
                logger.warning("bus endpoint server: %s; retrying", exc)
                await asyncio.sleep(_BACKOFF_S)
                continue
            for stream, entries in wire.stream_entries(reply):
                name = self._keys.get(stream)
                for _entry_id, fields in entries:
                    task = asyncio.ensure_future(self._serve(client, name, fields))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)

    async def _serve(self, client: Redis, name: str | None, fields: wire.Fields) -> None:
        corr = fields.get(wire.CORRELATION)
        reply_to = fields.get(wire.REPLY_TO)
        data = fields.get(wire.DATA)
        try:
            deadline_ms = int(fields.get(wire.DEADLINE_MS, b""))
        except ValueError:
            deadline_ms = None
        if corr is None or reply_to is None or data is None or deadline_ms is None:
            logger.error("bus endpoint %s: malformed request entry %r dropped", name, fields)
            return
        remaining_ms = deadline_ms - _now_ms()
        if remaining_ms <= 0:
            logger.warning("bus endpoint %s: request expired before it was read; dropped", name)
            return
        handler = self._handlers.get(name) if name is not None else None
        reply: dict[bytes, bytes] = {wire.CORRELATION: corr}
        try:
            if handler is None or name is None:
                raise EndpointError(f"endpoint {name!r} is no longer served by this node")
            try:
                request = self._codec.decode(data)
            except Exception as exc:
                raise EndpointError(f"endpoint {name!r} got an undecodable request: {exc}") from exc
            response = await call_endpoint(name, handler, request, remaining_ms / 1000)
            reply[wire.DATA] = self._codec.encode(response)
        except RequestTimeoutError:
            return  # the requester has given up too
        except Exception as exc:
            text = str(exc) if isinstance(exc, EndpointError) else f"{type(exc).__name__}: {exc}"
            reply[wire.ERROR] = text.encode("utf-8", "replace")
        try:
            pipe = client.pipeline(transaction=False)
            pipe.xadd(reply_to, reply, maxlen=self._config.rpc_maxlen, approximate=True)  # type: ignore[arg-type]
            pipe.pexpire(reply_to, _REPLY_TTL_MS)
            await pipe.execute()
        except Exception as exc:
            logger.warning("bus endpoint %s: cannot send reply to %r (%s)", name, reply_to, exc)


class RequestClient:
    """Sends requests from one bus instance and matches replies by correlation id."""

    def __init__(self, config: RedisStreamsConfig, codec: Codec, instance: str) -> None:
        self._config = config
        self._codec = codec
        self.reply_key = config.reply_key(instance)
        self._ids = itertools.count(1)
        self._waiting: dict[bytes, asyncio.Future[wire.Fields]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    async def request(
        self, client: Redis, endpoint: str, message: Message, limit_s: float
    ) -> Message:
        if self._closed:
            raise BusClosedError(f"cannot request {endpoint!r}: the bus is stopped")
        if self._reader is None:
            self._reader = asyncio.ensure_future(self._read_replies(client))
        corr = str(next(self._ids)).encode()
        deadline_ms = _now_ms() + max(1, round(limit_s * 1000))
        future: asyncio.Future[wire.Fields] = asyncio.get_running_loop().create_future()
        self._waiting[corr] = future
        try:
            entry_id = await client.xadd(
                self._config.endpoint_key(endpoint),
                {
                    wire.CORRELATION: corr,
                    wire.REPLY_TO: self.reply_key.encode(),
                    wire.DEADLINE_MS: str(deadline_ms).encode(),
                    wire.DATA: self._codec.encode(message),
                },
                maxlen=self._config.rpc_maxlen,
                approximate=True,
                nomkstream=True,
            )
            if entry_id is None:
                raise NoEndpointError(f"no endpoint {endpoint!r} is registered on this bus")
            remaining_s = max(0.0, (deadline_ms - _now_ms()) / 1000)
            done, _ = await asyncio.wait({future}, timeout=remaining_s)
            if not done:
                raise RequestTimeoutError(
                    f"endpoint {endpoint!r} did not answer within {limit_s} s"
                )
        finally:
            self._waiting.pop(corr, None)
        reply = future.result()
        error = reply.get(wire.ERROR)
        if error is not None:
            raise EndpointError(error.decode("utf-8", "replace"))
        data = reply.get(wire.DATA)
        if data is None:
            raise EndpointError(f"endpoint {endpoint!r} sent a reply without data")
        try:
            return self._codec.decode(data)
        except DecodeError as exc:
            raise EndpointError(f"endpoint {endpoint!r} sent an undecodable reply: {exc}") from exc

    async def _read_replies(self, client: Redis) -> None:
        last: bytes | str = "0-0"
        while not self._closed:
            try:
                reply = await client.xread(
                    {self.reply_key: last},
                    count=self._config.read_count,
                    block=self._config.block_ms,
                )
            except Exception as exc:
                logger.warning("bus reply reader: %s; retrying", exc)
                await asyncio.sleep(_BACKOFF_S)
                continue
            for _stream, entries in wire.stream_entries(reply):
                for entry_id, fields in entries:
                    last = entry_id
                    future = self._waiting.pop(fields.get(wire.CORRELATION, b""), None)
                    if future is not None and not future.done():
                        future.set_result(fields)

    async def close(self, client: Redis | None) -> None:
        """Fail outstanding requests, stop the reader and delete the reply stream."""
        self._closed = True
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(BusClosedError("the bus stopped before the reply arrived"))
        self._waiting.clear()
        if self._reader is not None:
            self._reader.cancel()  # a plain XREAD: cancelling it loses nothing
            await asyncio.gather(self._reader, return_exceptions=True)
        if client is not None:
            try:
                await client.delete(self.reply_key)
            except Exception as exc:
                logger.warning("bus: cannot delete reply stream %s (%s)", self.reply_key, exc)
