"""The subscription table: dispatch order, identity of subscriptions, and its topic cache."""

from __future__ import annotations

import pytest

from jts.bus.subscriptions import SubscriptionTable
from jts.core.errors import InvalidInputError
from jts.ports.bus import InvalidTopicError


def _named(name: str):  # type: ignore[no-untyped-def]
    def handler(_message: object) -> None:
        pass

    handler.__name__ = name
    return handler


def _names(table: SubscriptionTable, topic: str) -> list[str]:
    return [h.__name__ for h in table.handlers_for(topic)]


def test_order_is_priority_descending_then_subscription_order() -> None:
    table = SubscriptionTable()
    for name, pattern, priority in [
        ("low", "a.b", -1),
        ("first0", "a.*", 0),
        ("high", "**", 5),
        ("second0", "a.b", 0),
        ("high2", "a.b", 5),
    ]:
        table.add(pattern, _named(name), priority)
    assert _names(table, "a.b") == ["high", "high2", "first0", "second0", "low"]
    assert [s.priority for s in table.subscriptions_for("a.b")] == [5, 5, 0, 0, -1]


def test_add_is_idempotent_per_pair_and_remove_reports() -> None:
    table = SubscriptionTable()
    handler = _named("h")
    assert table.add("a.b", handler)
    assert not table.add("a.b", handler, priority=9)  # the first priority stays
    assert table.subscriptions_for("a.b")[0].priority == 0
    assert len(table) == 1
    assert table.remove("a.b", handler)
    assert not table.remove("a.b", handler)
    assert table.handlers_for("a.b") == ()


def test_cache_is_invalidated_by_add_and_remove() -> None:
    table = SubscriptionTable()
    first, second = _named("first"), _named("second")
    table.add("a.*", first)
    assert _names(table, "a.b") == ["first"]
    table.add("a.b", second)
    assert _names(table, "a.b") == ["first", "second"]
    table.remove("a.*", first)
    assert _names(table, "a.b") == ["second"]


def test_cache_is_bounded() -> None:
    table = SubscriptionTable(max_cached_topics=3)
    table.add("t.*", _named("h"))
    for index in range(10):
        assert _names(table, f"t.{index}") == ["h"]
        assert len(table._resolved) <= 3  # never grows past the bound
        assert len(table._handlers) <= 3


def test_subscription_sequences_are_unique() -> None:
    table = SubscriptionTable()
    handler = _named("h")
    table.add("a.*", handler)
    table.add("a.b", handler)
    table.remove("a.*", handler)
    table.add("a.*", handler)
    sequences = [s.sequence for s in table.subscriptions_for("a.b")]
    assert len(set(sequences)) == 2


def test_bad_input() -> None:
    table = SubscriptionTable()
    with pytest.raises(InvalidTopicError):
        table.add("a..b", _named("h"))
    with pytest.raises(InvalidInputError, match="not callable"):
        table.add("a.b", 42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="priority"):
        table.add("a.b", _named("h"), priority=True)
    with pytest.raises(InvalidTopicError):
        table.handlers_for("a.*")  # a pattern is not a topic
    with pytest.raises(InvalidInputError, match="max_cached_topics"):
        SubscriptionTable(max_cached_topics=0)
    assert len(table) == 0
