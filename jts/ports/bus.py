"""The `MessageBus` port: topic publish/subscribe and request/response for the kernel.

One protocol, two backends (``jts.bus``): in-process (the default, and the only one a backtest
uses) and Redis Streams (components in separate processes). The kernel codes against this port,
so moving a component out of the process changes wiring, not code. The contract suite in
``tests/contract/bus`` runs the same tests against both.

Topics
    Dot-separated segments, most general first, so that a wildcard can cut at any level::

        <category>.<kind>[.<key>...]      e.g.  events.order.005930.KRX
                                                 data.trades.KRW-BTC.UPBIT
                                                 commands.trading.SMACross-001

    An instrument id ``SYMBOL.VENUE`` therefore spans two segments, with the venue last, so
    ``events.order.*.KRX`` selects every KRX order. A segment is one or more printable ASCII
    characters other than ``.``, ``*`` and ``?`` (identifiers such as ``KRW-BTC`` or
    ``KIS-12345678-01`` fit as they are). Endpoint names follow the same rule.

Patterns
    ``*`` matches any run of characters inside one segment (``events.order.*.KRX``,
    ``data.*.0059*.KRX``); ``?`` matches exactly one character inside a segment; a segment that
    is exactly ``**`` matches zero or more whole segments (``events.**`` matches ``events`` and
    everything below it, ``**.KRX`` every topic whose last segment is ``KRX``). A pattern
    without wildcards matches only the identical topic.

Dispatch order
    A message goes to every subscription whose pattern matches its topic, in order of
    descending ``priority`` and, for equal priorities, in subscription order. A handler
    subscribed under two matching patterns is called once per subscription.

    A publish made from inside a handler is *queued*, never dispatched depth-first: every
    handler sees message A before any handler sees a message B published while A was being
    handled. This keeps the order every handler observes equal to the causal order (the OMS
    handling ``OrderFilled`` and publishing a position change cannot make a strategy see the
    position change before the fill), and both backends can honour it.

Errors in handlers
    A handler that raises does not stop the dispatch of that message to the other handlers, nor
    of later messages: the exception is logged (``logging``, with traceback) and counted in
    `BusStats.handler_errors`. Backends that persist messages retry the failed delivery and give
    up to a dead-letter destination after a bounded number of attempts (see the backend).

Delivery guarantees
    In-process: exactly once per subscription, synchronously, within `publish`. Across
    processes: at least once (a crash between handling and acknowledging redelivers), so
    handlers of remote messages must be idempotent; events carry ids for that purpose.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from jts.core.errors import InvalidInputError, JtsError, StateError
from jts.domain.messages import Message

#: A subscriber: called with each matching message; its return value is ignored.
Handler = Callable[[Message], object]

#: An endpoint: answers one request with one message, directly or from a coroutine (an
#: endpoint that must do I/O returns an awaitable; the bus awaits it within the timeout).
EndpointHandler = Callable[[Message], Message | Awaitable[Message]]


class BusError(JtsError):
    """A message bus operation failed for a reason other than bad input."""


class InvalidTopicError(InvalidInputError):
    """A topic, pattern or endpoint name breaks the syntax described in `jts.ports.bus`."""


class BusClosedError(StateError):
    """The bus was stopped; a stopped bus is not restarted (build a new one)."""


class NoEndpointError(BusError, LookupError):
    """A request named an endpoint that nobody has registered."""


class RequestTimeoutError(BusError, TimeoutError):
    """No response arrived within the request's timeout."""


class EndpointError(BusError):
    """The endpoint handler raised, or returned something that is not a `Message`.

    The message carries the endpoint name and the handler's error text; across processes the
    original exception object cannot travel, so callers never rely on its type.
    """


@dataclass(frozen=True, slots=True)
class BusStats:
    """Counters since the bus was built, for metrics and tests."""

    published: int = 0
    handler_errors: int = 0
    dead_lettered: int = 0


@runtime_checkable
class MessageBus(Protocol):
    """Publish/subscribe on dot-separated topics plus request/response endpoints.

    `publish`, `subscribe` and the endpoint registry are synchronous because the kernel is
    single-threaded; the lifecycle and `request` are coroutines because remote backends do I/O.
    """

    def subscribe(self, pattern: str, handler: Handler, priority: int = 0) -> None:
        """Call ``handler`` for every message whose topic matches ``pattern``.

        Subscribing the same (pattern, handler) pair again is ignored (the first priority
        stays). Handlers are compared with ``==``, so a bound method can be passed again to
        `unsubscribe`.
        """
        ...

    def unsubscribe(self, pattern: str, handler: Handler) -> None:
        """Remove a subscription; an unknown pair is ignored (unsubscribe is idempotent).

        A message already being dispatched still reaches the handler; later ones do not.
        """
        ...

    def publish(self, topic: str, message: Message) -> None:
        """Send ``message`` to the subscribers of ``topic`` (see module doc for ordering)."""
        ...

    def register_endpoint(self, name: str, handler: EndpointHandler) -> None:
        """Serve requests for ``name``; registering a name twice on one bus is a `StateError`."""
        ...

    def unregister_endpoint(self, name: str) -> None:
        """Stop serving ``name``; an unknown name is ignored."""
        ...

    async def request(self, endpoint: str, message: Message, timeout: float) -> Message:  # noqa: ASYNC109
        """Send ``message`` to ``endpoint`` and return its response.

        Raises `NoEndpointError` when nobody serves the endpoint, `RequestTimeoutError` when no
        response arrives within ``timeout`` seconds and `EndpointError` when the handler failed.
        ``timeout`` is part of the request, not only a local wait: a remote backend sends the
        deadline with it so the server drops a request nobody waits for any more (hence a
        parameter rather than the caller's ``asyncio.timeout``).
        """
        ...

    async def start(self) -> None:
        """Connect and begin delivering; messages published before start are not lost."""
        ...

    async def flush(self) -> None:
        """Return once everything published so far has been sent and, where this bus consumes
        it, dispatched to the local handlers (tests and orderly shutdown use it)."""
        ...

    async def stop(self) -> None:
        """Flush, stop delivering and release connections; idempotent."""
        ...

    def stats(self) -> BusStats:
        """A snapshot of the counters."""
        ...
