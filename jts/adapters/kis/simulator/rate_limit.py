"""Per-app-key request limits, enforced the way the broker does: over the rate -> EGW00201.

A token bucket per app key: ``burst`` requests may arrive back to back, then ``rate`` per
second. With ``burst == rate`` (the default) a client that paces itself with its own bucket at
the same rate never trips the limit, except for network jitter that squeezes two requests closer
together than they were sent; clients should keep a small margin (python-kis uses 19 of 20).

The arithmetic is in integers (tokens scaled by 10^9 against integer nanoseconds), so a request
exactly one interval after the previous one always passes; float seconds would sometimes leave
the bucket a rounding error short. Time comes from an injected monotonic function (ns).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from jts.core.errors import InvalidInputError

__all__ = ["KeyedRateLimiter"]

_ONE = 1_000_000_000  # one token, scaled


@dataclass(slots=True)
class _Bucket:
    tokens: int  # scaled by _ONE
    updated_ns: int


class KeyedRateLimiter:
    """``try_acquire(key)`` is True when the request may pass and takes one token."""

    def __init__(
        self, rate: int, burst: int, monotonic_ns: Callable[[], int] = time.monotonic_ns
    ) -> None:
        if rate <= 0 or burst <= 0:
            raise InvalidInputError(f"rate and burst must be positive, got {rate} and {burst}")
        self._rate = rate
        self._capacity = burst * _ONE
        self._now = monotonic_ns
        self._buckets: dict[str, _Bucket] = {}
        self.rejected: dict[str, int] = {}

    @property
    def rate(self) -> int:
        return self._rate

    def try_acquire(self, key: str) -> bool:
        now = self._now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self._capacity, now)
        else:
            elapsed = max(0, now - bucket.updated_ns)
            # elapsed ns x rate tokens/s = elapsed x rate x 10^-9 tokens = elapsed x rate scaled
            bucket.tokens = min(self._capacity, bucket.tokens + elapsed * self._rate)
            bucket.updated_ns = max(now, bucket.updated_ns)
        if bucket.tokens >= _ONE:
            bucket.tokens -= _ONE
            return True
        self.rejected[key] = self.rejected.get(key, 0) + 1
        return False
