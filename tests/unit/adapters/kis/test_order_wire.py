"""`OrderWire` against real HTTP/1.1 servers on 127.0.0.1 (asyncio streams, so each test says
exactly what the server does on the wire: keep alive, chunk, close, stall, talk nonsense)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from jts.adapters.kis.order_wire import OrderWire, WireError, WireTimeoutError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
HEADERS = [("content-type", "application/json"), ("tr_id", "VTTC0802U")]


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    """One request: the request line, headers (lower-case names), body; None at EOF."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    line, *fields = head.decode("ascii").split("\r\n")
    headers = {}
    for field in fields:
        if field:
            name, _, value = field.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return line, headers, body


def answer(body: bytes, *, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{extra}"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[str, list[asyncio.StreamWriter]]]:
    """A server on a free port; yields its URL and the connections it accepted."""
    accepted: list[asyncio.StreamWriter] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", accepted
    finally:
        server.close()
        for writer in accepted:
            writer.close()
        await server.wait_closed()


def echo(seen: list[tuple[str, dict[str, str], bytes]]) -> Handler:
    """Keeps the connection alive and answers each request with its own body."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (request := await read_request(reader)) is not None:
            seen.append(request)
            writer.write(answer(request[2]))
            await writer.drain()

    return handle


async def warm(wire: OrderWire) -> None:
    """The first `try_send` finds nothing idle and opens a connection for the next one."""
    assert wire.try_send("POST", "/x", HEADERS, b"{}") is None
    for _ in range(200):
        if wire.has_idle():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("no connection was opened")


async def test_a_request_is_written_in_the_call_and_the_connection_kept_alive() -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    async with serve(echo(seen)) as (url, accepted):
        wire = OrderWire(url, timeout_s=2)
        await warm(wire)
        body = json.dumps({"ORD_QTY": "3"}).encode()
        pending = wire.try_send("POST", "/uapi/order-cash", HEADERS, body)
        assert pending is not None
        assert wire.sent_now == 1
        response = await pending
        assert (response.status_code, response.content) == (200, body)
        assert response.headers["content-type"] == "application/json"
        line, headers, received = seen[0]
        assert line == "POST /uapi/order-cash HTTP/1.1"
        assert headers["host"] == url.removeprefix("http://")
        assert headers["tr_id"] == "VTTC0802U"
        assert received == body
        for n in range(3):  # the same connection, again and again
            again = wire.try_send("POST", "/uapi/order-cash", HEADERS, b'{"n": %d}' % n)
            assert again is not None
            assert (await again).content == b'{"n": %d}' % n
        assert len(accepted) == 1
        await wire.aclose()


async def test_send_opens_a_connection_when_none_is_idle() -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    async with serve(echo(seen)) as (url, _):
        wire = OrderWire(url, timeout_s=2)
        response = await wire.send("POST", "/o", HEADERS, b"{}")
        assert response.content == b"{}"
        assert wire.has_idle()
        await wire.aclose()
        assert not wire.has_idle()


async def test_a_chunked_answer_is_put_together() -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            writer.write(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                b'5\r\n{"a":\r\n4\r\n "b"\r\n1\r\n}\r\n0\r\n\r\n'
            )
            await writer.drain()

    async with serve(chunked) as (url, accepted):
        wire = OrderWire(url, timeout_s=2)
        assert (await wire.send("POST", "/o", HEADERS, b"{}")).content == b'{"a": "b"}'
        assert (await wire.send("POST", "/o", HEADERS, b"{}")).content == b'{"a": "b"}'
        assert len(accepted) == 1  # still kept alive after a chunked answer
        await wire.aclose()


async def test_a_connection_the_server_closes_is_not_reused() -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await read_request(reader) is not None:
            writer.write(answer(b"{}", extra="connection: close\r\n"))
            await writer.drain()

    async with serve(once) as (url, accepted):
        wire = OrderWire(url, timeout_s=2)
        assert (await wire.send("POST", "/o", HEADERS, b"{}")).content == b"{}"
        assert not wire.has_idle()
        assert (await wire.send("POST", "/o", HEADERS, b"{}")).content == b"{}"
        assert len(accepted) == 2
        await wire.aclose()


async def test_an_idle_connection_the_server_has_closed_is_never_written_to() -> None:
    """The server's FIN is waiting unread on the idle socket: `try_send` must see it and say
    "no connection" rather than write an order into a closing connection."""
    closed = asyncio.Event()

    async def answer_then_hang_up(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if await read_request(reader) is not None:
            writer.write(answer(b"{}"))
            await writer.drain()
            writer.close()
            closed.set()

    async with serve(answer_then_hang_up) as (url, _):
        wire = OrderWire(url, timeout_s=2)
        await wire.send("POST", "/o", HEADERS, b"{}")
        await closed.wait()
        # no loop turn for the protocol to hear the FIN: only the readability check can know
        assert wire.try_send("POST", "/o", HEADERS, b"{}") is None
        assert wire.sent_now == 0
        await wire.aclose()


async def test_no_answer_in_time_is_a_timeout_that_may_have_reached_the_server() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async with serve(silent) as (url, _):
        wire = OrderWire(url, timeout_s=0.1)
        with pytest.raises(WireTimeoutError) as caught:
            await wire.send("POST", "/o", HEADERS, b"{}")
        assert caught.value.reached is True
        assert not wire.has_idle()  # a late answer must never be taken for the next request
        await wire.aclose()


async def test_a_refused_connection_never_reached_the_server() -> None:
    async with serve(echo([])) as (url, _):
        pass  # the port is free again
    wire = OrderWire(url, timeout_s=1)
    with pytest.raises(WireError) as caught:
        await wire.send("POST", "/o", HEADERS, b"{}")
    assert caught.value.reached is False
    await wire.aclose()


async def test_a_connection_dropped_before_the_answer_may_have_reached_the_server() -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # read it, then hang up without a word

    async with serve(drop) as (url, _):
        wire = OrderWire(url, timeout_s=2)
        with pytest.raises(WireError) as caught:
            await wire.send("POST", "/o", HEADERS, b"{}")
        assert caught.value.reached is True
        await wire.aclose()


async def test_a_malformed_answer_is_an_error_and_the_connection_is_dropped() -> None:
    async def nonsense(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            writer.write(b"this is not HTTP\r\n\r\n")
            await writer.drain()

    async with serve(nonsense) as (url, _):
        wire = OrderWire(url, timeout_s=2)
        with pytest.raises(WireError, match="malformed") as caught:
            await wire.send("POST", "/o", HEADERS, b"{}")
        assert caught.value.reached is True
        assert not wire.has_idle()
        await wire.aclose()


async def test_a_header_that_would_split_the_request_is_refused_before_writing() -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []
    async with serve(echo(seen)) as (url, _):
        wire = OrderWire(url, timeout_s=2)
        await warm(wire)
        with pytest.raises(WireError) as caught:
            wire.try_send("POST", "/o", [("tr_id", "X\r\nevil: 1")], b"{}")
        assert caught.value.reached is False
        with pytest.raises(WireError):
            wire.try_send("POST", "/o", [("tr_id", "정")], b"{}")
        assert wire.has_idle()  # the connection is still good, and used next
        pending = wire.try_send("POST", "/o", HEADERS, b"{}")
        assert pending is not None
        await pending
        assert len(seen) == 1
        await wire.aclose()


def test_only_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        OrderWire("ftp://example.test", timeout_s=1)
