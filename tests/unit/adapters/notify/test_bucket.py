"""The non-blocking token bucket, on explicit (fake) time."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.adapters.notify.bucket import TokenBucket
from jts.core.errors import ConfigError

SECOND = 1_000_000_000


def test_starts_full_and_refuses_when_empty() -> None:
    bucket = TokenBucket(3, 60 * SECOND, now_ns=0)
    assert [bucket.try_take(0) for _ in range(4)] == [True, True, True, False]
    assert bucket.tokens(0) == 0


def test_refills_evenly_and_exactly() -> None:
    bucket = TokenBucket(3, 60 * SECOND, now_ns=0)
    for _ in range(3):
        assert bucket.try_take(0)
    # One token every 20 s, to the nanosecond.
    assert bucket.wait_ns(0) == 20 * SECOND
    assert not bucket.try_take(20 * SECOND - 1)
    assert bucket.wait_ns(20 * SECOND - 1) == 1
    assert bucket.try_take(20 * SECOND)
    assert not bucket.try_take(20 * SECOND)


def test_never_holds_more_than_capacity() -> None:
    bucket = TokenBucket(2, SECOND, now_ns=0)
    assert bucket.tokens(10**6 * SECOND) == 2
    assert bucket.wait_ns(10**6 * SECOND) == 0


def test_time_going_backwards_adds_nothing() -> None:
    bucket = TokenBucket(1, SECOND, now_ns=10 * SECOND)
    assert bucket.try_take(10 * SECOND)
    assert not bucket.try_take(5 * SECOND)
    assert bucket.wait_ns(5 * SECOND) == SECOND


@pytest.mark.parametrize(("capacity", "period"), [(0, SECOND), (1, 0), (-1, SECOND), (1.5, 1)])
def test_bad_settings_are_refused(capacity: object, period: object) -> None:
    with pytest.raises(ConfigError):
        TokenBucket(capacity, period, now_ns=0)  # type: ignore[arg-type]


@given(
    capacity=st.integers(1, 20),
    period=st.integers(1, 10**6),
    steps=st.lists(st.integers(0, 10**5), min_size=1, max_size=25),
)
@settings(max_examples=100)
def test_takes_never_exceed_burst_plus_refill(capacity: int, period: int, steps: list[int]) -> None:
    bucket = TokenBucket(capacity, period, now_ns=0)
    now = taken = 0
    for step in steps:
        now += step
        while bucket.try_take(now):
            taken += 1
        assert taken <= capacity + (now * capacity) // period
        # When nothing is left, waiting exactly wait_ns makes a token appear, and not earlier.
        wait = bucket.wait_ns(now)
        assert wait > 0
        # (probed on copies: asking about the future moves a bucket's clock forward)
        assert copy.copy(bucket).tokens(now + wait - 1) == 0
        assert copy.copy(bucket).tokens(now + wait) >= 1
