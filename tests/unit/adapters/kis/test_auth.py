from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from jts.adapters.kis.auth import KisAuthApi, token_expiry_ns
from jts.adapters.kis.config import KisAppKey, KisHosts
from jts.adapters.kis.errors import (
    KisAuthError,
    KisProtocolError,
    KisServerError,
    KisTokenIssueRateError,
    KisTransportError,
)
from jts.adapters.kis.schemas import TokenReply
from jts.core.time import KST, NANOS_PER_SECOND, dt_to_ns

APP = KisAppKey("PSappkey0001", "secret-1")
HOSTS = KisHosts("http://kis.test", "ws://kis.test")


def api(handler) -> KisAuthApi:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return KisAuthApi(client, HOSTS, approval_lifetime_s=100, clock_ns=lambda: 5 * NANOS_PER_SECOND)


def test_expiry_from_the_kst_text_or_expires_in():
    reply = TokenReply(
        access_token="t", expires_in=86400, access_token_token_expired="2026-03-03 09:00:00"
    )
    assert token_expiry_ns(reply, 0) == dt_to_ns(dt.datetime(2026, 3, 3, 9, tzinfo=KST))
    fallback = TokenReply(access_token="t", expires_in=100, access_token_token_expired="garbage")
    assert token_expiry_ns(fallback, 7) == 7 + 100 * NANOS_PER_SECOND
    with pytest.raises(KisProtocolError):
        token_expiry_ns(TokenReply(access_token="t"), 0)


async def test_issue_token_sends_the_documented_body():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["path"] = request.url.path
        seen["body"] = json.loads(request.content)
        seen["ctype"] = request.headers["content-type"]
        return httpx.Response(
            200,
            json={
                "access_token": "abc",
                "token_type": "Bearer",
                "expires_in": 86400,
                "access_token_token_expired": "2026-03-03 09:00:00",
            },
        )

    issued = await api(handler).issue_token(APP)
    assert issued.value == "abc"
    assert seen["path"] == "/oauth2/tokenP"
    assert seen["body"] == {
        "grant_type": "client_credentials",
        "appkey": APP.app_key,
        "appsecret": "secret-1",
    }
    assert seen["ctype"].startswith("application/json")


async def test_egw00133_is_typed_from_the_oauth_error_shape():
    def handler(request):
        return httpx.Response(
            403,
            json={
                "error_code": "EGW00133",
                "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
            },
        )

    with pytest.raises(KisTokenIssueRateError, match="1분당 1회"):
        await api(handler).issue_token(APP)


async def test_bad_key_answered_with_the_envelope_is_an_auth_error():
    def handler(request):
        return httpx.Response(
            500, json={"rt_cd": "1", "msg_cd": "EGW00103", "msg1": "유효하지 않은 AppKey입니다."}
        )

    with pytest.raises(KisAuthError):
        await api(handler).issue_token(APP)


async def test_a_proxy_error_page_is_a_server_error():
    def handler(request):
        return httpx.Response(502, text="<html>bad gateway</html>")

    with pytest.raises(KisServerError, match="bad gateway"):
        await api(handler).issue_token(APP)


async def test_approval_key_uses_secretkey_and_lifetime():
    seen = {}

    def handler(request):
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json={"approval_key": "appr-1"})

    issued = await api(handler).approval_key(APP)
    assert seen["body"] == {
        "grant_type": "client_credentials",
        "appkey": APP.app_key,
        "secretkey": "secret-1",
    }
    assert issued.value == "appr-1"
    assert issued.expires_ns == 105 * NANOS_PER_SECOND


async def test_hashkey_sends_keys_as_headers_and_returns_hash():
    seen = {}

    def handler(request):
        seen["appkey"] = request.headers["appkey"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json={"BODY": seen["body"], "HASH": "h4sh"})

    body = {"CANO": "12345678", "ORD_QTY": "1"}
    assert await api(handler).hashkey(APP, body) == "h4sh"
    assert seen == {"appkey": APP.app_key, "body": body}


async def test_connection_refused_is_a_transport_error_that_never_reached():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(KisTransportError) as info:
        await api(handler).issue_token(APP)
    assert info.value.reached is False
