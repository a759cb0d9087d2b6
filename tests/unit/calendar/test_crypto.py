"""The 24/7 crypto calendar: every KST day one continuous session, settlement immediate."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.calendar import CalendarRangeError, CryptoCalendar
from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, kst_date, kst_to_ns
from jts.ports.calendar import Session, SessionPhase, TradingCalendar

D = dt.date
CAL = CryptoCalendar()


def test_it_implements_the_port() -> None:
    assert isinstance(CAL, TradingCalendar)


@pytest.mark.parametrize("day", [D(2024, 6, 15), D(2025, 1, 1), D(2024, 2, 29), D(2025, 1, 28)])
def test_every_day_trades_from_midnight_to_midnight_kst(day: dt.date) -> None:
    assert CAL.is_session(day)
    assert CAL.session(day) == Session(
        date=day,
        open_ns=kst_to_ns(day, "000000"),
        close_ns=kst_to_ns(day, "000000") + NANOS_PER_DAY,
    )


def test_the_day_boundary_is_kst_midnight() -> None:
    midnight = kst_to_ns(D(2024, 6, 15), "000000")  # 2024-06-14T15:00Z
    assert CAL.session_at(midnight).date == D(2024, 6, 15)
    assert CAL.session_at(midnight - 1).date == D(2024, 6, 14)
    assert CAL.phase(midnight - 1) is SessionPhase.CONTINUOUS


def test_neighbours_and_ranges() -> None:
    assert CAL.next_session(D(2024, 2, 28)).date == D(2024, 2, 29)
    assert CAL.previous_session(D(2024, 3, 1)).date == D(2024, 2, 29)
    days = [session.date for session in CAL.sessions_in_range(D(2024, 12, 30), D(2025, 1, 2))]
    assert days == [D(2024, 12, 30), D(2024, 12, 31), D(2025, 1, 1), D(2025, 1, 2)]
    assert len(CAL.sessions_in_range(D(2024, 1, 1), D(2024, 1, 1))) == 1


def test_settlement_is_immediate() -> None:
    assert CAL.settlement_date(D(2024, 12, 27)) == D(2024, 12, 27)
    assert CAL.settlement_date(D(2024, 12, 27), 0) == D(2024, 12, 27)
    with pytest.raises(InvalidInputError, match="settlement days"):
        CAL.settlement_date(D(2024, 12, 27), -1)


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="after its end"):
        CAL.sessions_in_range(D(2024, 1, 2), D(2024, 1, 1))
    with pytest.raises(InvalidInputError, match=r"datetime\.date"):
        CAL.session(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidInputError, match="int nanoseconds"):
        CAL.phase("2024-01-01")  # type: ignore[arg-type]
    with pytest.raises(CalendarRangeError):
        CAL.next_session(D.max)
    with pytest.raises(CalendarRangeError):
        CAL.previous_session(D.min)
    with pytest.raises(CalendarRangeError):
        CAL.phase(10**30)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 4_000_000_000 * 10**9))
def test_every_instant_is_in_the_session_of_its_kst_date(ts: int) -> None:
    session = CAL.session_at(ts)
    assert session.date == kst_date(ts)
    assert session.contains(ts)
    assert CAL.phase(ts) is SessionPhase.CONTINUOUS
