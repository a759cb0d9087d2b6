"""`MessageBus` contract, publish/subscribe and lifecycle: each test runs on every backend."""

from __future__ import annotations

import asyncio
import logging

import pytest

from jts.core.errors import InvalidInputError, StateError
from jts.domain.messages import Message
from jts.ports.bus import (
    BusClosedError,
    BusError,
    InvalidTopicError,
    MessageBus,
)
from tests.contract.bus.messages import Ping

pytestmark = pytest.mark.timeout(30)


def test_both_backends_implement_the_port(bus: MessageBus) -> None:
    assert isinstance(bus, MessageBus)


# -- topics and patterns ---------------------------------------------------------------------


async def test_exact_topic_reaches_only_its_subscribers(bus: MessageBus) -> None:
    got: list[Message] = []
    bus.subscribe("events.order.005930.KRX", got.append)
    bus.publish("events.order.000660.KRX", Ping(seq=1))
    bus.publish("events.order.005930.KRX", Ping(seq=2))
    bus.publish("events.order.005930.KRX.more", Ping(seq=3))
    bus.publish("events.order", Ping(seq=4))
    await bus.flush()
    assert got == [Ping(seq=2)]


PATTERN_CASES = [
    (
        "events.order.*.KRX",
        ["events.order.005930.KRX", "events.order.KRW-BTC.KRX"],
        ["events.order.005930.NXT", "events.order.a.b.KRX", "events.order.KRX"],
    ),
    (
        "events.order.0059?0.KRX",
        ["events.order.005930.KRX", "events.order.005910.KRX"],
        ["events.order.00590.KRX", "events.order.0059300.KRX", "events.order.0059.0.KRX"],
    ),
    (
        "data.*.0059*.KRX",
        ["data.trades.005930.KRX", "data.quotes.0059.KRX"],
        ["data.trades.000660.KRX", "data.trades.x.005930.KRX"],
    ),
    (
        "events.**",
        ["events", "events.order", "events.order.005930.KRX"],
        ["eventsx", "data.events", "event"],
    ),
    (
        "**.KRX",
        ["KRX", "data.trades.005930.KRX"],
        ["data.trades.005930.NXT", "KRX.data", "xKRX"],
    ),
    ("a.**.z", ["a.z", "a.b.z", "a.b.c.z"], ["a.b", "b.z", "a.zz", "a.b.zz"]),
    ("**", ["a", "a.b.c"], []),
]


@pytest.mark.parametrize(("pattern", "matching", "other"), PATTERN_CASES)
async def test_pattern_matching(
    bus: MessageBus, pattern: str, matching: list[str], other: list[str]
) -> None:
    got: list[str] = []
    bus.subscribe(pattern, lambda m: got.append(m.text))  # type: ignore[attr-defined]
    for topic in [*other, *matching]:
        bus.publish(topic, Ping(seq=0, text=topic))
    await bus.flush()
    assert got == matching


# -- ordering and priority -------------------------------------------------------------------


async def test_each_subscriber_sees_messages_in_publish_order(bus: MessageBus) -> None:
    everything: list[int] = []
    krx: list[int] = []
    one: list[int] = []
    bus.subscribe("md.**", lambda m: everything.append(m.seq))  # type: ignore[attr-defined]
    bus.subscribe("md.*.KRX", lambda m: krx.append(m.seq))  # type: ignore[attr-defined]
    bus.subscribe("md.005930.KRX", lambda m: one.append(m.seq))  # type: ignore[attr-defined]
    topics = ["md.005930.KRX", "md.000660.KRX", "md.KRW-BTC.UPBIT"]
    for seq in range(600):
        bus.publish(topics[seq % 3], Ping(seq=seq))
    await bus.flush()
    assert everything == list(range(600))
    assert krx == [s for s in range(600) if s % 3 != 2]
    assert one == list(range(0, 600, 3))


async def test_handlers_run_by_priority_then_subscription_order(bus: MessageBus) -> None:
    calls: list[str] = []

    def handler(name: str):  # type: ignore[no-untyped-def]
        return lambda _m: calls.append(name)

    bus.subscribe("t.x", handler("a"))
    bus.subscribe("t.*", handler("b"), priority=10)
    bus.subscribe("t.x", handler("c"), priority=-5)
    bus.subscribe("**", handler("d"), priority=10)
    bus.subscribe("t.x", handler("e"))
    bus.subscribe("t.y", handler("never"), priority=100)
    bus.publish("t.x", Ping(seq=1))
    bus.publish("t.x", Ping(seq=2))
    await bus.flush()
    assert calls == ["b", "d", "a", "e", "c"] * 2


async def test_publish_from_a_handler_is_queued_not_depth_first(bus: MessageBus) -> None:
    seen: list[int] = []

    def relay(message: Message) -> None:
        seq = message.seq  # type: ignore[attr-defined]
        if seq == 1:  # 1 -> 2, 3; 2 -> 4
            bus.publish("chain.b", Ping(seq=2))
            bus.publish("chain.c", Ping(seq=3))
        elif seq == 2:
            bus.publish("chain.d", Ping(seq=4))

    bus.subscribe("chain.*", relay, priority=10)
    bus.subscribe("chain.*", lambda m: seen.append(m.seq))  # type: ignore[attr-defined]
    bus.publish("chain.a", Ping(seq=1))
    await bus.flush()
    # depth-first dispatch would give [4, 2, 3, 1]; queued (FIFO) dispatch gives causal order
    assert seen == [1, 2, 3, 4]


