"""De-duplication of alerts by key within a time window.

The first alert with a key is let through and opens a window; the same key within the window
is suppressed and counted. The first one after the window is let through again and carries how
many were suppressed, so "the same reconciliation difference every 10 s" becomes one alert per
window saying how often it was seen.

Memory is bounded: at most ``max_keys`` keys are remembered, least recently admitted evicted
first. Entries are not swept on a timer; an expired entry is just replaced when its key comes
back, which keeps the repeat count until then. If more than ``max_keys`` distinct keys arrive
within one window, the oldest can repeat once early: a bounded table is worth that.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from jts.core.errors import ConfigError

__all__ = ["Deduplicator"]


@dataclass(slots=True)
class _Seen:
    admitted_ns: int
    repeats: int = 0


class Deduplicator:
    """Answers "is this key new?" with time passed in (monotonic nanoseconds)."""

    def __init__(self, window_ns: int, max_keys: int = 10_000) -> None:
        if type(window_ns) is not int or window_ns < 0:
            raise ConfigError(f"dedup window must be an int of ns >= 0, got {window_ns!r}")
        if type(max_keys) is not int or max_keys < 1:
            raise ConfigError(f"dedup max_keys must be an int >= 1, got {max_keys!r}")
        self._window = window_ns
        self._max_keys = max_keys
        self._seen: OrderedDict[str, _Seen] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def admit(self, key: str, now_ns: int) -> int | None:
        """None when ``key`` is a duplicate within the window; else how many duplicates were
        suppressed in its previous window (0 for a key not seen before)."""
        if self._window == 0:
            return 0
        seen = self._seen.get(key)
        if seen is not None and now_ns - seen.admitted_ns < self._window:
            seen.repeats += 1
            return None
        repeats = seen.repeats if seen is not None else 0
        self._seen[key] = _Seen(now_ns)
        self._seen.move_to_end(key)
        while len(self._seen) > self._max_keys:
            self._seen.popitem(last=False)
        return repeats
