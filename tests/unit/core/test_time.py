from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jts.core.errors import ParseError
from jts.core.time import (
    KST,
    NANOS_PER_SECOND,
    dt_to_ns,
    kst_date,
    kst_to_ns,
    ns_to_dt,
    ns_to_iso,
    parse_iso_ns,
)


def test_iso_round_trip_keeps_nanoseconds() -> None:
    ns = 1_700_000_000_123_456_789
    text = ns_to_iso(ns)
    assert text == "2023-11-14T22:13:20.123456789Z"
    assert parse_iso_ns(text) == ns


@given(st.integers(min_value=0, max_value=4_000_000_000 * NANOS_PER_SECOND))
def test_iso_round_trip_property(ns: int) -> None:
    assert parse_iso_ns(ns_to_iso(ns)) == ns


def test_offsets_and_naive() -> None:
    assert parse_iso_ns("2024-01-02T09:00:00+09:00") == parse_iso_ns("2024-01-02T00:00:00Z")
    with pytest.raises(ParseError, match="no UTC offset"):
        parse_iso_ns("2024-01-02T09:00:00")
    assert parse_iso_ns("2024-01-02T09:00:00", default_tz=KST) == parse_iso_ns(
        "2024-01-02T00:00:00Z"
    )
    for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00.1234567890Z"]:
        with pytest.raises(ParseError):
            parse_iso_ns(bad)


def test_kst_edges() -> None:
    ns = kst_to_ns(dt.date(2024, 1, 2), "090000")
    assert ns_to_dt(ns).hour == 0
    assert kst_date(ns) == dt.date(2024, 1, 2)
    # 23:30 UTC on Jan 1 is already Jan 2 in Korea
    assert kst_date(dt_to_ns(dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC))) == dt.date(2024, 1, 2)
    with pytest.raises(ParseError):
        kst_to_ns(dt.date(2024, 1, 2), "9:00")
    with pytest.raises(ParseError):
        kst_to_ns(dt.date(2024, 1, 2), "250000")
    with pytest.raises(ParseError, match="naive"):
        dt_to_ns(dt.datetime(2024, 1, 1))  # noqa: DTZ001


@given(st.integers(min_value=-(10**18), max_value=4_000_000_000 * NANOS_PER_SECOND))
def test_kst_date_matches_datetime(ns: int) -> None:
    assert kst_date(ns) == ns_to_dt(ns, KST).date()
