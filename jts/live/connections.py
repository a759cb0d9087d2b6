"""Venue connections lost and restored, published on the bus so the alerts hear them.

The KIS WebSocket session reconnects by itself and tells nobody it dropped (its reconnect
listeners hear only the recovery). `ConnectionWatch` looks at each session's state every
``interval_s``: connected -> not connected is `ConnectionLost`, back again is
`ConnectionRestored` with the time it was down. A drop shorter than one look is still seen:
the session counts its connects, and a count that moved while the session looked up all along
is a drop and a recovery in between (published as both, with ``down_ns`` 0).

A session that never connected is not a drop: it is either not started (nothing subscribed on
it yet) or still opening, and its first connect is not announced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jts.domain.identifiers import TraderId
from jts.domain.messages import Message
from jts.live.messages import ConnectionLost, ConnectionRestored
from jts.live.topics import CONNECTION_EVENTS

__all__ = ["ConnectionWatch", "WatchedSession"]

LOST = "the WebSocket connection dropped"


class _Stats(Protocol):
    @property
    def connects(self) -> int: ...


class WatchedSession(Protocol):
    """What the watch reads of a session (`jts.adapters.kis.ws.KisWsSession` has it)."""

    @property
    def label(self) -> str: ...

    @property
    def connected(self) -> bool: ...

    @property
    def stats(self) -> _Stats: ...


@dataclass(slots=True)
class _Seen:
    up: bool
    connects: int
    down_since: int | None = None


class ConnectionWatch:
    def __init__(
        self,
        sessions: Sequence[WatchedSession],
        publish: Callable[[str, Message], None],
        *,
        trader_id: TraderId,
        now_ns: Callable[[], int],
        log: Any,
        prefix: str = "KIS WebSocket",
    ) -> None:
        self._sessions = list(sessions)
        self._publish = publish
        self._trader_id = trader_id
        self._now_ns = now_ns
        self._log = log
        self._prefix = prefix
        self._seen = {id(s): _Seen(s.connected, s.stats.connects) for s in self._sessions}
        self.lost = 0
        self.restored = 0

    def check(self) -> None:
        """One look at every session; publishes what changed since the last."""
        now = self._now_ns()
        for session in self._sessions:
            seen = self._seen[id(session)]
            connected = session.connected
            connects = session.stats.connects
            source = f"{self._prefix} {session.label}"
            if seen.up and not connected:
                seen.up, seen.down_since = False, now
                self._lost(source, now)
            elif not seen.up and connected:
                down_since, seen.up, seen.down_since = seen.down_since, True, None
                if down_since is not None:
                    self._restored(source, now, now - down_since)
            elif seen.up and connected and connects != seen.connects:
                self._lost(source, now)  # dropped and back between two looks
                self._restored(source, now, 0)
            seen.connects = connects

    def _lost(self, source: str, now: int) -> None:
        self.lost += 1
        self._log.warning("connection_lost", source=source)
        event = ConnectionLost(
            trader_id=self._trader_id, source=source, reason=LOST, ts_event=now, ts_init=now
        )
        self._publish(CONNECTION_EVENTS, event)

    def _restored(self, source: str, now: int, down_ns: int) -> None:
        self.restored += 1
        self._log.info("connection_restored", source=source, down_ms=down_ns // 1_000_000)
        event = ConnectionRestored(
            trader_id=self._trader_id, source=source, down_ns=down_ns, ts_event=now, ts_init=now
        )
        self._publish(CONNECTION_EVENTS, event)

    async def run(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            self.check()
