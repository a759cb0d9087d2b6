"""The REST client of one app key: headers, envelopes, errors, retries and paging.

Every ``/uapi`` request goes through `KisRestClient.request`, which

1. waits for a slot of the app key's rate limiter at the request's priority;
2. sends the headers KIS wants (brokers.md §1.3): ``content-type``, ``authorization: Bearer``,
   ``appkey``, ``appsecret``, ``tr_id``, ``tr_cont``, ``custtype``, and ``hashkey`` for orders
   when configured; GET parameters in the query, POST bodies as JSON with upper-case keys;
3. turns the answer into the typed body or a typed error (`errors`), and then
   - EGW00201 (rate limit): waits and retries, for every request: the gateway refused it before
     anything was processed;
   - EGW00123/EGW00121 (token): invalidates the token, gets a new one and retries once;
   - timeouts, transport errors and 5xx: retries queries with exponential backoff and jitter;
     an order is never re-sent (unless the connection was certainly never made): the error goes
     to the caller, which looks the order up first (`execution`).

`pages` follows ``tr_cont`` / ``CTX_AREA_*`` paging (brokers.md §1.3): while the reply header
``tr_cont`` is F or M, the next request carries ``tr_cont: N`` and the continuation keys from the
body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import msgspec

from jts.adapters.kis.auth import JSON_HEADERS, KisAuthApi
from jts.adapters.kis.config import KisAppKey, KisClientConfig
from jts.adapters.kis.endpoints import Endpoint
from jts.adapters.kis.errors import (
    KisApiError,
    KisProtocolError,
    KisRateLimitError,
    KisServerError,
    KisTimeoutError,
    KisTokenError,
    KisTransportError,
    error_for_code,
)
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.order_wire import OrderWire, WireError, WireResponse, WireTimeoutError
from jts.adapters.kis.rate_limit import Priority, RateLimiter
from jts.adapters.kis.schemas import Envelope, OAuthError
from jts.adapters.kis.tokens import TokenManager

__all__ = ["KisReply", "KisRestClient", "backoff_delay"]

_log = logging.getLogger(__name__)
T = TypeVar("T", bound=Envelope)


@dataclass(frozen=True, slots=True)
class KisReply(Generic[T]):
    """A successful answer: the typed body and the KIS response headers."""

    body: T
    tr_cont: str
    tr_id: str
    gt_uid: str
    status: int


def backoff_delay(
    attempt: int, base_s: float, max_s: float, jitter: float, rng: random.Random
) -> float:
    """``base x 2^(attempt-1)`` capped at ``max``, of which a ``jitter`` share is random."""
    delay = min(max_s, base_s * (1 << max(0, attempt - 1)))
    return delay * (1 - jitter) + delay * jitter * rng.random()


class KisRestClient:
    """``/uapi`` requests for one app key (see module doc)."""

    def __init__(
        self,
        config: KisClientConfig,
        app: KisAppKey,
        *,
        client: httpx.AsyncClient,
        orders_transport: httpx.AsyncBaseTransport | None = None,
        order_wire: OrderWire | None = None,
        tokens: TokenManager,
        limiter: RateLimiter,
        auth: KisAuthApi | None = None,
        metrics: KisMetrics | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._app = app
        self._client = client
        self._tokens = tokens
        self.limiter = limiter
        self._auth = auth
        self._metrics = metrics or KisMetrics()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self._base = config.resolved_hosts.rest_url.rstrip("/")
        # parsed once per path: httpx parses a URL given as text on every request, and an
        # order request is on the way to the venue (about a sixth of httpx's work before
        # the transport)
        self._urls: dict[str, httpx.URL] = {}
        # Orders skip the client's layers (auth flow, redirects, hooks, cookies, mounts): on
        # the way to the venue they were two thirds of the adapter's time (see `_send`).
        self._orders_transport = orders_transport
        # Or better, order requests are written by hand on kept-alive connections, at once when
        # nothing makes them wait (`start_order`, `order_wire`): the node's default.
        self._wire = order_wire
        self._targets: dict[str, str] = {}
        timeout = config.retry.timeout_s
        self._timeouts = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}

    @property
    def app(self) -> KisAppKey:
        return self._app

    @property
    def tokens(self) -> TokenManager:
        return self._tokens

    def tr_id(self, endpoint: Endpoint) -> str:
        return endpoint.tr_id(self._config.env, self._config.tr_ids)

    # ---- one request --------------------------------------------------------------------------
    async def request(
        self,
        endpoint: Endpoint,
        reply_type: type[T],
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, str] | None = None,
        tr_cont: str = "",
        priority: Priority = Priority.QUERY,
        sent: tuple[str, Awaitable[WireResponse]] | None = None,
    ) -> KisReply[T]:
        tr_id = self.tr_id(endpoint)
        retry = self._config.retry
        label = endpoint.op.value
        failures = 0
        rate_limited = 0
        renewed = False
        hashkey = None
        if endpoint.is_order and body is not None and self._config.use_hashkey and self._auth:
            hashkey = await self._auth.hashkey(self._app, body)
        while True:
            try:
                if sent is not None:  # the first attempt went out already (`start_order`)
                    token, answer = sent
                    sent = None
                    response: httpx.Response | WireResponse = await answer
                else:
                    waited = await self.limiter.acquire(priority)
                    if waited > 0:
                        self._metrics.rate_limit_waits.inc(self._app.label)
                        self._metrics.rate_limit_wait_seconds.observe(waited, self._app.label)
                    token = await self._tokens.get()
                    response = await self._send(
                        endpoint,
                        tr_id,
                        token,
                        params=params,
                        body=body,
                        tr_cont=tr_cont,
                        hashkey=hashkey,
                    )
                return self._decode(response, reply_type, tr_id)
            except KisRateLimitError:
                rate_limited += 1
                if rate_limited > retry.rate_limit_attempts:
                    raise
                self._metrics.retries.inc("rate_limit")
                await self._sleep(retry.rate_limit_wait_s * (0.5 + self._rng.random()))
            except KisTokenError:
                if renewed:
                    raise
                renewed = True
                self._metrics.retries.inc("token")
                await self._tokens.invalidate(token)
            except (KisTransportError, KisServerError) as exc:
                reached = getattr(exc, "reached", True)
                if endpoint.is_order and reached is not False:
                    raise  # never blindly re-send an order: the caller looks it up
                failures += 1
                if failures >= retry.query_attempts:
                    raise
                self._metrics.retries.inc(label)
                delay = backoff_delay(
                    failures, retry.backoff_base_s, retry.backoff_max_s, 0.5, self._rng
                )
                _log.info("KIS %s failed (%s); retry %d in %.2f s", label, exc, failures, delay)
                await self._sleep(delay)

    def start_order(
        self, endpoint: Endpoint, reply_type: type[T], body: Mapping[str, str]
    ) -> Coroutine[Any, Any, KisReply[T]] | None:
        """Write an order request now, in this call, when nothing would make it wait: a slot
        free in the local rate-limit bucket with nobody queued, a fresh cached access token, no
        hashkey to fetch, an idle kept-alive connection (`OrderWire`). Returns the answer to
        await, handled exactly as `request` handles it (retries included); None when the order
        must go the usual way (nothing was sent, no slot taken unless the connection turned out
        stale)."""
        wire = self._wire
        if (
            wire is None
            or endpoint.method != "POST"
            or not wire.has_idle()
            or (self._config.use_hashkey and self._auth)
        ):
            return None
        token = self._tokens.cached()
        if token is None or not self.limiter.try_acquire(Priority.ORDER):
            return None
        tr_id = self.tr_id(endpoint)
        headers = self._headers(tr_id, token, "", None)
        content = json.dumps(body, ensure_ascii=False).encode()
        started = time.monotonic()
        try:
            pending = wire.try_send(
                endpoint.method, self._target(endpoint), headers.items(), content
            )
        except WireError:
            return None  # a header that cannot be sent: the usual way reports it
        if pending is None:
            return None
        label = endpoint.op.value
        self._metrics.requests.inc(label)
        answer = self._answer(pending, label, tr_id, started)
        return self.request(
            endpoint, reply_type, body=body, priority=Priority.ORDER, sent=(token, answer)
        )

    async def _send(
        self,
        endpoint: Endpoint,
        tr_id: str,
        token: str,
        *,
        params: Mapping[str, str] | None,
        body: Mapping[str, str] | None,
        tr_cont: str,
        hashkey: str | None,
    ) -> httpx.Response | WireResponse:
        headers = self._headers(tr_id, token, tr_cont, hashkey)
        label = endpoint.op.value
        self._metrics.requests.inc(label)
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        url = self._urls.get(endpoint.path)
        if url is None:
            url = self._urls[endpoint.path] = httpx.URL(self._base + endpoint.path)
        started = time.monotonic()
        wire = self._wire
        if wire is not None and endpoint.is_order and endpoint.method == "POST" and content:
            pending = wire.send(endpoint.method, self._target(endpoint), headers.items(), content)
            return await self._answer(pending, label, tr_id, started)
        try:
            direct = self._orders_transport
            if direct is not None and endpoint.is_order and params is None:
                return await self._send_direct(direct, endpoint.method, url, content, headers)
            return await self._client.request(
                endpoint.method,
                url,
                params=dict(params) if params is not None else None,
                content=content,
                headers=headers,
                timeout=self._config.retry.timeout_s,
            )
        except httpx.TimeoutException as exc:
            self._metrics.errors.inc("timeout")
            # a connect timeout never reached the server; a read timeout may have been processed
            reached = not isinstance(exc, httpx.ConnectTimeout)
            raise KisTimeoutError(f"KIS {label} ({tr_id}) timed out", reached=reached) from exc
        except httpx.TransportError as exc:
            self._metrics.errors.inc("transport")
            reached = not isinstance(exc, httpx.ConnectError)
            raise KisTransportError(
                f"KIS {label} ({tr_id}) failed: {exc!r}", reached=reached
            ) from exc
        finally:
            self._metrics.latency.observe(time.monotonic() - started, label)

    def _headers(self, tr_id: str, token: str, tr_cont: str, hashkey: str | None) -> dict[str, str]:
        headers = {
            **JSON_HEADERS,
            "authorization": f"Bearer {token}",
            "appkey": self._app.app_key,
            "appsecret": self._app.app_secret,
            "tr_id": tr_id,
            "tr_cont": tr_cont,
            "custtype": self._config.custtype,
        }
        if hashkey:
            headers["hashkey"] = hashkey
        return headers

    def _target(self, endpoint: Endpoint) -> str:
        """The request target of an order endpoint, for the wire (parsed once per path)."""
        target = self._targets.get(endpoint.path)
        if target is None:
            url = httpx.URL(self._base + endpoint.path)
            target = self._targets[endpoint.path] = url.raw_path.decode("ascii")
        return target

    async def _answer(
        self, pending: Awaitable[WireResponse], label: str, tr_id: str, started: float
    ) -> WireResponse:
        """A wire answer, its failures as the errors httpx's would be (`_send`)."""
        try:
            return await pending
        except WireTimeoutError as exc:
            self._metrics.errors.inc("timeout")
            raise KisTimeoutError(f"KIS {label} ({tr_id}) timed out", reached=exc.reached) from exc
        except WireError as exc:
            self._metrics.errors.inc("transport")
            raise KisTransportError(
                f"KIS {label} ({tr_id}) failed: {exc}", reached=exc.reached
            ) from exc
        finally:
            self._metrics.latency.observe(time.monotonic() - started, label)

    async def _send_direct(
        self,
        transport: httpx.AsyncBaseTransport,
        method: str,
        url: httpx.URL,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        """An order straight to the transport (measured in the live node: httpx's client took
        ~180 us of the ~280 us from the adapter's task to the transport, the transport ~0).
        What the client would add does not apply to ``/uapi`` orders: no cookies, redirects,
        auth flow or hooks, and no proxy (the node passes no transport when one is set)."""
        request = httpx.Request(
            method, url, content=content, headers=headers, extensions={"timeout": self._timeouts}
        )
        response = await transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    def _decode(
        self, response: httpx.Response | WireResponse, reply_type: type[T], tr_id: str
    ) -> KisReply[T]:
        status = response.status_code
        content = response.content
        try:
            body = msgspec.json.decode(content, type=reply_type)
        except msgspec.DecodeError as exc:
            raise self._error(status, content, tr_id, exc) from exc
        if status != 200 or body.rt_cd.strip() != "0":
            raise self._error(status, content, tr_id, None)
        headers = response.headers
        return KisReply(
            body=body,
            tr_cont=headers.get("tr_cont", "").strip(),
            tr_id=headers.get("tr_id", tr_id),
            gt_uid=headers.get("gt_uid", ""),
            status=status,
        )

    def _error(
        self, status: int, content: bytes, tr_id: str, cause: Exception | None
    ) -> KisApiError | KisProtocolError:
        """The typed error of a failed answer: the envelope's ``msg_cd``, the oauth-style
        ``error_code``, or the HTTP status when the body says nothing (a proxy's 502 page)."""
        error: KisApiError | KisProtocolError
        envelope = _decode_or_none(content, Envelope)
        oauth = _decode_or_none(content, OAuthError)
        text = content[:200].decode("utf-8", "replace")
        if envelope is not None and status == 200 and envelope.rt_cd.strip() == "0":
            error = KisProtocolError(f"KIS {tr_id} reply does not match its schema: {cause}")
        elif envelope is not None and (envelope.msg_cd.strip() or envelope.rt_cd.strip()):
            code = envelope.msg_cd.strip() or f"HTTP{status}"
            error = error_for_code(code, envelope.msg1, status=status, tr_id=tr_id)
        elif oauth is not None and oauth.error_code.strip():
            error = error_for_code(
                oauth.error_code, oauth.error_description, status=status, tr_id=tr_id
            )
        elif status == 200:
            error = KisProtocolError(f"KIS {tr_id} reply has no rt_cd/msg_cd: {text!r}")
        else:
            error = error_for_code(f"HTTP{status}", text, status=status, tr_id=tr_id)
        self._metrics.errors.inc(error.msg_cd if isinstance(error, KisApiError) else "protocol")
        return error

    # ---- paging -------------------------------------------------------------------------------
    async def pages(
        self,
        endpoint: Endpoint,
        reply_type: type[T],
        params: Mapping[str, str],
        *,
        priority: Priority = Priority.QUERY,
    ) -> AsyncIterator[KisReply[T]]:
        """Every page of a paged inquiry, in order."""
        fk_key, nk_key = endpoint.ctx_keys
        current = dict(params)
        current.setdefault(fk_key, "")
        current.setdefault(nk_key, "")
        tr_cont = ""
        seen: set[str] = set()
        for _ in range(self._config.retry.max_pages):
            reply = await self.request(
                endpoint, reply_type, params=current, tr_cont=tr_cont, priority=priority
            )
            yield reply
            if reply.tr_cont.upper() not in self._config.more_pages_markers:
                return
            fk = str(getattr(reply.body, fk_key.lower(), ""))
            nk = str(getattr(reply.body, nk_key.lower(), ""))
            if nk in seen:
                raise KisProtocolError(
                    f"KIS {endpoint.op.value} paging repeats continuation key {nk.strip()!r}"
                )
            seen.add(nk)
            current[fk_key], current[nk_key] = fk, nk
            tr_cont = "N"
        raise KisProtocolError(
            f"KIS {endpoint.op.value} returned more than {self._config.retry.max_pages} pages"
        )


_D = TypeVar("_D")


def _decode_or_none(content: bytes, kind: type[_D]) -> _D | None:
    try:
        return msgspec.json.decode(content, type=kind)
    except msgspec.DecodeError:
        return None
