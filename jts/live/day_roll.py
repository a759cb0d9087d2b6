"""The KST day roll the node's daily work waits for (base prices, settlement)."""

from __future__ import annotations

import datetime as dt

from jts.core.time import NANOS_PER_SECOND, kst_date, kst_to_ns

__all__ = ["seconds_to_next_kst_day"]


def seconds_to_next_kst_day(now_ns: int, delay_ns: int = 0) -> float:
    """Seconds from ``now_ns`` to the next KST midnight plus ``delay_ns`` (never negative)."""
    wake = kst_to_ns(kst_date(now_ns) + dt.timedelta(days=1)) + delay_ns
    return max(0, wake - now_ns) / NANOS_PER_SECOND
