"""POSTing JSON for the HTTP channels, with every failure turned into a `DeliveryError`.

Requests go straight through an httpx transport rather than an ``httpx.AsyncClient``: the
client logs every request URL at INFO, and our URLs are secrets (a Slack webhook URL is its
key, a Telegram URL contains the bot token). The transport is httpx's documented lower layer
(connection pooling, TLS, timeouts per request); what the client would add, redirects and
cookies, a webhook must not use anyway. Tests pass an ``httpx.MockTransport`` or let the
channel build a real one against a local server.

Secrets are scrubbed from every error message (an exception text or a response body that
echoes the URL), and exceptions are raised ``from None`` so that a traceback cannot carry the
original exception (which holds the request, and so the URL) into a log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import httpx
import msgspec

from jts.ports.notifier import DeliveryError

MASK: Final = "***"
USER_AGENT: Final = "jts-alerts"
#: How much of an error response body goes into the error message.
BODY_EXCERPT: Final = 200


class Scrubber:
    """Replaces secret values (longest first) with ``***`` in text meant for logs or errors."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; the HTTP-date form is ignored (the backoff applies)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class JsonPoster:
    """One channel's HTTP sender: owns its transport unless one is handed in."""

    def __init__(
        self,
        channel: str,
        *,
        timeout_s: float,
        scrub: Scrubber,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._channel = channel
        self._timeout = httpx.Timeout(timeout_s).as_dict()
        self._timeout_s = timeout_s
        self._scrub = scrub
        self._owns_transport = transport is None
        self._transport = transport if transport is not None else httpx.AsyncHTTPTransport()

    async def post(
        self, url: str, payload: object, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST ``payload`` as JSON; returns the response (any status) with its body read.

        Network failures and timeouts raise a retryable `DeliveryError`.
        """
        all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if headers:
            all_headers.update(headers)
        request: httpx.Request | None
        try:
            request = httpx.Request(
                "POST",
                url,
                content=msgspec.json.encode(payload),
                headers=all_headers,
                extensions={"timeout": self._timeout},
            )
        except (httpx.InvalidURL, ValueError):
            request = None
        if request is None or request.url.scheme not in ("http", "https") or not request.url.host:
            raise DeliveryError(
                f"{self._channel}: the configured URL is not a valid http(s) URL", retryable=False
            )
        try:
            response = await self._transport.handle_async_request(request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise DeliveryError(
                f"{self._channel}: no answer within {self._timeout_s:g} s", retryable=True
            ) from None
        except httpx.TransportError as exc:
            reason = self._scrub(str(exc)) or type(exc).__name__
            raise DeliveryError(
                f"{self._channel}: {type(exc).__name__}: {reason}", retryable=True
            ) from None
        return response

    def raise_for_status(
        self,
        response: httpx.Response,
        *,
        detail: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        """Raise a `DeliveryError` for anything but 2xx: retryable for 408, 429 and 5xx.

        ``detail`` replaces the body excerpt in the message (a receiver's parsed error text);
        ``retry_after_s`` the Retry-After header (a receiver that says it in the body).
        """
        status = response.status_code
        if 200 <= status < 300:
            return
        if detail is None:
            detail = response.content[:BODY_EXCERPT].decode("utf-8", "replace").strip()
        reason = f"{self._channel}: HTTP {status}"
        if detail:
            reason += f": {self._scrub(detail)}"
        if 300 <= status < 400:
            raise DeliveryError(
                f"{reason} (redirects are not followed; check the configured URL)",
                retryable=False,
            )
        retryable = status in (408, 429) or status >= 500
        if retry_after_s is None:
            retry_after_s = _retry_after(response.headers.get("Retry-After"))
        raise DeliveryError(reason, retryable=retryable, retry_after_s=retry_after_s)

    async def aclose(self) -> None:
        if self._owns_transport:
            await self._transport.aclose()
