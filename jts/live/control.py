"""The running node's control endpoint: ``jts orders``, ``positions``, ``kill``, ``reset-kill``,
``risk``.

Mechanism: the node serves a tiny HTTP API on a free loopback port and writes where it listens
to ``<data_dir>/node.json`` (mode 0600) with a random token; the commands read that file and
call the API with the token. Chosen over commands through the database (polling delay, a
table of its own) or the bus (the embedded profile's bus lives inside the node's process): it
answers at once, works for every profile on one machine, and a stale file (node killed) is
detected by a refused connection. Only the loopback interface is used, and a local user who
cannot read the data dir cannot get the token.

The API (JSON): ``GET /orders[?all=1]``, ``GET /positions``, ``POST /kill {"reason": ...}``,
``POST /reset-kill``, ``GET /risk``; every request carries ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from jts.core.errors import JtsError, StateError
from jts.domain.orders import Order

__all__ = [
    "CONTROL_FILE",
    "ControlEndpoint",
    "ControlHandlers",
    "NodeNotRunningError",
    "order_row",
    "read_control_file",
]

CONTROL_FILE = "node.json"


class NodeNotRunningError(StateError):
    """No node answers at the address its control file names (or there is no file)."""


@dataclass(frozen=True, slots=True)
class ControlHandlers:
    """What the endpoint calls on the node; each returns JSON-compatible data."""

    orders: Callable[[bool], list[dict[str, Any]]]
    positions: Callable[[], list[dict[str, Any]]]
    kill: Callable[[str], dict[str, Any]]
    reset_kill: Callable[[], dict[str, Any]]
    #: the real-time risk figures (``jts risk``); None on a node without a risk monitor
    risk: Callable[[], dict[str, Any]] | None = None


def order_row(order: Order) -> dict[str, Any]:
    """One order as the control API and ``jts orders`` show it (exact values as text)."""
    avg = order.avg_px
    return {
        "client_order_id": str(order.client_order_id),
        "venue_order_id": None if order.venue_order_id is None else str(order.venue_order_id),
        "strategy_id": str(order.strategy_id),
        "instrument_id": str(order.instrument_id),
        "side": order.side.value,
        "type": order.order_type.value,
        "quantity": str(order.quantity),
        "price": None if order.price is None else str(order.price),
        "status": order.status.value,
        "filled_qty": str(order.filled_qty),
        "avg_px": None if avg is None else str(avg),
        "ts_last": order.ts_last,
    }


class ControlEndpoint:
    """The node side: serve the API and publish the control file while running."""

    def __init__(self, data_dir: Path, handlers: ControlHandlers) -> None:
        self._path = data_dir / CONTROL_FILE
        self._handlers = handlers
        self._token = secrets.token_urlsafe(24)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/orders", self._orders)
        app.router.add_get("/positions", self._positions)
        app.router.add_post("/kill", self._kill)
        app.router.add_post("/reset-kill", self._reset_kill)
        app.router.add_get("/risk", self._risk)
        return app

    @web.middleware
    async def _auth(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self._token}":
            return web.json_response({"error": "missing or wrong token"}, status=401)
        try:
            response: web.StreamResponse = await handler(request)
        except JtsError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        return response

    async def _orders(self, request: web.Request) -> web.Response:
        everything = request.query.get("all", "") in ("1", "true")
        return web.json_response(self._handlers.orders(everything))

    async def _positions(self, request: web.Request) -> web.Response:
        return web.json_response(self._handlers.positions())

    async def _kill(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        reason = str(body.get("reason") or "manual kill switch (jts kill)")
        return web.json_response(self._handlers.kill(reason))

    async def _reset_kill(self, request: web.Request) -> web.Response:
        return web.json_response(self._handlers.reset_kill())

    async def _risk(self, request: web.Request) -> web.Response:
        if self._handlers.risk is None:
            raise StateError("this node runs no risk monitor (its role has no OMS)")
        return web.json_response(self._handlers.risk())

    async def start(self) -> None:
        runner = web.AppRunner(self._app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        data = {"pid": os.getpid(), "url": f"http://127.0.0.1:{self.port}", "token": self._token}
        temporary = self._path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, self._path)

    async def stop(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            current = json.loads(self._path.read_text(encoding="utf-8"))
            if current.get("token") == self._token:  # never remove a newer node's file
                self._path.unlink()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@dataclass(frozen=True, slots=True)
class ControlAddress:
    url: str
    token: str
    pid: int


def read_control_file(data_dir: Path) -> ControlAddress:
    """Where the node of ``data_dir`` listens; `NodeNotRunningError` when no node wrote it."""
    path = data_dir / CONTROL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ControlAddress(url=str(data["url"]), token=str(data["token"]), pid=int(data["pid"]))
    except FileNotFoundError as exc:
        raise NodeNotRunningError(
            f"no running node for data dir {data_dir} (no {CONTROL_FILE}); start one with jts up"
        ) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NodeNotRunningError(f"control file {path} is unreadable: {exc}") from exc
