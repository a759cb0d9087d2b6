"""The oauth calls: access token, WebSocket approval key, revoke, and the order hashkey.

These speak to KIS directly (no token needed, no tr_id). The oauth endpoints answer errors as
``{"error_code", "error_description"}`` instead of the rt_cd envelope [S: brokers.md §1.2], and
the approval request names the secret ``secretkey``, not ``appsecret`` [S].
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

import httpx
import msgspec

from jts.adapters.kis.config import KisAppKey, KisHosts
from jts.adapters.kis.endpoints import APPROVAL_PATH, HASHKEY_PATH, REVOKE_PATH, TOKEN_PATH
from jts.adapters.kis.errors import (
    KisApiError,
    KisProtocolError,
    KisServerError,
    KisTimeoutError,
    KisTransportError,
    error_for_code,
)
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.schemas import ApprovalReply, Envelope, HashkeyReply, OAuthError, TokenReply
from jts.adapters.kis.tokens import IssuedCredential
from jts.core.time import KST, NANOS_PER_SECOND, dt_to_ns

__all__ = ["JSON_HEADERS", "KisAuthApi", "token_expiry_ns"]

JSON_HEADERS: Final = {"content-type": "application/json; charset=utf-8"}


def token_expiry_ns(reply: TokenReply, now_ns: int) -> int:
    """When a token expires: ``access_token_token_expired`` (KST text) when present and
    readable, else now + ``expires_in``."""
    text = reply.access_token_token_expired.strip()
    if text:
        try:
            moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST)
            return dt_to_ns(moment)
        except ValueError:
            pass
    if reply.expires_in > 0:
        return now_ns + reply.expires_in * NANOS_PER_SECOND
    raise KisProtocolError(
        f"token reply has neither a readable expiry ({text!r}) nor expires_in ({reply.expires_in})"
    )


class KisAuthApi:
    """Oauth and hashkey calls over a shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        hosts: KisHosts,
        *,
        approval_lifetime_s: float = 86_400.0,
        metrics: KisMetrics | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._client = client
        self._base = hosts.rest_url.rstrip("/")
        self._approval_ns = int(approval_lifetime_s * NANOS_PER_SECOND)
        self._metrics = metrics or KisMetrics()
        self._now = clock_ns

    async def _post(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        label = path.rsplit("/", 1)[-1]
        self._metrics.requests.inc(label)
        started = time.monotonic()
        try:
            response = await self._client.post(
                self._base + path,
                content=json.dumps(body, ensure_ascii=False).encode(),
                headers={**JSON_HEADERS, **(headers or {})},
            )
        except httpx.TimeoutException as exc:
            self._metrics.errors.inc("timeout")
            raise KisTimeoutError(f"KIS {path} timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            self._metrics.errors.inc("transport")
            reached = not isinstance(exc, httpx.ConnectError)
            raise KisTransportError(f"KIS {path} failed: {exc!r}", reached=reached) from exc
        finally:
            self._metrics.latency.observe(time.monotonic() - started, label)
        return response

    def _oauth_error(self, response: httpx.Response, path: str) -> KisApiError:
        try:
            error = msgspec.json.decode(response.content, type=OAuthError)
            if error.error_code:
                return error_for_code(
                    error.error_code, error.error_description, status=response.status_code
                )
            envelope = msgspec.json.decode(response.content, type=Envelope)
            if envelope.msg_cd:
                return error_for_code(envelope.msg_cd, envelope.msg1, status=response.status_code)
        except msgspec.DecodeError:
            pass
        return KisServerError(
            f"HTTP{response.status_code}",
            f"{path}: {response.text[:200]}",
            status=response.status_code,
        )

    def _decode(self, response: httpx.Response, path: str, kind: type[Any]) -> Any:
        if response.status_code != 200:
            error = self._oauth_error(response, path)
            self._metrics.errors.inc(error.msg_cd)
            raise error
        try:
            return msgspec.json.decode(response.content, type=kind)
        except msgspec.DecodeError as exc:
            error = self._oauth_error(response, path)
            if error.msg_cd and not error.msg_cd.startswith("HTTP"):
                self._metrics.errors.inc(error.msg_cd)
                raise error from exc
            raise KisProtocolError(f"KIS {path} reply is not what was expected: {exc}") from exc

    async def issue_token(self, app: KisAppKey) -> IssuedCredential:
        """``POST /oauth2/tokenP``; `KisTokenIssueRateError` when asked within the minute."""
        body = {
            "grant_type": "client_credentials",
            "appkey": app.app_key,
            "appsecret": app.app_secret,
        }
        now = self._now()
        reply: TokenReply = self._decode(await self._post(TOKEN_PATH, body), TOKEN_PATH, TokenReply)
        return IssuedCredential(value=reply.access_token, expires_ns=token_expiry_ns(reply, now))

    async def approval_key(self, app: KisAppKey) -> IssuedCredential:
        """``POST /oauth2/Approval`` (the secret travels as ``secretkey``)."""
        body = {
            "grant_type": "client_credentials",
            "appkey": app.app_key,
            "secretkey": app.app_secret,
        }
        now = self._now()
        response = await self._post(APPROVAL_PATH, body)
        reply: ApprovalReply = self._decode(response, APPROVAL_PATH, ApprovalReply)
        return IssuedCredential(value=reply.approval_key, expires_ns=now + self._approval_ns)

    async def revoke(self, app: KisAppKey, token: str) -> None:
        body = {"appkey": app.app_key, "appsecret": app.app_secret, "token": token}
        response = await self._post(REVOKE_PATH, body)
        if response.status_code != 200:
            raise self._oauth_error(response, REVOKE_PATH)

    async def hashkey(self, app: KisAppKey, body: Mapping[str, Any]) -> str:
        """``POST /uapi/hashkey``: the ``HASH`` of the exact order body, sent as ``hashkey``."""
        headers = {"appkey": app.app_key, "appsecret": app.app_secret}
        response = await self._post(HASHKEY_PATH, body, headers)
        reply: HashkeyReply = self._decode(response, HASHKEY_PATH, HashkeyReply)
        return reply.hash
