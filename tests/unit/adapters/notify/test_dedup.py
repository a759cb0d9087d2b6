"""De-duplication by key within a window, on explicit (fake) time."""

from __future__ import annotations

import pytest

from jts.adapters.notify.dedup import Deduplicator
from jts.core.errors import ConfigError

S = 1_000_000_000


def test_the_same_difference_every_10_s_alerts_once_per_window() -> None:
    dedup = Deduplicator(window_ns=300 * S)
    admitted = [dedup.admit("recon:A", t * 10 * S) for t in range(60)]  # 10 minutes
    assert admitted[0] == 0
    # Inside the first window (0..299 s) everything after the first is a repeat.
    assert admitted[1:30] == [None] * 29
    # At 300 s the window has passed: admitted again, saying 29 repeats were left out.
    assert admitted[30] == 29
    assert admitted[31:] == [None] * 29


def test_keys_are_independent() -> None:
    dedup = Deduplicator(window_ns=10 * S)
    assert dedup.admit("a", 0) == 0
    assert dedup.admit("b", 0) == 0
    assert dedup.admit("a", S) is None
    assert dedup.admit("b", S) is None


def test_zero_window_turns_it_off() -> None:
    dedup = Deduplicator(window_ns=0)
    assert [dedup.admit("a", 0) for _ in range(3)] == [0, 0, 0]
    assert len(dedup) == 0


def test_memory_is_bounded_least_recently_admitted_first() -> None:
    dedup = Deduplicator(window_ns=100 * S, max_keys=3)
    for key in "abcd":
        assert dedup.admit(key, 0) == 0
    assert len(dedup) == 3
    # "a" was evicted to make room for "d": it is admitted again (the documented trade-off);
    # "d" is still remembered.
    assert dedup.admit("d", S) is None
    assert dedup.admit("a", S) == 0
    assert len(dedup) == 3


@pytest.mark.parametrize(("window", "keys"), [(-1, 10), (1.5, 10), (10, 0)])
def test_bad_settings_are_refused(window: object, keys: object) -> None:
    with pytest.raises(ConfigError):
        Deduplicator(window, keys)  # type: ignore[arg-type]
