"""``/oauth2/tokenP``, ``/oauth2/revokeP``, ``/oauth2/Approval`` and ``/uapi/hashkey``.

The oauth endpoints answer errors as ``{"error_description", "error_code"}`` rather than the
``rt_cd`` envelope (EGW00133 is documented that way). The token reply is what python-kis and
the official sample parse: ``access_token``, ``token_type`` "Bearer", integer ``expires_in``
and ``access_token_token_expired`` as ``YYYY-MM-DD HH:MM:SS`` in KST.
"""

from __future__ import annotations

import json

from aiohttp import web

from jts.adapters.kis.simulator.auth import kst_expiry_text
from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.context import SimContext
from jts.adapters.kis.simulator.envelope import error_body, kis_response, oauth_error, read_body
from jts.core.time import NANOS_PER_SECOND

__all__ = ["AuthRoutes"]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


class AuthRoutes:
    def __init__(self, ctx: SimContext) -> None:
        self._ctx = ctx

    async def token(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request)
            if body.get("grant_type") != "client_credentials":
                return kis_response(
                    {
                        "error_description": "grant_type must be client_credentials",
                        "error_code": "EGW00002",
                    },
                    status=403,
                )
            record = self._ctx.auth.issue_token(
                _text(body.get("appkey")), _text(body.get("appsecret"))
            )
        except KisRequestError as exc:
            return oauth_error(exc.code)
        self._ctx.dirty = True
        now = self._ctx.clock.timestamp_ns()
        reply = {
            "access_token": record.token,
            "access_token_token_expired": kst_expiry_text(record.expires_ns),
            "token_type": "Bearer",
            "expires_in": max(0, (record.expires_ns - now) // NANOS_PER_SECOND),
        }
        return kis_response(reply)

    async def revoke(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request)
            revoked = self._ctx.auth.revoke(
                _text(body.get("appkey")), _text(body.get("appsecret")), _text(body.get("token"))
            )
        except KisRequestError as exc:
            return oauth_error(exc.code)
        self._ctx.dirty = True
        if revoked:
            return kis_response({"code": 200, "message": "접근토큰 폐기에 성공하였습니다"})
        return kis_response({"code": 403, "message": "유효하지 않은 token 입니다."}, status=403)

    async def approval(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request)
            record = self._ctx.auth.approve(_text(body.get("appkey")), _text(body.get("secretkey")))
        except KisRequestError as exc:
            return oauth_error(exc.code)
        self._ctx.dirty = True
        return kis_response({"approval_key": record.approval_key})

    async def hashkey(self, request: web.Request) -> web.Response:
        raw = await request.read()
        headers = request.headers
        try:
            digest = self._ctx.auth.hashkey(headers.get("appkey"), headers.get("appsecret"), raw)
        except KisRequestError as exc:
            return kis_response(error_body(exc.code), status=exc.code.status)
        try:
            echoed = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            echoed = {}
        return kis_response({"BODY": echoed, "HASH": digest})
