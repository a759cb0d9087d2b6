"""Reading Redis stream replies and ids."""

from __future__ import annotations

from jts.bus.redis_streams.wire import entry_id_key, stream_entries


def test_entry_ids_compare_numerically() -> None:
    assert entry_id_key(b"1700000000000-3") == (1_700_000_000_000, 3)
    assert entry_id_key("5-0") == (5, 0)
    assert entry_id_key(b"10-0") > entry_id_key(b"9-99")  # not a byte comparison


def test_stream_entries() -> None:
    assert stream_entries(None) == []
    assert stream_entries([]) == []
    reply = [
        [b"s1", [(b"1-0", {b"t": b"a"}), (b"2-0", None)]],
        [b"s2", [(b"3-0", {b"d": b"x"})]],
    ]
    expected = [
        (b"s1", [(b"1-0", {b"t": b"a"}), (b"2-0", {})]),
        (b"s2", [(b"3-0", {b"d": b"x"})]),
    ]
    assert stream_entries(reply) == expected
    resp3 = {
        b"s1": [[(b"1-0", {b"t": b"a"}), (b"2-0", None)]],
        b"s2": [[(b"3-0", {b"d": b"x"})]],
    }
    assert stream_entries(resp3) == expected
    assert stream_entries({}) == []
