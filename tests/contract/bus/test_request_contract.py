"""`MessageBus` contract, request/response: each test runs on every backend."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from jts.core.errors import InvalidInputError, StateError
from jts.domain.messages import Message
from jts.ports.bus import (
    EndpointError,
    MessageBus,
    NoEndpointError,
    RequestTimeoutError,
)
from tests.contract.bus.messages import Ping, Pong

pytestmark = pytest.mark.timeout(30)


# -- request/response ------------------------------------------------------------------------


async def test_request_gets_the_endpoint_response(bus: MessageBus) -> None:
    bus.register_endpoint("svc.echo", lambda m: Pong(seq=m.seq + 1, text=m.text))  # type: ignore[attr-defined]
    response = await bus.request("svc.echo", Ping(seq=41, text="주문"), timeout=5)
    assert response == Pong(seq=42, text="주문")


async def test_coroutine_endpoint(bus: MessageBus) -> None:
    async def slow_echo(message: Message) -> Message:
        await asyncio.sleep(0.01)
        return Pong(seq=message.seq)  # type: ignore[attr-defined]

    bus.register_endpoint("svc.slow", slow_echo)
    assert await bus.request("svc.slow", Ping(seq=7), timeout=5) == Pong(seq=7)


async def test_concurrent_requests_get_their_own_responses(bus: MessageBus) -> None:
    async def echo(message: Message) -> Message:
        seq = message.seq  # type: ignore[attr-defined]
        await asyncio.sleep(0.001 * (seq % 5))
        return Pong(seq=seq)

    bus.register_endpoint("svc.echo", echo)
    responses = await asyncio.gather(
        *(bus.request("svc.echo", Ping(seq=i), timeout=5) for i in range(30))
    )
    assert responses == [Pong(seq=i) for i in range(30)]


async def test_request_to_unknown_endpoint(bus: MessageBus) -> None:
    with pytest.raises(NoEndpointError, match=r"svc\.nobody"):
        await bus.request("svc.nobody", Ping(seq=1), timeout=1)


async def test_request_times_out(bus: MessageBus) -> None:
    async def never(_message: Message) -> Message:
        await asyncio.sleep(10)
        raise AssertionError("unreachable")

    bus.register_endpoint("svc.never", never)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError, match=r"svc\.never"):
        await bus.request("svc.never", Ping(seq=1), timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2.0


async def test_failing_endpoint_raises_endpoint_error(bus: MessageBus) -> None:
    def broken(_message: Message) -> Message:
        raise ValueError("no such order O-1")

    bus.register_endpoint("svc.broken", broken)
    with pytest.raises(EndpointError, match=r"svc\.broken.*ValueError: no such order O-1"):
        await bus.request("svc.broken", Ping(seq=1), timeout=5)


async def test_endpoint_handler_raising_timeout_is_a_failure_not_a_timeout(
    bus: MessageBus,
) -> None:
    async def confused(_message: Message) -> Message:
        raise TimeoutError("downstream timed out")

    bus.register_endpoint("svc.confused", confused)
    with pytest.raises(EndpointError, match="downstream timed out"):
        await bus.request("svc.confused", Ping(seq=1), timeout=5)


async def test_endpoint_returning_a_non_message(bus: MessageBus) -> None:
    bus.register_endpoint("svc.bad", lambda _m: {"not": "a message"})  # type: ignore[arg-type,return-value]
    with pytest.raises(EndpointError, match="dict, not a Message"):
        await bus.request("svc.bad", Ping(seq=1), timeout=5)


async def test_registering_an_endpoint_twice_is_refused(bus: MessageBus) -> None:
    bus.register_endpoint("svc.one", lambda m: m)
    with pytest.raises(StateError, match=r"svc\.one"):
        bus.register_endpoint("svc.one", lambda m: m)


async def test_unregistered_endpoint_is_no_longer_served(bus: MessageBus) -> None:
    bus.register_endpoint("svc.gone", lambda m: m)
    assert await bus.request("svc.gone", Ping(seq=1), timeout=5) == Ping(seq=1)
    bus.unregister_endpoint("svc.gone")
    bus.unregister_endpoint("svc.gone")  # idempotent
    # In-process the bus knows nobody serves it. Across processes another node might, so the
    # Redis backend times out, or answers with an error if the request raced the unregister.
    with pytest.raises((NoEndpointError, RequestTimeoutError, EndpointError)):
        await bus.request("svc.gone", Ping(seq=2), timeout=0.3)


@pytest.mark.parametrize("bad", [0, math.nan, "1"])
async def test_bad_request_timeout(bus: MessageBus, bad: object) -> None:
    bus.register_endpoint("svc.echo", lambda m: m)
    with pytest.raises(InvalidInputError, match="timeout"):
        await bus.request("svc.echo", Ping(seq=1), timeout=bad)  # type: ignore[arg-type]
