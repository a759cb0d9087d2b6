"""Registrations spread over the WebSocket sessions of several app keys.

One KIS session holds at most ``max_subscriptions`` registrations (40 by default) [S], and an
app key may have one session, so 60 symbols need two keys. `KisStreamManager` places each new
registration on the session with the most free slots (sessions are started on first use),
or on a given key's session when the registration belongs to it (execution notices are tied to
the account's key). Data frames of every session go to the handler registered for their tr_id.
A session that reconnects resubscribes its own registrations and then notifies the gap
listeners (execution clients recover missed fills through REST).

One manager per process and key set: the data and execution clients share it, because KIS
refuses a second session for the same app key (OPSP8996).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from jts.adapters.kis.config import KisAppKey, KisClientConfig
from jts.adapters.kis.errors import KisSubscriptionLimitError, KisTimeoutError
from jts.adapters.kis.frames import DataFrame
from jts.adapters.kis.metrics import KisMetrics
from jts.adapters.kis.tokens import TokenManager
from jts.adapters.kis.ws import FrameHandler, KisWsSession, MarketOpen, Subscription, always_open
from jts.core.errors import ConfigError

__all__ = ["GapListener", "KisStreamManager"]

_log = logging.getLogger(__name__)

GapListener = Callable[[str], Awaitable[None]]


class KisStreamManager:
    def __init__(
        self,
        config: KisClientConfig,
        approvals: Sequence[TokenManager],
        *,
        metrics: KisMetrics | None = None,
        market_open: MarketOpen = always_open,
        session_factory: Callable[[KisAppKey, TokenManager, FrameHandler], KisWsSession]
        | None = None,
    ) -> None:
        if not approvals:
            raise ConfigError("a KIS stream manager needs at least one app key")
        self._config = config
        self._metrics = metrics or KisMetrics()
        factory = session_factory or self._default_session
        self._market_open = market_open
        self._sessions: dict[str, KisWsSession] = {}
        for approval in approvals:
            session = factory(approval.app, approval, self._dispatch)
            session.add_reconnect_listener(self._on_reconnect)
            self._sessions[approval.app.app_key] = session
        self._handlers: dict[str, list[FrameHandler]] = {}
        self._placement: dict[Subscription, str] = {}
        self._gap_listeners: list[GapListener] = []
        self._started: set[str] = set()

    def _default_session(
        self, app: KisAppKey, approval: TokenManager, on_frame: FrameHandler
    ) -> KisWsSession:
        return KisWsSession(
            self._config,
            app,
            approval,
            on_frame,
            metrics=self._metrics,
            market_open=self._market_open,
        )

    @property
    def sessions(self) -> list[KisWsSession]:
        return list(self._sessions.values())

    def session(self, app_key: str) -> KisWsSession:
        try:
            return self._sessions[app_key]
        except KeyError:
            raise ConfigError("that app key has no WebSocket session in this manager") from None

    def placement(self, tr_id: str, tr_key: str) -> str | None:
        """The app key whose session holds a registration."""
        return self._placement.get((tr_id, tr_key))

    def add_handler(self, tr_id: str, handler: FrameHandler) -> None:
        """Frames of ``tr_id`` go to every handler added for it (two accounts' execution
        clients both see the notices and each keeps its own account's)."""
        self._handlers.setdefault(tr_id, []).append(handler)

    def remove_handler(self, tr_id: str, handler: FrameHandler) -> None:
        handlers = self._handlers.get(tr_id, [])
        if handler in handlers:
            handlers.remove(handler)

    def add_gap_listener(self, listener: GapListener) -> None:
        """Awaited with the app key after a session reconnected and resubscribed."""
        self._gap_listeners.append(listener)

    def remove_gap_listener(self, listener: GapListener) -> None:
        if listener in self._gap_listeners:
            self._gap_listeners.remove(listener)

    async def subscribe(self, tr_id: str, tr_key: str, *, app_key: str | None = None) -> str:
        """Register on ``app_key``'s session or the one with most room; returns the key used."""
        sub = (tr_id, tr_key)
        placed = self._placement.get(sub)
        if placed is not None:
            return placed
        if app_key is not None:
            session = self.session(app_key)
        else:
            session = max(self._sessions.values(), key=lambda s: s.free_slots)
        if session.free_slots <= 0:
            total = sum(len(s.wanted) for s in self._sessions.values())
            raise KisSubscriptionLimitError(
                "OPSP0008",
                f"all {len(self._sessions)} KIS sessions are full ({total} registrations); "
                "add app keys to subscribe more",
            )
        await self._ensure_started(session)
        self._placement[sub] = session.app.app_key
        try:
            await session.subscribe(tr_id, tr_key)
        except Exception:
            self._placement.pop(sub, None)
            raise
        return session.app.app_key

    async def unsubscribe(self, tr_id: str, tr_key: str) -> None:
        key = self._placement.pop((tr_id, tr_key), None)
        if key is not None:
            await self._sessions[key].unsubscribe(tr_id, tr_key)

    async def _ensure_started(self, session: KisWsSession) -> None:
        key = session.app.app_key
        if key not in self._started:
            self._started.add(key)
            await session.start()
            try:
                await session.wait_connected(self._config.ws.open_timeout_s * 3)
            except KisTimeoutError as exc:
                # registrations wait in the session and go out as soon as it connects
                _log.warning("KIS session %s not connected yet: %s", session.label, exc)

    async def start(self, app_key: str) -> None:
        """Open one key's session before anything is registered on it."""
        await self._ensure_started(self.session(app_key))

    async def stop(self) -> None:
        for session in self._sessions.values():
            await session.stop()
        self._started.clear()

    def _dispatch(self, frame: DataFrame, ts_init: int) -> None:
        handlers = self._handlers.get(frame.tr_id)
        if not handlers:
            self._metrics.frame_errors.inc("unhandled")
            return
        for handler in handlers:
            handler(frame, ts_init)

    async def _on_reconnect(self, session: KisWsSession) -> None:
        for listener in list(self._gap_listeners):
            try:
                await listener(session.app.app_key)
            except Exception:
                _log.exception("KIS gap listener failed after %s reconnected", session.label)
