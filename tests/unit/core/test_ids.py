from __future__ import annotations

import time

from jts.core.ids import UlidGenerator, ulid_timestamp_ms


def test_ulids_are_monotonic_and_carry_time() -> None:
    gen = UlidGenerator()
    before = time.time_ns() // 1_000_000
    ids = [gen.new() for _ in range(5000)]
    after = time.time_ns() // 1_000_000
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 26 for i in ids)
    assert before <= ulid_timestamp_ms(ids[0]) <= after + 1
