"""`ConnectionWatch`: a session going down and coming back is published as `ConnectionLost`
and `ConnectionRestored`; a drop between two looks is still seen; a first connect is not one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jts.domain.identifiers import TraderId
from jts.domain.messages import Message
from jts.live.connections import ConnectionWatch
from jts.live.messages import ConnectionLost, ConnectionRestored
from jts.live.topics import CONNECTION_EVENTS

T0 = 1_700_000_000_000_000_000


@dataclass
class Stats:
    connects: int = 0


@dataclass
class Session:
    label: str
    connected: bool = False
    stats: Stats = field(default_factory=Stats)

    def connect(self) -> None:
        self.connected = True
        self.stats.connects += 1


class Log:
    def warning(self, *_: Any, **__: Any) -> None: ...

    def info(self, *_: Any, **__: Any) -> None: ...


def _watch(*sessions: Session) -> tuple[ConnectionWatch, list[Message], list[int]]:
    published: list[Message] = []
    now = [T0]

    def publish(topic: str, message: Message) -> None:
        assert topic == CONNECTION_EVENTS
        published.append(message)

    watch = ConnectionWatch(
        sessions, publish, trader_id=TraderId("JTS-001"), now_ns=lambda: now[0], log=Log()
    )
    return watch, published, now


def test_a_drop_and_the_recovery_are_published_with_the_time_it_was_down() -> None:
    session = Session("sim")
    session.connect()
    watch, published, now = _watch(session)
    watch.check()
    assert published == []
    session.connected = False
    now[0] = T0 + 1_000
    watch.check()
    watch.check()  # still down: said once
    session.connect()
    now[0] = T0 + 251_000
    watch.check()
    lost, restored = published
    assert isinstance(lost, ConnectionLost)
    assert (lost.source, lost.ts_event) == ("KIS WebSocket sim", T0 + 1_000)
    assert isinstance(restored, ConnectionRestored)
    assert (restored.source, restored.down_ns) == ("KIS WebSocket sim", 250_000)
    assert (watch.lost, watch.restored) == (1, 1)


def test_a_drop_shorter_than_one_look_is_seen_from_the_connect_count() -> None:
    session = Session("sim")
    session.connect()
    watch, published, _now = _watch(session)
    session.connected = False
    session.connect()  # down and back before the watch looked
    watch.check()
    assert [type(m) for m in published] == [ConnectionLost, ConnectionRestored]
    assert isinstance(published[1], ConnectionRestored)
    assert published[1].down_ns == 0
    watch.check()
    assert len(published) == 2


def test_a_first_connect_is_not_a_recovery_and_sessions_are_watched_apart() -> None:
    late, steady = Session("late"), Session("steady")
    steady.connect()
    watch, published, _now = _watch(late, steady)
    late.connect()  # it was never up: opening, not recovering
    watch.check()
    assert published == []
    late.connected = False
    watch.check()
    assert [(type(m), m.source) for m in published] == [  # type: ignore[attr-defined]
        (ConnectionLost, "KIS WebSocket late")
    ]
