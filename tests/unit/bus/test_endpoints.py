"""Calling endpoint handlers: the outcomes both backends share."""

from __future__ import annotations

import asyncio
import math

import pytest

from jts.bus.endpoints import call_endpoint, check_timeout
from jts.core.errors import InvalidInputError
from jts.domain.messages import Message
from jts.ports.bus import EndpointError, RequestTimeoutError
from tests.contract.bus.messages import Ping, Pong


@pytest.mark.parametrize("good", [0.001, 1, 2.5, 3600])
def test_good_timeouts(good: float) -> None:
    check_timeout(good)


@pytest.mark.parametrize("bad", [0, -1, -0.5, math.nan, math.inf, True, None, "1"])
def test_bad_timeouts_name_the_value(bad: object) -> None:
    with pytest.raises(InvalidInputError, match=f"seconds: {bad!r}"):
        check_timeout(bad)  # type: ignore[arg-type]


async def test_sync_and_async_handlers() -> None:
    async def later(message: Message) -> Message:
        await asyncio.sleep(0)
        return Pong(seq=message.seq)  # type: ignore[attr-defined]

    assert await call_endpoint("e", lambda m: Pong(seq=1), Ping(seq=1), 1) == Pong(seq=1)
    assert await call_endpoint("e", later, Ping(seq=2), 1) == Pong(seq=2)


async def test_deadline_cancels_the_handler() -> None:
    cancelled = asyncio.Event()

    async def stuck(_message: Message) -> Message:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    with pytest.raises(RequestTimeoutError, match=r"'svc\.stuck' did not answer within 0\.05 s"):
        await call_endpoint("svc.stuck", stuck, Ping(seq=1), 0.05)
    await asyncio.wait_for(cancelled.wait(), 1)


async def test_cancelling_the_caller_cancels_the_handler() -> None:
    cancelled = asyncio.Event()

    async def stuck(_message: Message) -> Message:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    caller = asyncio.ensure_future(call_endpoint("svc.stuck", stuck, Ping(seq=1), 5))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.wait_for(cancelled.wait(), 1)


async def test_handler_errors_become_endpoint_errors_with_cause() -> None:
    def sync_fail(_message: Message) -> Message:
        raise KeyError("O-1")

    async def async_fail(_message: Message) -> Message:
        raise TimeoutError("broker timed out")

    with pytest.raises(EndpointError, match=r"'svc\.a' failed: KeyError") as info:
        await call_endpoint("svc.a", sync_fail, Ping(seq=1), 1)
    assert isinstance(info.value.__cause__, KeyError)
    with pytest.raises(EndpointError, match="TimeoutError: broker timed out"):
        await call_endpoint("svc.b", async_fail, Ping(seq=1), 1)


async def test_non_message_responses_are_refused() -> None:
    async def returns_none(_message: Message) -> Message:
        return None  # type: ignore[return-value]

    with pytest.raises(EndpointError, match="returned NoneType, not a Message"):
        await call_endpoint("svc.a", returns_none, Ping(seq=1), 1)
