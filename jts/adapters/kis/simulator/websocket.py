"""The KIS WebSocket protocol on ``/tryitout``: subscriptions, data frames, PINGPONG.

Rules enforced (brokers.md §2, §5):
- one live session per app key: a second session whose approval key belongs to an app already
  connected is refused with OPSP8996 (python-kis fetches a fresh approval key before every
  subscribe, so keys are resolved to their app rather than compared as text);
- at most ``max_subscriptions`` registrations per session (OPSP0008 beyond);
- replies carry ``header.tr_id/tr_key/encrypt`` and ``body.rt_cd/msg_cd/msg1/output.iv/key``;
- notices (H0STCNI0 real, H0STCNI9 paper; ``tr_key`` = HTS id) are AES-256-CBC encrypted with
  the session's key and iv, and flagged ``1|`` in the frame as well as ``encrypt: Y`` in the
  reply, so clients that decide either way agree;
- text frames only; PINGPONG is header-only JSON; a client may answer it with a pong frame (the
  official sample) or by echoing the text (python-kis): both are accepted and ignored.

Outgoing frames go through one queue and one writer task per session, so the synchronous venue
can publish without awaiting and the order of frames per session is the order of events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from jts.adapters.kis.simulator import frames
from jts.adapters.kis.simulator.auth import AuthAuthority
from jts.adapters.kis.simulator.codes import Codes, KisCode
from jts.adapters.kis.simulator.crypto import NoticeCipher
from jts.adapters.kis.simulator.faults import FaultInjector
from jts.adapters.kis.simulator.market import SyntheticMarket, TradePrint
from jts.adapters.kis.simulator.venue import ExecutionNotice

__all__ = ["WS_PATH", "WsHub", "WsSession"]

WS_PATH = "/tryitout"
TICK_TR = "H0STCNT0"
BOOK_TR = "H0STASP0"
_log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class WsSession:
    ws: web.WebSocketResponse
    request: web.Request
    cipher: NoticeCipher = field(default_factory=NoticeCipher.generate)
    app_key: str | None = None
    subscriptions: set[tuple[str, str]] = field(default_factory=set)
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)


class WsHub:
    """All WebSocket sessions of one simulator, and who is subscribed to what."""

    def __init__(
        self,
        *,
        auth: AuthAuthority,
        market: SyntheticMarket,
        faults: FaultInjector,
        env: str,
        max_subscriptions: int,
        notice_layout: str,
    ) -> None:
        self._auth = auth
        self._market = market
        self._faults = faults
        self._notice_tr = "H0STCNI9" if env == "paper" else "H0STCNI0"
        #: overseas execution notices: accepted (python-kis subscribes them with the domestic
        #: ones) and never sent, as the simulator trades no overseas stock
        self._overseas_notice_tr = "H0GSCNI9" if env == "paper" else "H0GSCNI0"
        self._max = max_subscriptions
        self._layout = notice_layout
        self.sessions: set[WsSession] = set()
        self._by_app: dict[str, WsSession] = {}
        self._subscribers: dict[tuple[str, str], set[WsSession]] = {}
        self.frames_sent = 0

    @property
    def notice_tr_id(self) -> str:
        return self._notice_tr

    def subscribed_symbols(self) -> set[str]:
        return {
            key
            for (tr_id, key), subs in self._subscribers.items()
            if subs and tr_id not in (self._notice_tr, self._overseas_notice_tr)
        }

    def is_subscribed(self, tr_id: str, tr_key: str) -> bool:
        """Whether any session holds this subscription (tests wait on it before trading)."""
        return bool(self._subscribers.get((tr_id, tr_key)))

    # ---- connection -----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session = WsSession(ws=ws, request=request)
        self.sessions.add(session)
        writer = asyncio.create_task(self._writer(session))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(session, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
                # binary frames and pongs carry nothing the protocol uses
        finally:
            self._forget(session)
            session.queue.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await writer
        return ws

    async def _writer(self, session: WsSession) -> None:
        while True:
            text = await session.queue.get()
            if text is None or session.ws.closed:
                return
            try:
                await session.ws.send_str(text)
                self.frames_sent += 1
            except (ConnectionError, RuntimeError):
                return

    def _forget(self, session: WsSession) -> None:
        self.sessions.discard(session)
        if session.app_key is not None and self._by_app.get(session.app_key) is session:
            del self._by_app[session.app_key]
        for sub in session.subscriptions:
            subs = self._subscribers.get(sub)
            if subs is not None:
                subs.discard(session)
        session.subscriptions.clear()

    def _send(self, session: WsSession, text: str) -> None:
        session.queue.put_nowait(text)

    # ---- control messages -----------------------------------------------------------------------
    def _reply(
        self, session: WsSession, tr_id: str, tr_key: str, code: KisCode, *, keys: bool = True
    ) -> None:
        encrypt = tr_id in (self._notice_tr, self._overseas_notice_tr)
        cipher = session.cipher if keys else None
        self._send(
            session, frames.control_reply(tr_id, tr_key, code, encrypt=encrypt, cipher=cipher)
        )

    def _on_text(self, session: WsSession, text: str) -> None:
        try:
            message = json.loads(text)
            header: dict[str, Any] = message["header"]
        except (json.JSONDecodeError, KeyError, TypeError):
            self._reply(session, "", "", Codes.WS_BAD_REQUEST, keys=False)
            return
        if not isinstance(header, dict):
            self._reply(session, "", "", Codes.WS_BAD_REQUEST, keys=False)
            return
        if header.get("tr_id") == "PINGPONG":
            return  # python-kis echoes the ping as text: nothing to do
        body = message.get("body")
        inputs = body.get("input") if isinstance(body, dict) else None
        if not isinstance(inputs, dict):
            self._reply(session, "", "", Codes.WS_BAD_REQUEST, keys=False)
            return
        tr_id = str(inputs.get("tr_id", ""))
        tr_key = str(inputs.get("tr_key", ""))
        app_key = self._auth.app_for_approval(str(header.get("approval_key", "")))
        if app_key is None:
            self._reply(session, tr_id, tr_key, Codes.WS_BAD_APPROVAL, keys=False)
            return
        if session.app_key is None:
            holder = self._by_app.get(app_key)
            if holder is not None and holder is not session:
                self._reply(session, tr_id, tr_key, Codes.WS_KEY_IN_USE, keys=False)
                return
            session.app_key = app_key
            self._by_app[app_key] = session
        tr_type = str(header.get("tr_type", ""))
        if tr_type == "1":
            self._subscribe(session, tr_id, tr_key)
        elif tr_type == "2":
            self._unsubscribe(session, tr_id, tr_key)
        else:
            self._reply(session, tr_id, tr_key, Codes.WS_BAD_REQUEST, keys=False)

    def _subscribe(self, session: WsSession, tr_id: str, tr_key: str) -> None:
        known = (TICK_TR, BOOK_TR, self._notice_tr, self._overseas_notice_tr)
        if tr_id not in known or not tr_key:
            self._reply(session, tr_id, tr_key, Codes.WS_BAD_TR)
            return
        sub = (tr_id, tr_key)
        if sub in session.subscriptions:
            self._reply(session, tr_id, tr_key, Codes.WS_ALREADY)
            return
        if len(session.subscriptions) >= self._max:
            self._reply(session, tr_id, tr_key, Codes.WS_MAX)
            return
        session.subscriptions.add(sub)
        self._subscribers.setdefault(sub, set()).add(session)
        self._reply(session, tr_id, tr_key, Codes.WS_SUBSCRIBED)

    def _unsubscribe(self, session: WsSession, tr_id: str, tr_key: str) -> None:
        sub = (tr_id, tr_key)
        if sub not in session.subscriptions:
            self._reply(session, tr_id, tr_key, Codes.WS_NOT_SUBSCRIBED)
            return
        session.subscriptions.discard(sub)
        self._subscribers.get(sub, set()).discard(session)
        self._reply(session, tr_id, tr_key, Codes.WS_UNSUBSCRIBED)

    # ---- publishing (the venue's listener) ------------------------------------------------------
    def on_trades(self, symbol: str, prints: Sequence[TradePrint]) -> None:
        if not prints:
            return
        extra = self._faults.settings.extra_fields
        ticks = self._subscribers.get((TICK_TR, symbol))
        books = self._subscribers.get((BOOK_TR, symbol))
        if not ticks and not books:
            return
        state = self._market.state(symbol)
        if ticks:
            records = [frames.tick_record(state, trade) for trade in prints]
            text = frames.data_frame(TICK_TR, records, extra_fields=extra)
            for session in ticks:
                self._send(session, text)
        if books:
            record = frames.book_record(state, frames.hhmmss_of(prints[-1].ts_ns))
            text = frames.data_frame(BOOK_TR, [record], extra_fields=extra)
            for session in books:
                self._send(session, text)

    def on_notice(self, notice: ExecutionNotice) -> None:
        subs = self._subscribers.get((self._notice_tr, notice.hts_id))
        if not subs:
            return
        record = frames.notice_record(notice, self._layout)
        extra = self._faults.settings.extra_fields
        delay_s = self._faults.settings.notice_delay_ms / 1000
        for session in subs:
            text = frames.data_frame(
                self._notice_tr, [record], cipher=session.cipher, extra_fields=extra
            )
            if delay_s > 0:  # the fault switch: late notices (call_later keeps their order)
                asyncio.get_running_loop().call_later(delay_s, self._send, session, text)
            else:
                self._send(session, text)

    def ping_all(self, yyyymmddhhmmss: str) -> None:
        text = frames.pingpong(yyyymmddhhmmss)
        for session in list(self.sessions):
            self._send(session, text)

    # ---- faults and shutdown --------------------------------------------------------------------
    def drop_all(self) -> int:
        """Cut every connection without a close handshake (what a network drop looks like)."""
        dropped = 0
        for session in list(self.sessions):
            transport = session.request.transport
            if transport is not None:
                transport.abort()
                dropped += 1
            self._forget(session)
            session.queue.put_nowait(None)
        self._faults.dropped_sessions += dropped
        return dropped

    async def close_all(self) -> None:
        for session in list(self.sessions):
            self._forget(session)
            session.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await session.ws.close()
