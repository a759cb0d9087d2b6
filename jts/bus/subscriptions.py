"""The subscription table both backends share: who gets a topic, and in which order.

Resolving a topic walks every subscription, so the result is cached per topic and the cache is
dropped whenever a subscription is added or removed; a steady-state publish is then one dict
lookup. The cache is bounded (cleared when full) because topics can carry unbounded keys, such
as an order id, and a long-running node must not grow without limit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from jts.bus.topics import TopicPattern, validate_topic
from jts.core.errors import InvalidInputError
from jts.ports.bus import Handler

DEFAULT_MAX_CACHED_TOPICS = 65_536


@dataclass(frozen=True, slots=True, eq=False)
class Subscription:
    """One (pattern, handler) pair; ``sequence`` is unique per table and gives the tie order."""

    pattern: TopicPattern
    handler: Handler
    priority: int
    sequence: int


class SubscriptionTable:
    """Subscriptions ordered by descending priority, then by subscription order."""

    def __init__(self, max_cached_topics: int = DEFAULT_MAX_CACHED_TOPICS) -> None:
        if max_cached_topics < 1:
            raise InvalidInputError(f"max_cached_topics must be >= 1, got {max_cached_topics}")
        self._subscriptions: list[Subscription] = []
        self._sequence = itertools.count()
        self._max_cached = max_cached_topics
        self._resolved: dict[str, tuple[Subscription, ...]] = {}
        self._handlers: dict[str, tuple[Handler, ...]] = {}

    def __len__(self) -> int:
        return len(self._subscriptions)

    def add(self, pattern: str, handler: Handler, priority: int = 0) -> bool:
        """Add a subscription; False (and no change) if the pair is already subscribed."""
        compiled = TopicPattern.compile(pattern)
        if not callable(handler):
            raise InvalidInputError(f"handler for {pattern!r} is not callable: {handler!r}")
        if type(priority) is not int:
            raise InvalidInputError(f"priority must be an int, got {priority!r}")
        if self._find(pattern, handler) is not None:
            return False
        self._subscriptions.append(Subscription(compiled, handler, priority, next(self._sequence)))
        # Stable sort: equal priorities keep subscription order.
        self._subscriptions.sort(key=lambda sub: -sub.priority)
        self._invalidate()
        return True

    def remove(self, pattern: str, handler: Handler) -> bool:
        """Remove a subscription; False if there was none."""
        index = self._find(pattern, handler)
        if index is None:
            return False
        del self._subscriptions[index]
        self._invalidate()
        return True

    def subscriptions_for(self, topic: str) -> tuple[Subscription, ...]:
        """Matching subscriptions in dispatch order; raises `InvalidTopicError` for a bad topic."""
        cached = self._resolved.get(topic)
        if cached is not None:
            return cached
        validate_topic(topic)
        resolved = tuple(sub for sub in self._subscriptions if sub.pattern.matches(topic))
        if len(self._resolved) >= self._max_cached:
            self._invalidate()
        self._resolved[topic] = resolved
        return resolved

    def handlers_for(self, topic: str) -> tuple[Handler, ...]:
        """The handlers of `subscriptions_for`, cached separately for the in-process hot path."""
        cached = self._handlers.get(topic)
        if cached is not None:
            return cached
        handlers = tuple(sub.handler for sub in self.subscriptions_for(topic))
        self._handlers[topic] = handlers
        return handlers

    def _find(self, pattern: str, handler: Handler) -> int | None:
        for index, sub in enumerate(self._subscriptions):
            if sub.pattern.text == pattern and sub.handler == handler:
                return index
        return None

    def _invalidate(self) -> None:
        self._resolved.clear()
        self._handlers.clear()
