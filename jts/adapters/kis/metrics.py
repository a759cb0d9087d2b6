"""Counters and histograms the KIS adapter keeps, as plain objects.

The monitoring issue will export them to Prometheus; until then they are readable in tests and
logs. Keeping them as plain in-process objects (no prometheus-client import here) means the
adapter works, and its tests can assert on what happened, without any metrics backend.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Final

__all__ = ["LATENCY_BUCKETS_S", "Counter", "Histogram", "KisMetrics"]

#: Request latency buckets in seconds (upper bounds), Prometheus-style.
LATENCY_BUCKETS_S: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Counter:
    """A monotonically increasing count per label (``""`` when unlabelled)."""

    __slots__ = ("_values", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._values: dict[str, int] = {}

    def inc(self, label: str = "", amount: int = 1) -> None:
        self._values[label] = self._values.get(label, 0) + amount

    def get(self, label: str = "") -> int:
        return self._values.get(label, 0)

    def total(self) -> int:
        return sum(self._values.values())

    def items(self) -> dict[str, int]:
        return dict(self._values)


class Histogram:
    """Observations in cumulative buckets, with count and sum, per label."""

    __slots__ = ("_buckets", "_counts", "_sums", "_totals", "name")

    def __init__(self, name: str, buckets: tuple[float, ...] = LATENCY_BUCKETS_S) -> None:
        self.name = name
        self._buckets = buckets
        self._counts: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}
        self._totals: dict[str, int] = {}

    def observe(self, value: float, label: str = "") -> None:
        counts = self._counts.get(label)
        if counts is None:
            counts = self._counts[label] = [0] * (len(self._buckets) + 1)
        counts[bisect_left(self._buckets, value)] += 1
        self._sums[label] = self._sums.get(label, 0.0) + value
        self._totals[label] = self._totals.get(label, 0) + 1

    def count(self, label: str = "") -> int:
        return self._totals.get(label, 0)

    def sum(self, label: str = "") -> float:
        return self._sums.get(label, 0.0)

    def buckets(self, label: str = "") -> list[tuple[float, int]]:
        """Cumulative counts per upper bound (the last bound is +inf)."""
        counts = self._counts.get(label, [0] * (len(self._buckets) + 1))
        out = []
        running = 0
        for bound, count in zip((*self._buckets, float("inf")), counts, strict=True):
            running += count
            out.append((bound, running))
        return out


@dataclass(slots=True)
class KisMetrics:
    """Everything the adapter counts; one instance is shared by the clients of one node."""

    requests: Counter = field(default_factory=lambda: Counter("kis_requests_total"))
    errors: Counter = field(default_factory=lambda: Counter("kis_errors_total"))
    latency: Histogram = field(default_factory=lambda: Histogram("kis_request_seconds"))
    retries: Counter = field(default_factory=lambda: Counter("kis_retries_total"))
    rate_limit_waits: Counter = field(default_factory=lambda: Counter("kis_rate_limit_waits_total"))
    rate_limit_wait_seconds: Histogram = field(
        default_factory=lambda: Histogram("kis_rate_limit_wait_seconds")
    )
    tokens_issued: Counter = field(default_factory=lambda: Counter("kis_tokens_issued_total"))
    reconnects: Counter = field(default_factory=lambda: Counter("kis_ws_reconnects_total"))
    subscriptions: Counter = field(default_factory=lambda: Counter("kis_ws_subscriptions"))
    frames: Counter = field(default_factory=lambda: Counter("kis_ws_frames_total"))
    records: Counter = field(default_factory=lambda: Counter("kis_ws_records_total"))
    frame_errors: Counter = field(default_factory=lambda: Counter("kis_ws_frame_errors_total"))
    schema_drift: Counter = field(default_factory=lambda: Counter("kis_ws_schema_drift_total"))
    stale_feeds: Counter = field(default_factory=lambda: Counter("kis_ws_stale_feeds_total"))
    recovered_fills: Counter = field(default_factory=lambda: Counter("kis_recovered_fills_total"))
    late_notices: Counter = field(default_factory=lambda: Counter("kis_late_fill_notices_total"))
    foreign_notices: Counter = field(default_factory=lambda: Counter("kis_foreign_notices_total"))
    order_lookups: Counter = field(default_factory=lambda: Counter("kis_order_lookups_total"))
    benched_keys: Counter = field(default_factory=lambda: Counter("kis_benched_keys_total"))

    def set_subscriptions(self, session: str, count: int) -> None:
        """Subscriptions are a gauge: overwrite the session's value."""
        self.subscriptions.inc(session, count - self.subscriptions.get(session))
