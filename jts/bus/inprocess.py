"""The in-process message bus: the default backend, and the only one a backtest uses.

Messages are passed by reference (they are frozen structs), so nothing is encoded. `publish`
dispatches synchronously: when the outermost `publish` returns, the message and everything
its handlers published in turn have been delivered (those nested publishes are queued and
drained in FIFO order, as `jts.ports.bus` specifies). That makes a backtest deterministic
without any flush.
"""

from __future__ import annotations

import logging
from collections import deque

from jts.bus.endpoints import call_endpoint, check_timeout
from jts.bus.subscriptions import DEFAULT_MAX_CACHED_TOPICS, SubscriptionTable
from jts.bus.topics import validate_topic
from jts.core.errors import InvalidInputError, StateError
from jts.domain.messages import Message
from jts.ports.bus import (
    BusClosedError,
    BusStats,
    EndpointHandler,
    Handler,
    NoEndpointError,
)

logger = logging.getLogger(__name__)


class InProcessMessageBus:
    """`MessageBus` within one thread; not thread-safe by design (the kernel is single-threaded)."""

    def __init__(self, max_cached_topics: int = DEFAULT_MAX_CACHED_TOPICS) -> None:
        self._table = SubscriptionTable(max_cached_topics)
        self._endpoints: dict[str, EndpointHandler] = {}
        self._queue: deque[tuple[str, Message]] = deque()
        self._dispatching = False
        self._closed = False
        self._published = 0
        self._handler_errors = 0

    # -- publish/subscribe -------------------------------------------------------------------

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> None:
        self._check_open()
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
        handlers = self._table.handlers_for(topic)  # validates the topic on a cache miss
        self._published += 1
        if self._dispatching:
            self._queue.append((topic, message))
            return
        self._dispatching = True
        try:
            for handler in handlers:
                try:
                    handler(message)
                except Exception:
                    self._on_handler_error(handler, topic)
            if self._queue:
                self._drain()
        finally:
            self._dispatching = False

    def _drain(self) -> None:
        queue = self._queue
        while queue:
            topic, message = queue.popleft()
            # Resolved now, not at publish time: a handler that unsubscribed since then must not
            # receive it.
            for handler in self._table.handlers_for(topic):
                try:
                    handler(message)
                except Exception:
                    self._on_handler_error(handler, topic)

    def _on_handler_error(self, handler: Handler, topic: str) -> None:
        self._handler_errors += 1
        logger.exception("bus handler %r raised on topic %s; dispatch continues", handler, topic)

    # -- request/response --------------------------------------------------------------------

    def register_endpoint(self, name: str, handler: EndpointHandler) -> None:
        self._check_open()
        validate_topic(name, "endpoint name")
        if not callable(handler):
            raise InvalidInputError(f"endpoint handler for {name!r} is not callable: {handler!r}")
        if name in self._endpoints:
            raise StateError(f"endpoint {name!r} is already registered on this bus")
        self._endpoints[name] = handler

    def unregister_endpoint(self, name: str) -> None:
        self._endpoints.pop(name, None)

    async def request(self, endpoint: str, message: Message, timeout: float) -> Message:  # noqa: ASYNC109
        self._check_open()
        check_timeout(timeout)
        handler = self._endpoints.get(endpoint)
        if handler is None:
            validate_topic(endpoint, "endpoint name")
            raise NoEndpointError(f"no endpoint {endpoint!r} is registered")
        return await call_endpoint(endpoint, handler, message, timeout)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._check_open()

    async def flush(self) -> None:
        """Nothing to wait for: dispatch finished inside `publish`."""

    async def stop(self) -> None:
        self._closed = True
        self._endpoints.clear()

    def stats(self) -> BusStats:
        return BusStats(published=self._published, handler_errors=self._handler_errors)

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosedError("the bus is stopped; build a new one")
