"""Everything a node publishes can cross to another process: each concrete message type is
known to the bus codec once `jts.live` is imported; one that is not still reaches local
observers."""

from __future__ import annotations

import importlib
import pkgutil

import jts
from jts.bus.inprocess import InProcessMessageBus
from jts.bus.redis_streams import RedisStreamsConfig, RedisStreamsMessageBus
from jts.domain.codec import registered_message_types
from jts.domain.messages import Message
from jts.live.buses import TeeBus

ABSTRACT = {"OrderEvent", "TradingCommand", "PositionEvent", "ExecutionReport"}


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_every_message_type_of_the_package_is_registered() -> None:
    for module in pkgutil.walk_packages(jts.__path__, "jts."):
        if module.name.startswith(("jts.cli", "jts.storage.migrations")):
            continue
        importlib.import_module(module.name)
    known = set(registered_message_types())
    missing = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in _subclasses(Message)
        if cls.__module__.startswith("jts.") and cls.__name__ not in ABSTRACT and cls not in known
    ]
    assert missing == []


class Unregistered(Message, frozen=True, kw_only=True):
    value: int


def test_a_type_no_codec_knows_still_reaches_local_observers() -> None:
    local = InProcessMessageBus()
    remote = RedisStreamsMessageBus(RedisStreamsConfig(prefix="never-started"))
    tee = TeeBus(local, remote, ())
    heard: list[Message] = []
    tee.subscribe("events.custom", heard.append)
    tee.publish("events.custom", Unregistered(value=1))
    tee.publish("events.custom", Unregistered(value=2))
    assert heard == [Unregistered(value=1), Unregistered(value=2)]
    assert tee.unsendable == {"Unregistered": 2}
    assert remote.stats().published == 0
