"""Per-app-key token bucket: burst, refill at the rate, keys independent."""

from __future__ import annotations

import pytest

from jts.adapters.kis.simulator.rate_limit import KeyedRateLimiter
from jts.core.errors import InvalidInputError

MS = 1_000_000


class FakeTime:
    def __init__(self) -> None:
        self.now = 100_000 * MS

    def __call__(self) -> int:
        return self.now


def test_burst_then_reject_then_refill_at_the_rate():
    clock = FakeTime()
    limiter = KeyedRateLimiter(rate=20, burst=20, monotonic_ns=clock)
    assert all(limiter.try_acquire("A") for _ in range(20))
    assert not limiter.try_acquire("A")
    clock.now += 50 * MS  # one token at 20/s
    assert limiter.try_acquire("A")
    assert not limiter.try_acquire("A")
    clock.now += 49 * MS  # not yet a whole token
    assert not limiter.try_acquire("A")
    clock.now += 10_000 * MS  # refills to the burst, not beyond
    assert sum(limiter.try_acquire("A") for _ in range(30)) == 20
    assert limiter.rejected["A"] == 13


def test_keys_do_not_share_a_bucket():
    clock = FakeTime()
    limiter = KeyedRateLimiter(rate=2, burst=2, monotonic_ns=clock)
    assert limiter.try_acquire("A")
    assert limiter.try_acquire("A")
    assert not limiter.try_acquire("A")
    assert limiter.try_acquire("B")


def test_a_client_pacing_itself_at_the_rate_is_never_refused():
    clock = FakeTime()
    limiter = KeyedRateLimiter(rate=2, burst=2, monotonic_ns=clock)
    for _ in range(100):
        assert limiter.try_acquire("A")
        clock.now += 500 * MS
    assert limiter.rejected == {}


def test_clock_going_back_does_not_mint_tokens():
    clock = FakeTime()
    limiter = KeyedRateLimiter(rate=1, burst=1, monotonic_ns=clock)
    assert limiter.try_acquire("A")
    clock.now -= 5_000 * MS
    assert not limiter.try_acquire("A")


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (1, 0), (-2, 2)])
def test_non_positive_settings_are_refused(rate, burst):
    with pytest.raises(InvalidInputError):
        KeyedRateLimiter(rate, burst)
