"""The REST application: the KIS paths, the gateway in front of them, and the admin paths."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from jts.adapters.kis.simulator import rest_account, rest_orders, rest_products, rest_quotes
from jts.adapters.kis.simulator.codes import Codes
from jts.adapters.kis.simulator.context import SimContext
from jts.adapters.kis.simulator.envelope import error_body, kis_response
from jts.adapters.kis.simulator.faults import Handler, fault_middleware
from jts.adapters.kis.simulator.gateway import ApiHandler, api_route
from jts.adapters.kis.simulator.rest_admin import AdminRoutes
from jts.adapters.kis.simulator.rest_auth import AuthRoutes
from jts.adapters.kis.simulator.trids import Op

__all__ = ["API_ROUTES", "build_rest_app"]

_log = logging.getLogger(__name__)
_TRADING: Final = "/uapi/domestic-stock/v1/trading"
_QUOTES: Final = "/uapi/domestic-stock/v1/quotations"

#: (method, path, operations served, handler)
API_ROUTES: Final[tuple[tuple[str, str, frozenset[Op], ApiHandler], ...]] = (
    ("POST", f"{_TRADING}/order-cash", rest_orders.ORDER_OPS, rest_orders.order_cash),
    ("POST", f"{_TRADING}/order-rvsecncl", rest_orders.RVSECNCL_OPS, rest_orders.order_rvsecncl),
    (
        "GET",
        f"{_TRADING}/inquire-psbl-rvsecncl",
        rest_account.PSBL_RVSECNCL_OPS,
        rest_account.inquire_psbl_rvsecncl,
    ),
    ("GET", f"{_TRADING}/inquire-balance", rest_account.BALANCE_OPS, rest_account.inquire_balance),
    (
        "GET",
        f"{_TRADING}/inquire-daily-ccld",
        rest_account.DAILY_CCLD_OPS,
        rest_account.inquire_daily_ccld,
    ),
    (
        "GET",
        f"{_TRADING}/inquire-psbl-order",
        rest_account.PSBL_ORDER_OPS,
        rest_account.inquire_psbl_order,
    ),
    ("GET", f"{_QUOTES}/inquire-price", rest_quotes.PRICE_OPS, rest_quotes.inquire_price),
    (
        "GET",
        f"{_QUOTES}/inquire-daily-itemchartprice",
        rest_quotes.DAILY_CHART_OPS,
        rest_quotes.inquire_daily_itemchartprice,
    ),
    (
        "GET",
        f"{_QUOTES}/inquire-time-itemchartprice",
        rest_quotes.TIME_CHART_OPS,
        rest_quotes.inquire_time_itemchartprice,
    ),
    ("GET", f"{_QUOTES}/chk-holiday", rest_quotes.HOLIDAY_OPS, rest_quotes.chk_holiday),
    ("GET", f"{_QUOTES}/search-info", rest_products.SEARCH_INFO_OPS, rest_products.search_info),
)


@web.middleware
async def _unexpected_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bug in the simulator answers like a gateway failure instead of a text traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        _log.exception("simulator error on %s %s", request.method, request.path)
        code = Codes.SERVER_ERROR
        return kis_response(error_body(code), status=code.status)


def build_rest_app(ctx: SimContext, save: Callable[[], Awaitable[None]]) -> web.Application:
    app = web.Application(middlewares=[_unexpected_errors, fault_middleware(ctx.faults)])
    auth = AuthRoutes(ctx)
    app.router.add_post("/oauth2/tokenP", auth.token)
    app.router.add_post("/oauth2/revokeP", auth.revoke)
    app.router.add_post("/oauth2/Approval", auth.approval)
    app.router.add_post("/uapi/hashkey", auth.hashkey)
    for method, path, ops, handler in API_ROUTES:
        app.router.add_route(method, path, api_route(ctx, ops, handler))
    AdminRoutes(ctx, save).register(app)
    return app
