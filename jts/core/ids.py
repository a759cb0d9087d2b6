"""Identifier generation that is unique across processes and restarts, and sortable by time.

The format is a ULID (26 Crockford base-32 characters: 48 bits of milliseconds, 80 random bits).
Within one process the random part is incremented for ids minted in the same millisecond, so ids
sort in creation order; across processes 80 random bits make a collision practically impossible;
across restarts the timestamp moves forward.
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


class UlidGenerator:
    """Monotonic ULIDs: each id is strictly greater than the previous one from this generator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_rand = 0

    def new(self) -> str:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms <= self._last_ms:
                now_ms = self._last_ms
                rand = self._last_rand + 1
                if rand > _RANDOM_MAX:  # 2**80 ids in one ms: move to the next ms
                    now_ms += 1
                    rand = int.from_bytes(os.urandom(10), "big") >> 1
            else:
                # keep headroom below the maximum so same-ms increments cannot overflow soon
                rand = int.from_bytes(os.urandom(10), "big") >> 1
            self._last_ms, self._last_rand = now_ms, rand
        return _encode(now_ms, 10) + _encode(rand, 16)


def ulid_timestamp_ms(ulid: str) -> int:
    """The millisecond timestamp encoded in a ULID (for ordering diagnostics)."""
    value = 0
    for char in ulid[:10]:
        value = value * 32 + _ALPHABET.index(char)
    return value
