from __future__ import annotations

from jts.adapters.kis.metrics import Counter, Histogram, KisMetrics


def test_counter_per_label():
    counter = Counter("c")
    counter.inc("a")
    counter.inc("a", 2)
    counter.inc()
    assert counter.get("a") == 3
    assert counter.get() == 1
    assert counter.total() == 4
    assert counter.items() == {"a": 3, "": 1}


def test_histogram_buckets_are_cumulative():
    hist = Histogram("h", buckets=(0.1, 1.0))
    for value in (0.05, 0.1, 0.5, 2.0):
        hist.observe(value, "x")
    assert hist.count("x") == 4
    assert abs(hist.sum("x") - 2.65) < 1e-9
    assert hist.buckets("x") == [(0.1, 2), (1.0, 3), (float("inf"), 4)]
    assert hist.buckets("none") == [(0.1, 0), (1.0, 0), (float("inf"), 0)]


def test_subscriptions_are_a_gauge():
    metrics = KisMetrics()
    metrics.set_subscriptions("s", 40)
    metrics.set_subscriptions("s", 25)
    assert metrics.subscriptions.get("s") == 25
