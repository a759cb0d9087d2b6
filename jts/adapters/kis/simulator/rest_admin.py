"""Admin endpoints under ``/sim`` for tests and demos; not part of the KIS API.

- ``GET /sim/config``: the app keys, secrets and accounts a client should use;
- ``GET|POST /sim/faults``: read or change the fault switches (``{"reset": true}`` clears them);
- ``POST /sim/ws/drop``: cut every WebSocket connection now;
- ``POST /sim/trade``: force a print ``{"symbol", "price", "qty", "side": "buy"|"sell"}``;
- ``POST /sim/step``: advance the synthetic market once for ``{"symbols": [...]}``;
- ``POST /sim/replay``: queue bars ``{"symbol", "bars": [{"ts_ns", "open", ...}],
  "bar_seconds": 60}`` (``bar_seconds`` spreads each bar's prints over its interval);
- ``POST /sim/market-hours``: ``{"mode": "always"|"closed"}``;
- ``GET /sim/state``: a summary (orders, fills, sessions, fault counters); ``POST /sim/save``.
Errors are ``{"error": "..."}`` with status 400.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.context import SimContext
from jts.adapters.kis.simulator.hours import AlwaysClosed, AlwaysOpen
from jts.adapters.kis.simulator.market import ReplayBar, Side
from jts.adapters.kis.simulator.replay import print_span_ns
from jts.core.errors import JtsError

__all__ = ["AdminRoutes"]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, default=str))


def _bad(message: str) -> web.Response:
    return _json({"error": message}, status=400)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


class AdminRoutes:
    def __init__(self, ctx: SimContext, save: Callable[[], Awaitable[None]]) -> None:
        self._ctx = ctx
        self._save = save

    def register(self, app: web.Application) -> None:
        app.router.add_get("/sim/config", self.config)
        app.router.add_get("/sim/faults", self.get_faults)
        app.router.add_post("/sim/faults", self.set_faults)
        app.router.add_post("/sim/ws/drop", self.drop)
        app.router.add_post("/sim/trade", self.trade)
        app.router.add_post("/sim/step", self.step)
        app.router.add_post("/sim/replay", self.replay)
        app.router.add_post("/sim/market-hours", self.market_hours)
        app.router.add_get("/sim/state", self.summary)
        app.router.add_post("/sim/save", self.save)

    async def config(self, request: web.Request) -> web.Response:
        cfg = self._ctx.config
        return _json(
            {
                "env": cfg.env,
                "apps": [dataclasses.asdict(app) for app in cfg.apps],
                "accounts": [
                    {"cano": a.cano, "product": a.product, "hts_id": a.hts_id, "name": a.name}
                    for a in cfg.accounts
                ],
                "symbols": self._ctx.market.symbols(),
                "notice_tr_id": self._ctx.hub.notice_tr_id,
            }
        )

    async def get_faults(self, request: web.Request) -> web.Response:
        return _json(dataclasses.asdict(self._ctx.faults.settings))

    async def set_faults(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            if body.pop("reset", False):
                self._ctx.faults.reset()
            settings = self._ctx.faults.update(body)
        except (ValueError, JtsError) as exc:
            return _bad(str(exc))
        return _json(dataclasses.asdict(settings))

    async def drop(self, request: web.Request) -> web.Response:
        return _json({"dropped": self._ctx.hub.drop_all()})

    async def trade(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            side_text = str(body.get("side", "buy"))
            if side_text not in ("buy", "sell"):
                return _bad("side must be 'buy' or 'sell'")
            side: Side = "1" if side_text == "buy" else "5"
            symbol, price, qty = str(body["symbol"]), int(body["price"]), int(body.get("qty", 1))
            trade = self._ctx.venue.inject_trade(symbol, price, qty, side)
        except KisRequestError as exc:
            return _bad(f"{exc.code.msg_cd}: {exc.code.msg1}")
        except (KeyError, TypeError, ValueError) as exc:
            return _bad(f"bad trade request: {exc!r}")
        self._ctx.dirty = True
        return _json({"symbol": trade.symbol, "price": trade.price, "qty": trade.qty})

    async def step(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            symbols = [str(s) for s in body.get("symbols", [])]
            unknown = [s for s in symbols if not self._ctx.market.has(s)]
            if unknown:
                return _bad(f"unknown symbols {unknown}")
        except (TypeError, ValueError) as exc:
            return _bad(f"bad step request: {exc!r}")
        out = self._ctx.venue.step(symbols)
        self._ctx.dirty = True
        return _json({s: [p.price for p in prints] for s, prints in out.items()})

    async def replay(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            symbol = str(body["symbol"])
            bars = msgspec.convert(body.get("bars", []), list[ReplayBar])
            bar_seconds = int(body.get("bar_seconds", 0))
            if bar_seconds < 0:
                return _bad("bar_seconds must be >= 0")
            span = print_span_ns(bar_seconds) if bar_seconds else 0
            queued = self._ctx.market.load_replay(symbol, bars, span)
        except KisRequestError as exc:
            return _bad(f"{exc.code.msg_cd}: {exc.code.msg1}")
        except (KeyError, TypeError, ValueError, msgspec.ValidationError) as exc:
            return _bad(f"bad replay request: {exc}")
        return _json({"symbol": symbol, "queued_prints": queued})

    async def market_hours(self, request: web.Request) -> web.Response:
        try:
            body = await _body(request)
        except ValueError as exc:
            return _bad(str(exc))
        mode = body.get("mode")
        if mode == "always":
            self._ctx.hours = AlwaysOpen()
        elif mode == "closed":
            self._ctx.hours = AlwaysClosed()
        else:
            return _bad("mode must be 'always' or 'closed'")
        self._ctx.venue.set_hours(self._ctx.hours)
        return _json({"mode": mode})

    async def summary(self, request: web.Request) -> web.Response:
        state = self._ctx.state
        faults = self._ctx.faults
        return _json(
            {
                "orders": len(state.orders),
                "open_orders": sum(1 for o in state.orders.values() if o.remaining > 0),
                "fills": len(state.fills),
                "ws_sessions": len(self._ctx.hub.sessions),
                "frames_sent": self._ctx.hub.frames_sent,
                "rate_limited": dict(self._ctx.limiter.rejected),
                "injected_errors": faults.injected_errors,
                "injected_timeouts": faults.injected_timeouts,
                "dropped_sessions": faults.dropped_sessions,
                "replay_left": self._ctx.market.replay_left(),
                "accounts": {
                    key: {"cash": a.cash, "holdings": {s: h.qty for s, h in a.holdings.items()}}
                    for key, a in state.accounts.items()
                },
            }
        )

    async def save(self, request: web.Request) -> web.Response:
        await self._save()
        return _json({"saved": self._ctx.config.state_file is not None})
