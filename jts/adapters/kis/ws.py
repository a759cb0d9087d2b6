"""The KIS WebSocket client: one session per app key, reconnecting and resubscribing by itself.

A `KisWsSession` owns one connection (KIS allows one per app key [S: brokers.md §2]) and the
set of registrations it should hold. It

- connects to ``ws_url + ws_path`` and (re)sends every registration, each awaited until KIS
  answers it (``OPSP0000`` subscribed, ``OPSP0002`` already subscribed count as success);
- keeps the AES key and iv that subscribe replies carry and decrypts ``1|…`` frames with them;
- answers PINGPONG with a pong frame and/or a text echo (`WsConfig`);
- hands every data frame (decrypted) to the frame handler, with the time it arrived;
- reconnects after any drop with exponential backoff and jitter, then resubscribes everything
  and tells the reconnect listeners, so execution clients can recover what the gap hid;
- treats a silent connection as dead: nothing at all for ``idle`` seconds (KIS pings every few
  seconds), or no data frame for ``stale_after_s`` while the market is open and data is
  subscribed, closes the connection and goes through the same reconnect.

`KisStreamManager` (in `streams`) spreads registrations over the sessions of several keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from jts.adapters.kis.config import KisAppKey, KisClientConfig
from jts.adapters.kis.errors import (
    KisError,
    KisFrameError,
    KisSubscriptionError,
    KisTimeoutError,
    KisTransportError,
    error_for_code,
)
from jts.adapters.kis.frames import NOTICE_TRS, DataFrame, NoticeCipher, is_control, split_frame
from jts.adapters.kis.http import backoff_delay
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.schemas import WsControl
from jts.adapters.kis.tokens import TokenManager

__all__ = ["FrameHandler", "KisWsSession", "MarketOpen", "Subscription", "always_open"]

_log = logging.getLogger(__name__)

#: Replies that mean the registration is (or already was) in the state asked for [S].
_OK_SUBSCRIBE: Final = frozenset({"OPSP0000", "OPSP0002"})
_OK_UNSUBSCRIBE: Final = frozenset({"OPSP0001", "OPSP0003"})
#: Nothing at all (not even PINGPONG) for this many stale periods means a dead connection.
_IDLE_FACTOR: Final = 2.0

Subscription = tuple[str, str]  # (tr_id, tr_key)
FrameHandler = Callable[[DataFrame, int], None]
MarketOpen = Callable[[int], bool]
ConnectFn = Callable[..., Awaitable[ClientConnection]]


def always_open(ts_ns: int) -> bool:
    """The default market-hours check: treat the market as open (pass a calendar's to be
    exact; it only decides when a silent data feed counts as stale)."""
    return True


@dataclass(slots=True)
class _Pending:
    future: asyncio.Future[WsControl]
    subscribe: bool


@dataclass(slots=True)
class SessionStats:
    connects: int = 0
    frames: int = 0
    last_message_mono: float = 0.0
    last_data_mono: float = 0.0
    ciphers: dict[str, NoticeCipher] = field(default_factory=dict)


class KisWsSession:
    """One app key's WebSocket connection (see module doc). Use `start` / `stop`."""

    def __init__(
        self,
        config: KisClientConfig,
        app: KisAppKey,
        approval: TokenManager,
        on_frame: FrameHandler,
        *,
        metrics: KisMetrics | None = None,
        market_open: MarketOpen = always_open,
        connect_fn: ConnectFn | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._ws_config = config.ws
        self.app = app
        self._approval = approval
        self._on_frame = on_frame
        self._metrics = metrics or KisMetrics()
        self._market_open = market_open
        self._connect = connect_fn or connect
        self._now = clock_ns
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        hosts = config.resolved_hosts
        self.url = hosts.ws_url.rstrip("/") + hosts.ws_path
        self.wanted: dict[Subscription, None] = {}  # insertion-ordered set
        self.active: set[Subscription] = set()
        self.stats = SessionStats()
        self._ws: ClientConnection | None = None
        self._pending: dict[Subscription, _Pending] = {}
        self._send_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._stopping = False
        self._reconnect_listeners: list[Callable[[KisWsSession], Awaitable[None]]] = []

    # ---- public -------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.app.label

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def free_slots(self) -> int:
        return self._ws_config.max_subscriptions - len(self.wanted)

    def add_reconnect_listener(self, listener: Callable[[KisWsSession], Awaitable[None]]) -> None:
        """Called (awaited) after every reconnect once everything is resubscribed."""
        self._reconnect_listeners.append(listener)

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"kis-ws-{self.label}")

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._connected.clear()
        self._fail_pending(KisTransportError("the KIS WebSocket session was stopped"))

    async def wait_connected(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        except TimeoutError:
            raise KisTimeoutError(
                f"KIS WebSocket {self.url} not connected after {timeout_s:.1f} s"
            ) from None

    async def subscribe(self, tr_id: str, tr_key: str) -> None:
        """Register; returns once KIS confirmed (or at once when not connected: the
        registration is sent on connect). Refusals raise `KisSubscriptionError`."""
        sub = (tr_id, tr_key)
        if sub in self.wanted and sub in self.active:
            return
        if sub not in self.wanted and self.free_slots <= 0:
            raise error_for_code(
                "OPSP0008",
                f"session {self.label} already holds {len(self.wanted)} registrations",
            )
        self.wanted[sub] = None
        self._update_gauge()
        if self.connected:
            try:
                await self._register(sub, subscribe=True)
            except KisSubscriptionError:
                self.wanted.pop(sub, None)
                self._update_gauge()
                raise

    async def unsubscribe(self, tr_id: str, tr_key: str) -> None:
        sub = (tr_id, tr_key)
        if sub not in self.wanted:
            return
        del self.wanted[sub]
        self._update_gauge()
        if self.connected and sub in self.active:
            await self._register(sub, subscribe=False)

    async def drop(self) -> None:
        """Close the connection as a failure would (tests, stale feeds): it reconnects."""
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close(code=1011, reason="stale feed")

    # ---- connection loop ----------------------------------------------------------------------
    async def _run(self) -> None:
        failures = 0
        first = True
        while not self._stopping:
            try:
                ws = await self._connect(
                    self.url,
                    open_timeout=self._ws_config.open_timeout_s,
                    ping_interval=None,
                    max_size=None,
                )
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                failures += 1
                await self._backoff(failures, f"connect failed: {exc!r}")
                continue
            self._ws = ws
            self.stats.connects += 1
            now = time.monotonic()
            self.stats.last_message_mono = self.stats.last_data_mono = now
            reader = asyncio.create_task(self._read(ws))
            watchdog = asyncio.create_task(self._watch(ws))
            try:
                self._connected.set()
                await self._resubscribe()
                if not first:
                    self._metrics.reconnects.inc(self.label)
                    for listener in list(self._reconnect_listeners):
                        try:
                            await listener(self)
                        except Exception:
                            _log.exception("KIS reconnect listener failed")
                first = False
                failures = 0
                await reader
            except (KisError, ConnectionClosed, OSError) as exc:
                _log.warning("KIS WebSocket %s: %r", self.label, exc)
            except Exception:  # a bug must not end the session for good: log, reconnect
                _log.exception("KIS WebSocket %s failed unexpectedly", self.label)
            finally:
                self._connected.clear()
                self.active.clear()
                self.stats.ciphers.clear()
                watchdog.cancel()
                reader.cancel()
                for task in (watchdog, reader):
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                with contextlib.suppress(Exception):
                    await ws.close()
                self._ws = None
                self._fail_pending(KisTransportError("KIS WebSocket connection lost"))
            if not self._stopping:
                failures += 1
                await self._backoff(failures, "connection lost")

    async def _backoff(self, failures: int, why: str) -> None:
        cfg = self._ws_config
        delay = backoff_delay(
            failures, cfg.reconnect_base_s, cfg.reconnect_max_s, cfg.reconnect_jitter, self._rng
        )
        _log.info("KIS WebSocket %s %s; reconnecting in %.2f s", self.label, why, delay)
        await asyncio.sleep(delay)

    async def _resubscribe(self) -> None:
        for sub in list(self.wanted):
            try:
                await self._register(sub, subscribe=True)
            except KisSubscriptionError as exc:
                _log.error("KIS resubscribe of %s on %s refused: %s", sub, self.label, exc)

    async def _watch(self, ws: ClientConnection) -> None:
        """Close a connection that went silent (see module doc); the run loop reconnects."""
        cfg = self._ws_config
        idle_limit = cfg.stale_after_s * _IDLE_FACTOR
        while True:
            await asyncio.sleep(cfg.stale_check_s)
            now = time.monotonic()
            silent = now - self.stats.last_message_mono
            no_data = now - self.stats.last_data_mono
            has_data_subs = any(tr_id not in NOTICE_TRS for tr_id, _ in self.active)
            stale = has_data_subs and no_data > cfg.stale_after_s and self._market_open(self._now())
            if silent > idle_limit or stale:
                self._metrics.stale_feeds.inc(self.label)
                _log.warning(
                    "KIS WebSocket %s silent for %.0f s (data %.0f s): reconnecting",
                    self.label,
                    silent,
                    no_data,
                )
                with contextlib.suppress(Exception):
                    await ws.close(code=1011, reason="stale feed")
                return

    async def _read(self, ws: ClientConnection) -> None:
        async for message in ws:
            text = message if isinstance(message, str) else message.decode("utf-8", "replace")
            self.stats.last_message_mono = time.monotonic()
            if is_control(text):
                await self._on_control(ws, text)
            else:
                self._on_data(text)

    # ---- messages -----------------------------------------------------------------------------
    def _on_data(self, text: str) -> None:
        ts_init = self._now()
        self.stats.last_data_mono = time.monotonic()
        self.stats.frames += 1
        try:
            frame = split_frame(text)
            if frame.encrypted:
                cipher = self.stats.ciphers.get(frame.tr_id)
                if cipher is None:
                    raise KisFrameError(f"encrypted {frame.tr_id} frame before its key and iv")
                frame = frame._replace(encrypted=False, payload=cipher.decrypt(frame.payload))
        except KisFrameError as exc:
            self._metrics.frame_errors.inc("frame")
            _log.warning("KIS frame dropped on %s: %s", self.label, exc)
            return
        self._metrics.frames.inc(frame.tr_id)
        try:
            self._on_frame(frame, ts_init)
        except Exception:
            self._metrics.frame_errors.inc("handler")
            _log.exception("KIS frame handler failed for %s", frame.tr_id)

    async def _on_control(self, ws: ClientConnection, text: str) -> None:
        try:
            message = msgspec.json.decode(text, type=WsControl)
        except msgspec.DecodeError as exc:
            self._metrics.frame_errors.inc("control")
            _log.warning("KIS control message not understood on %s: %s", self.label, exc)
            return
        header = message.header
        if header.tr_id == "PINGPONG":
            if self._ws_config.ping_reply_frame:
                await ws.pong(text.encode())
            if self._ws_config.ping_reply_text:
                async with self._send_lock:
                    await ws.send(text)
            return
        body = message.body
        if body is not None and body.output is not None and body.output.key and body.output.iv:
            try:
                self.stats.ciphers[header.tr_id] = NoticeCipher(body.output.key, body.output.iv)
            except KisFrameError as exc:
                _log.warning("KIS sent an unusable key/iv for %s: %s", header.tr_id, exc)
        pending = self._pending.get((header.tr_id, header.tr_key))
        if pending is not None and not pending.future.done():
            pending.future.set_result(message)
        elif body is not None and body.rt_cd.strip() not in ("", "0"):
            _log.warning(
                "KIS WebSocket %s: %s %s (%s %s)",
                self.label,
                body.msg_cd,
                body.msg1,
                header.tr_id,
                header.tr_key,
            )

    async def _register(
        self, sub: Subscription, *, subscribe: bool, fresh_approval: bool = True
    ) -> None:
        ws = self._ws
        if ws is None:
            return
        tr_id, tr_key = sub
        approval = await self._approval.get()
        request: dict[str, Any] = {
            "header": {
                "approval_key": approval,
                "custtype": self._config.custtype,
                "tr_type": "1" if subscribe else "2",
                "content-type": "utf-8",
            },
            "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
        }
        future: asyncio.Future[WsControl] = asyncio.get_running_loop().create_future()
        self._pending[sub] = _Pending(future, subscribe)
        try:
            async with self._send_lock:
                await ws.send(msgspec.json.encode(request).decode())
            reply = await asyncio.wait_for(future, self._ws_config.reply_timeout_s)
        except TimeoutError:
            raise KisTimeoutError(f"no KIS reply to registering {sub} on {self.label}") from None
        except ConnectionClosed as exc:
            raise KisTransportError(f"KIS WebSocket closed while registering {sub}") from exc
        finally:
            self._pending.pop(sub, None)
        body = reply.body
        code = body.msg_cd.strip() if body is not None else ""
        ok = _OK_SUBSCRIBE if subscribe else _OK_UNSUBSCRIBE
        if code not in ok and (body is None or body.rt_cd.strip() != "0"):
            msg1 = body.msg1 if body is not None else ""
            if fresh_approval and _refuses_approval(code, msg1):
                # a key another process cached (a shared store) that this server never issued,
                # or one it forgot: never use it again, issue a new one, try once more
                _log.warning(
                    "KIS WebSocket %s refused the approval key (%s %s): issuing a new one",
                    self.label,
                    code,
                    msg1.strip(),
                )
                await self._approval.invalidate(approval)
                await self._register(sub, subscribe=subscribe, fresh_approval=False)
                return
            raise _subscription_error(code, msg1, sub)
        if subscribe:
            self.active.add(sub)
        else:
            self.active.discard(sub)

    def _fail_pending(self, error: Exception) -> None:
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(error)
        self._pending.clear()

    def _update_gauge(self) -> None:
        self._metrics.set_subscriptions(self.label, len(self.wanted))


#: The refusal of an unknown approval key. The code is the simulator's model (brokers.md lists
#: none for it), so the message is looked at too.
_BAD_APPROVAL: Final = "OPSP0011"


def _refuses_approval(code: str, msg1: str) -> bool:
    return code == _BAD_APPROVAL or "approval" in msg1.lower()


def _subscription_error(code: str, msg1: str, sub: Subscription) -> KisSubscriptionError:
    error = error_for_code(code or "OPSP????", f"{msg1} ({sub[0]} {sub[1]})")
    if isinstance(error, KisSubscriptionError):
        return error
    return KisSubscriptionError(error.msg_cd, error.msg1, status=error.status)
