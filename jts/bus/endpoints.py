"""Calling an endpoint handler: shared by both backends so a request fails the same way in each.

A handler may answer directly or return an awaitable; either way its own exceptions become an
`EndpointError` naming the endpoint, and only the bus's deadline becomes a
`RequestTimeoutError` (a handler that itself raises ``TimeoutError`` is a failing handler, not a
timeout).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable

from jts.core.errors import InvalidInputError
from jts.domain.messages import Message
from jts.ports.bus import EndpointError, EndpointHandler, RequestTimeoutError


def check_timeout(timeout: float) -> None:
    """A request timeout must be a positive, finite number of seconds."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout < float("inf")
    ):
        raise InvalidInputError(
            f"request timeout must be a positive, finite number of seconds: {timeout!r}"
        )


async def call_endpoint(
    name: str, handler: EndpointHandler, message: Message, limit_s: float
) -> Message:
    """Run ``handler`` on ``message`` and return its response within ``limit_s`` seconds."""
    try:
        result = handler(message)
    except Exception as exc:
        raise _failed(name, exc) from exc
    if inspect.isawaitable(result):
        result = await _await_within(name, result, limit_s)
    if not isinstance(result, Message):
        raise EndpointError(f"endpoint {name!r} returned {type(result).__name__}, not a Message")
    return result


async def _await_within(name: str, awaitable: Awaitable[Message], limit_s: float) -> Message:
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=limit_s)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        raise RequestTimeoutError(f"endpoint {name!r} did not answer within {limit_s} s")
    try:
        return task.result()
    except Exception as exc:
        raise _failed(name, exc) from exc


def _failed(name: str, exc: Exception) -> EndpointError:
    return EndpointError(f"endpoint {name!r} failed: {type(exc).__name__}: {exc}")
