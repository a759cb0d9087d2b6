"""Order requests written to a kept-alive HTTP/1.1 connection in the call that makes them.

Why not httpx for orders: in the live node httpx took ~0.5 ms (p50) from being handed an order
request to writing it to the socket (pool bookkeeping, its locks, h11 serialising, event-loop
turns), and the adapter's task that hands it over starts one loop turn after the order was
made: together more than the whole rest of the tick-to-order path. Here the request is
serialised by hand (a few microseconds) and `OrderWire.try_send` writes it on an idle kept-alive
connection synchronously, inside the call that made the order; only the answer is awaited. When
no idle connection is at hand (the first order, or the server closed it) `try_send` says so,
opens one in the background for the next order, and `OrderWire.send` (async) opens one and
writes on it.

Answers are parsed by h11 (status, headers, content-length, chunked, keep-alive or close). An
idle connection with anything to read (data or the server's FIN) is closed, not reused: the
server is closing it, and a request written into it could be lost without a trace.

Errors say whether the request could have reached the server (`WireError.reached`): a connect
that failed or timed out did not; once a byte was written it may have (an order is then looked
up, never re-sent: see `execution`). Queries keep using httpx: they are not on the order path.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import h11
import httpx

__all__ = ["OrderWire", "WireError", "WireResponse", "WireTimeoutError"]

# h11 frames an answer by the request it answers; each cycle is told a POST went out (the bytes
# actually written are ours, see `OrderWire.encode`). Orders are always POSTs.
_PRIMER: Final = h11.Request(
    method="POST", target="/", headers=[("host", "-"), ("content-length", "0")]
)


class WireError(Exception):
    """The request failed on the wire; ``reached``: whether the server may have received it."""

    def __init__(self, message: str, *, reached: bool) -> None:
        super().__init__(message)
        self.reached = reached


class WireTimeoutError(WireError):
    """Connecting, or waiting for the answer, took longer than the timeout."""


@dataclass(frozen=True, slots=True)
class WireResponse:
    """An answer, with the names `httpx.Response` uses (``headers`` keys are lower case)."""

    status_code: int
    headers: dict[str, str]
    content: bytes


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, kept alive between them."""

    def __init__(self, wire: OrderWire) -> None:
        self._wire = wire
        self._transport: asyncio.Transport | None = None
        self._parser = h11.Connection(h11.CLIENT)
        self._prime()
        self._waiter: asyncio.Future[WireResponse] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._status = 0
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self.closed = False

    # ---- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:
            self.close()  # an answer nobody asked for: this connection is out of step
            return
        try:
            self._parser.receive_data(data)
            self._pump()
        except h11.ProtocolError as exc:
            self._fail(WireError(f"malformed HTTP answer: {exc}", reached=True))

    def eof_received(self) -> bool:
        if self._waiter is not None:
            try:
                self._parser.receive_data(b"")  # ends an answer delimited by the close
                self._pump()
            except h11.ProtocolError as exc:
                self._fail(WireError(f"malformed HTTP answer: {exc}", reached=True))
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wire._forget(self)
        cause = f": {exc!r}" if exc is not None else ""
        self._fail(WireError(f"connection closed before the answer{cause}", reached=True))

    # ---- used by OrderWire --------------------------------------------------------------------
    def usable(self) -> bool:
        """Open, idle, and nothing waiting to be read (which would be the server closing it)."""
        transport = self._transport
        if self.closed or transport is None or transport.is_closing() or self._waiter is not None:
            return False
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                readable, _, _ = select.select([sock], [], [], 0)
            except (OSError, ValueError):
                readable = [sock]
            if readable:
                self.close()
                return False
        return True

    def write(self, data: bytes, timeout_s: float) -> asyncio.Future[WireResponse]:
        transport = self._transport
        assert transport is not None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[WireResponse] = loop.create_future()
        self._waiter = waiter
        self._timer = loop.call_later(timeout_s, self._timed_out)
        transport.write(data)
        return waiter

    def close(self) -> None:
        self.closed = True
        self._wire._forget(self)
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    # ---- internals ----------------------------------------------------------------------------
    def _prime(self) -> None:
        """Tell h11 a POST went out, so that it frames the answer (see `_PRIMER`)."""
        self._parser.send(_PRIMER)
        self._parser.send(h11.EndOfMessage())

    def _pump(self) -> None:
        parser = self._parser
        while True:
            event = parser.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Response):
                self._status = event.status_code
                self._headers = {
                    name.decode("latin-1"): value.decode("latin-1") for name, value in event.headers
                }
            elif isinstance(event, h11.Data):
                self._body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._complete()
                return
            elif isinstance(event, h11.ConnectionClosed):
                self._fail(WireError("connection closed before the answer", reached=True))
                return
            # an InformationalResponse (1xx) is skipped: the final answer follows

    def _complete(self) -> None:
        response = WireResponse(self._status, self._headers, b"".join(self._body))
        waiter, self._waiter = self._waiter, None
        self._cancel_timer()
        self._status, self._headers, self._body = 0, {}, []
        parser = self._parser
        if parser.our_state is h11.DONE and parser.their_state is h11.DONE:
            parser.start_next_cycle()
            self._prime()
            self._wire._idle_again(self)
        else:  # the server said it closes (or HTTP/1.0)
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    def _timed_out(self) -> None:
        self._timer = None
        self._fail(WireTimeoutError("no answer within the timeout", reached=True))

    def _fail(self, error: WireError) -> None:
        waiter, self._waiter = self._waiter, None
        self._cancel_timer()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        if not self.closed:
            self.close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class OrderWire:
    """Kept-alive HTTP/1.1 connections to one origin (``base_url``'s scheme, host and port)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        ssl_context: ssl.SSLContext | None = None,
        max_idle: int = 4,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"OrderWire needs an http(s) URL, got {base_url!r}")
        self._tls = url.scheme == "https"
        self._host = url.host
        default_port = 443 if self._tls else 80
        self._port = url.port or default_port
        self._authority = self._host if self._port == default_port else f"{self._host}:{self._port}"
        self._ssl = ssl_context
        self._timeout_s = timeout_s
        self._max_idle = max_idle
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()
        self._opening: asyncio.Task[None] | None = None
        self._closed = False
        self.sent_now = 0
        """Requests `try_send` wrote in the caller's call (for tests and the curious)."""

    @property
    def timeout_s(self) -> float:
        return self._timeout_s

    def encode(
        self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> bytes:
        """The request's bytes. Header values with a line break or outside ASCII are refused
        (`WireError`, not reached): they would split or corrupt the request."""
        lines = [f"{method} {target} HTTP/1.1\r\nhost: {self._authority}\r\n"]
        for name, value in headers:
            if "\r" in value or "\n" in value:
                raise WireError(f"header {name} holds a line break", reached=False)
            lines.append(f"{name}: {value}\r\n")
        lines.append(f"content-length: {len(body)}\r\n\r\n")
        try:
            return "".join(lines).encode("ascii") + body
        except UnicodeEncodeError as exc:
            raise WireError(f"a header is not ASCII: {exc}", reached=False) from None

    def try_send(
        self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> asyncio.Future[WireResponse] | None:
        """Write the request now on an idle connection and return its answer to await, or
        None when no connection is idle (one is then opened for the next request)."""
        connection = self._take()
        if connection is None:
            self._warm()
            return None
        try:
            data = self.encode(method, target, headers, body)
        except WireError:
            self._idle_again(connection)
            raise
        self.sent_now += 1
        return connection.write(data, self._timeout_s)

    async def send(
        self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> WireResponse:
        """Write the request on an idle connection, or a new one, and wait for its answer."""
        data = self.encode(method, target, headers, body)
        connection = self._take() or await self._open()
        return await connection.write(data, self._timeout_s)

    def has_idle(self) -> bool:
        """Whether a kept-alive connection is waiting (not checked for the server's FIN)."""
        return bool(self._idle)

    async def aclose(self) -> None:
        self._closed = True
        opening, self._opening = self._opening, None
        if opening is not None:
            opening.cancel()
            with contextlib.suppress(asyncio.CancelledError, WireError):
                await opening
        for connection in list(self._all):
            connection.close()
        self._idle.clear()

    # ---- connections --------------------------------------------------------------------------
    def _take(self) -> _Connection | None:
        idle = self._idle
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to be stale
            if connection.usable():
                return connection
        return None

    def _warm(self) -> None:
        if self._closed or (self._opening is not None and not self._opening.done()):
            return
        self._opening = asyncio.get_running_loop().create_task(self._open_idle())

    async def _open_idle(self) -> None:
        with contextlib.suppress(WireError):  # the next order opens its own, and says why
            self._idle_again(await self._open())

    async def _open(self) -> _Connection:
        if self._closed:
            raise WireError("the order connection pool is closed", reached=False)
        loop = asyncio.get_running_loop()
        context: ssl.SSLContext | None = None
        if self._tls:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            context = self._ssl
        try:
            async with asyncio.timeout(self._timeout_s):
                _, protocol = await loop.create_connection(
                    lambda: _Connection(self), self._host, self._port, ssl=context
                )
        except TimeoutError:
            raise WireTimeoutError(
                f"connecting to {self._authority} timed out", reached=False
            ) from None
        except OSError as exc:
            raise WireError(f"cannot connect to {self._authority}: {exc}", reached=False) from exc
        self._all.add(protocol)
        return protocol

    def _idle_again(self, connection: _Connection) -> None:
        if connection.closed:
            return
        if self._closed or len(self._idle) >= self._max_idle:
            connection.close()
            return
        self._all.add(connection)
        self._idle.append(connection)

    def _forget(self, connection: _Connection) -> None:
        self._all.discard(connection)
        with contextlib.suppress(ValueError):
            self._idle.remove(connection)