# -- subscribe and unsubscribe ---------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.got: list[Message] = []

    def on_message(self, message: Message) -> None:
        self.got.append(message)


async def test_unsubscribe_stops_delivery_and_accepts_a_fresh_bound_method(
    bus: MessageBus,
) -> None:
    collector = _Collector()
    bus.subscribe("u.*", collector.on_message)
    bus.publish("u.a", Ping(seq=1))
    await bus.flush()
    bus.unsubscribe("u.*", collector.on_message)  # a new bound-method object, equal to the first
    bus.publish("u.a", Ping(seq=2))
    await bus.flush()
    assert collector.got == [Ping(seq=1)]


async def test_unsubscribe_of_unknown_pair_is_ignored(bus: MessageBus) -> None:
    got: list[Message] = []
    bus.subscribe("u.a", got.append)
    bus.unsubscribe("u.b", got.append)
    bus.unsubscribe("u.*", got.append)
    bus.unsubscribe("never.subscribed", print)
    bus.publish("u.a", Ping(seq=1))
    await bus.flush()
    assert got == [Ping(seq=1)]


async def test_subscription_applies_to_later_messages_only(bus: MessageBus) -> None:
    got: list[Message] = []
    bus.publish("late.a", Ping(seq=1))
    await bus.flush()
    bus.subscribe("late.a", got.append)
    bus.publish("late.a", Ping(seq=2))
    await bus.flush()
    assert got == [Ping(seq=2)]


async def test_same_pair_subscribed_twice_is_delivered_once(bus: MessageBus) -> None:
    got: list[Message] = []
    bus.subscribe("d.a", got.append)
    bus.subscribe("d.a", got.append, priority=5)
    bus.publish("d.a", Ping(seq=1))
    await bus.flush()
    assert got == [Ping(seq=1)]


async def test_handler_under_two_matching_patterns_is_called_per_subscription(
    bus: MessageBus,
) -> None:
    got: list[Message] = []
    bus.subscribe("d.a", got.append)
    bus.subscribe("d.*", got.append)
    bus.publish("d.a", Ping(seq=1))
    await bus.flush()
    assert got == [Ping(seq=1), Ping(seq=1)]


# -- handler errors --------------------------------------------------------------------------


async def test_a_failing_handler_does_not_stop_the_others(
    bus: MessageBus, caplog: pytest.LogCaptureFixture
) -> None:
    good: list[Message] = []

    def bad(message: Message) -> None:
        raise RuntimeError(f"boom {message.seq}")  # type: ignore[attr-defined]

    bus.subscribe("err.*", bad, priority=10)
    bus.subscribe("err.*", good.append)
    with caplog.at_level(logging.ERROR, logger="jts.bus"):
        bus.publish("err.a", Ping(seq=1))
        bus.publish("err.b", Ping(seq=2))
        await bus.flush()
        await asyncio.sleep(0.4)  # a persistent backend retries the failed handler meanwhile
    assert good == [Ping(seq=1), Ping(seq=2)]  # and the good handler never sees a retry
    assert bus.stats().handler_errors >= 2
    failures = [r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1])]
    assert failures, "the handler's exception must be logged with its traceback"


# -- bad input and lifecycle -----------------------------------------------------------------


# The full syntax is tested in tests/unit/bus/test_topics.py; here: both backends enforce it.
@pytest.mark.parametrize("topic", ["", "a..b", "a.*", "주문.a"])
def test_publish_rejects_malformed_topics(bus: MessageBus, topic: str) -> None:
    with pytest.raises(InvalidTopicError):
        bus.publish(topic, Ping(seq=1))


@pytest.mark.parametrize("pattern", ["a..b", "a.**b", "a b"])
def test_subscribe_rejects_malformed_patterns(bus: MessageBus, pattern: str) -> None:
    with pytest.raises(InvalidTopicError):
        bus.subscribe(pattern, print)


def test_publish_rejects_non_messages(bus: MessageBus) -> None:
    with pytest.raises(InvalidInputError, match="dict"):
        bus.publish("a.b", {"seq": 1})  # type: ignore[arg-type]


def test_subscribe_rejects_bad_handler_and_priority(bus: MessageBus) -> None:
    with pytest.raises(InvalidInputError, match="not callable"):
        bus.subscribe("a.b", "print")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="priority"):
        bus.subscribe("a.b", print, priority=1.5)  # type: ignore[arg-type]


async def test_a_stopped_bus_refuses_work(bus: MessageBus) -> None:
    await bus.stop()
    await bus.stop()  # idempotent
    with pytest.raises(BusClosedError):
        bus.publish("a.b", Ping(seq=1))
    with pytest.raises(BusClosedError):
        bus.subscribe("a.b", print)
    with pytest.raises(BusClosedError):
        await bus.request("svc.x", Ping(seq=1), timeout=1)
    with pytest.raises(BusClosedError):
        await bus.start()
    assert issubclass(BusClosedError, StateError)
    assert not issubclass(BusClosedError, BusError)


async def test_stats_count_publishes(bus: MessageBus) -> None:
    bus.subscribe("s.*", lambda _m: None)
    for seq in range(5):
        bus.publish("s.a", Ping(seq=seq))
    bus.publish("s.nobody.listens", Ping(seq=9))
    await bus.flush()
    stats = bus.stats()
    assert (stats.published, stats.handler_errors, stats.dead_lettered) == (6, 0, 0)
