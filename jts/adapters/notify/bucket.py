"""A non-blocking token bucket for alert rate limits.

Unlike a request limiter, an alert limiter never waits: an alert that finds no token is
suppressed (and summarised later), because an alert delivered minutes late is worse than a
count of the ones left out. Time is passed in (monotonic nanoseconds), so the bucket is pure
and tests need no clock. Arithmetic is in integers: one token is ``period_ns`` units and the
bucket gains ``capacity`` units per nanosecond, so exactly ``period_ns / capacity`` after a
take the next token is there, with no float drift.
"""

from __future__ import annotations

from jts.core.errors import ConfigError

__all__ = ["TokenBucket"]


class TokenBucket:
    """Up to ``capacity`` tokens, refilled evenly (``capacity`` per ``period_ns``); starts full."""

    __slots__ = ("_capacity", "_full", "_level", "_period", "_stamp")

    def __init__(self, capacity: int, period_ns: int, now_ns: int) -> None:
        if type(capacity) is not int or capacity < 1:
            raise ConfigError(f"rate limit count must be an int >= 1, got {capacity!r}")
        if type(period_ns) is not int or period_ns < 1:
            raise ConfigError(f"rate limit period must be a positive int of ns, got {period_ns!r}")
        self._capacity = capacity
        self._period = period_ns
        self._full = capacity * period_ns
        self._level = self._full
        self._stamp = now_ns

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def period_ns(self) -> int:
        return self._period

    def _refill(self, now_ns: int) -> None:
        if now_ns > self._stamp:
            self._level = min(self._full, self._level + (now_ns - self._stamp) * self._capacity)
            self._stamp = now_ns

    def tokens(self, now_ns: int) -> int:
        """Whole tokens available at ``now_ns``."""
        self._refill(now_ns)
        return self._level // self._period

    def try_take(self, now_ns: int) -> bool:
        """Take one token if there is one; never waits."""
        self._refill(now_ns)
        if self._level >= self._period:
            self._level -= self._period
            return True
        return False

    def wait_ns(self, now_ns: int) -> int:
        """Nanoseconds until a token is available (0 when one is there now)."""
        self._refill(now_ns)
        missing = self._period - self._level
        return 0 if missing <= 0 else -(-missing // self._capacity)
