"""In-process specifics beyond the shared contract (tests/contract/bus): synchronous dispatch,
the FIFO queue of nested publishes, and changes to subscriptions during dispatch."""

from __future__ import annotations

import logging

import pytest

from jts.bus import InProcessMessageBus
from jts.domain.messages import Message
from jts.ports.bus import InvalidTopicError
from tests.contract.bus.messages import Ping


def seq_of(message: Message) -> int:
    return message.seq  # type: ignore[attr-defined, no-any-return]


def test_dispatch_completes_inside_publish_without_start() -> None:
    bus = InProcessMessageBus()
    got: list[Message] = []
    bus.subscribe("a.b", got.append)
    bus.publish("a.b", Ping(seq=1))
    assert got == [Ping(seq=1)]  # no start, no flush needed: backtests rely on this


def test_nested_publishes_drain_breadth_first_before_the_outer_publish_returns() -> None:
    bus = InProcessMessageBus()
    seen: list[int] = []
    children = {1: [2, 3], 2: [4, 5], 3: [6]}

    def fan_out(message: Message) -> None:
        for child in children.get(seq_of(message), []):
            bus.publish("tree.node", Ping(seq=child))

    bus.subscribe("tree.node", fan_out, priority=1)
    bus.subscribe("tree.node", lambda m: seen.append(seq_of(m)))
    bus.publish("tree.node", Ping(seq=1))
    assert seen == [1, 2, 3, 4, 5, 6]


def test_queued_message_is_resolved_when_dispatched() -> None:
    bus = InProcessMessageBus()
    late: list[int] = []

    def record(message: Message) -> None:
        late.append(seq_of(message))

    def publish_then_unsubscribe(message: Message) -> None:
        if seq_of(message) == 1:
            bus.publish("q.b", Ping(seq=2))
            bus.unsubscribe("q.b", record)  # before the queued message is dispatched

    bus.subscribe("q.a", publish_then_unsubscribe)
    bus.subscribe("q.b", record)
    bus.publish("q.a", Ping(seq=1))
    assert late == []


def test_unsubscribe_during_dispatch_takes_effect_from_the_next_message() -> None:
    bus = InProcessMessageBus()
    got: list[int] = []

    def record(message: Message) -> None:
        got.append(seq_of(message))

    bus.subscribe("u.a", lambda _m: bus.unsubscribe("u.a", record), priority=1)
    bus.subscribe("u.a", record)
    bus.publish("u.a", Ping(seq=1))
    bus.publish("u.a", Ping(seq=2))
    assert got == [1]


def test_subscribe_during_dispatch_sees_only_later_messages() -> None:
    bus = InProcessMessageBus()
    got: list[int] = []
    bus.subscribe("s.a", lambda _m: bus.subscribe("s.a", lambda m: got.append(seq_of(m))))
    bus.publish("s.a", Ping(seq=1))
    bus.publish("s.a", Ping(seq=2))
    assert got == [2]


def test_failures_inside_nested_dispatch_are_isolated(caplog: pytest.LogCaptureFixture) -> None:
    bus = InProcessMessageBus()
    seen: list[int] = []

    def explode_on_two(message: Message) -> None:
        if seq_of(message) == 1:
            bus.publish("n.a", Ping(seq=2))
            bus.publish("n.a", Ping(seq=3))
        if seq_of(message) == 2:
            raise RuntimeError("two is bad")

    bus.subscribe("n.a", explode_on_two, priority=1)
    bus.subscribe("n.a", lambda m: seen.append(seq_of(m)))
    with caplog.at_level(logging.ERROR, logger="jts.bus"):
        bus.publish("n.a", Ping(seq=1))
    assert seen == [1, 2, 3]
    assert bus.stats().handler_errors == 1
    assert "n.a" in caplog.text
    assert "two is bad" in caplog.text
    bus.publish("n.a", Ping(seq=4))  # the bus is not left in a dispatching state
    assert seen[-1] == 4


def test_bad_topic_published_from_a_handler_is_that_handler_failing() -> None:
    bus = InProcessMessageBus()
    bus.subscribe("b.a", lambda _m: bus.publish("bad topic", Ping(seq=0)))
    bus.publish("b.a", Ping(seq=1))
    assert bus.stats().handler_errors == 1
    with pytest.raises(InvalidTopicError):
        bus.publish("bad topic", Ping(seq=0))


def test_stats_count_nested_publishes() -> None:
    bus = InProcessMessageBus()
    bus.subscribe("c.a", lambda m: bus.publish("c.b", m))
    bus.publish("c.a", Ping(seq=1))
    assert bus.stats().published == 2


async def test_stop_clears_endpoints() -> None:
    bus = InProcessMessageBus()
    bus.register_endpoint("svc.a", lambda m: m)
    await bus.stop()
    bus.unsubscribe("x.y", print)  # still harmless after stop
    bus.unregister_endpoint("svc.a")
