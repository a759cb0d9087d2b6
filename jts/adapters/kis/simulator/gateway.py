"""The API gateway in front of every ``/uapi`` endpoint: credentials, rate limit, tr_id.

Order of checks: app key and secret, bearer token (expired -> EGW00123), the per-app-key rate
limit (EGW00201, non-2xx), then the tr_id against the endpoint and environment. Handlers are
plain functions of an `ApiCall`; the gateway turns their result or their `KisRequestError` into
a KIS reply, echoing ``tr_id`` and always sending a ``tr_cont`` header (never empty).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from jts.adapters.kis.simulator.codes import Codes, KisRequestError, invalid_input
from jts.adapters.kis.simulator.config import AppConfig
from jts.adapters.kis.simulator.context import SimContext
from jts.adapters.kis.simulator.envelope import error_body, kis_response, read_params
from jts.adapters.kis.simulator.state import AccountRecord
from jts.adapters.kis.simulator.trids import Op, classify_tr_id

__all__ = ["ApiCall", "ApiHandler", "ApiResult", "api_route"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ApiResult:
    body: dict[str, Any]
    tr_cont: str = "D"


@dataclass(frozen=True, slots=True)
class ApiCall:
    ctx: SimContext
    op: Op
    tr_id: str
    tr_cont: str
    params: dict[str, str]
    app: AppConfig

    def param(self, name: str, default: str = "") -> str:
        return self.params.get(name, default).strip()

    def required(self, name: str) -> str:
        value = self.param(name)
        if not value:
            raise invalid_input(name)
        return value

    def int_param(self, name: str, default: int | None = None) -> int:
        """A non-negative integer field; blank takes ``default`` (else it is an input error)."""
        text = self.param(name)
        if not text and default is not None:
            return default
        if not text.isdigit():
            raise invalid_input(name)
        return int(text)

    def account(self) -> AccountRecord:
        """The account named by CANO + ACNT_PRDT_CD, if this app may use it."""
        cano, product = self.required("CANO"), self.required("ACNT_PRDT_CD")
        account = self.ctx.state.account(cano, product)
        if self.app.accounts and account.key not in self.app.accounts:
            raise KisRequestError(Codes.INPUT_ACCOUNT)
        return account


ApiHandler = Callable[[ApiCall], ApiResult]


def api_route(
    ctx: SimContext, ops: frozenset[Op], handler: ApiHandler
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def route(request: web.Request) -> web.Response:
        headers = request.headers
        tr_id = headers.get("tr_id", "").strip()
        try:
            token = ctx.auth.authenticate(
                headers.get("authorization"), headers.get("appkey"), headers.get("appsecret")
            )
            if not ctx.limiter.try_acquire(token.app_key):
                code = Codes.RATE_LIMIT
                return kis_response(error_body(code), status=code.status, tr_id=tr_id)
            op = classify_tr_id(tr_id, ctx.env, ops)
            if not isinstance(op, Op):
                raise KisRequestError(op)
            app = ctx.auth.app(token.app_key)
            assert app is not None  # authenticate checked the app
            call = ApiCall(
                ctx=ctx,
                op=op,
                tr_id=tr_id,
                tr_cont=headers.get("tr_cont", "").strip().upper(),
                params=await read_params(request),
                app=app,
            )
            result = handler(call)
        except KisRequestError as exc:
            code = exc.code
            return kis_response(error_body(code), status=code.status, tr_id=tr_id or None)
        if op in (Op.ORDER_BUY, Op.ORDER_SELL, Op.MODIFY_CANCEL):
            ctx.dirty = True
        return kis_response(result.body, tr_id=tr_id, tr_cont=result.tr_cont)

    return route
