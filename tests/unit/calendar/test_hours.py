"""KRX hour rules: the hours history, derived auction windows, and the late-open days."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.calendar import KRX_CSAT_DAYS, CalendarRangeError, InvalidOverrideError, SessionTimes
from jts.calendar.hours import krx_regular_hours, krx_session_times
from jts.core.errors import InvalidInputError
from jts.core.time import KST, dt_to_ns, kst_to_ns
from jts.ports.calendar import Session

T = dt.time
D = dt.date


def test_a_regular_day_since_2016_08_01() -> None:
    assert SessionTimes.krx(T(9), T(15, 30)) == SessionTimes(
        open=T(9),
        close=T(15, 30),
        pre_open_start=T(8, 30),
        closing_auction_start=T(15, 20),
        after_hours_start=T(15, 40),
        after_hours_end=T(18),
    )


def test_before_2016_08_01_the_close_was_three() -> None:
    times = krx_session_times(D(2016, 7, 29), first_of_year=False, csat=False)
    assert (times.open, times.close, times.closing_auction_start) == (T(9), T(15), T(14, 50))
    assert (times.after_hours_start, times.after_hours_end) == (T(15, 10), T(18))


@pytest.mark.parametrize(
    ("day", "opens", "closes"),
    [
        (D(2000, 5, 22), T(9), T(15)),
        (D(2016, 7, 31), T(9), T(15)),
        (D(2016, 8, 1), T(9), T(15, 30)),
        (D(2050, 12, 31), T(9), T(15, 30)),
    ],
)
def test_hours_eras_switch_on_their_first_day(
    day: dt.date, opens: dt.time, closes: dt.time
) -> None:
    era = krx_regular_hours(day)
    assert (era.open, era.close) == (opens, closes)


def test_no_hours_before_the_lunch_break_ended() -> None:
    with pytest.raises(CalendarRangeError, match="2000-05-21"):
        krx_regular_hours(D(2000, 5, 21))
    with pytest.raises(InvalidInputError):
        krx_regular_hours(dt.datetime(2020, 1, 2, tzinfo=dt.UTC))


def test_first_trading_day_opens_late_and_closes_on_time() -> None:
    times = krx_session_times(D(2024, 1, 2), first_of_year=True, csat=False)
    assert (times.pre_open_start, times.open, times.close) == (T(9, 30), T(10), T(15, 30))
    assert (times.closing_auction_start, times.after_hours_start) == (T(15, 20), T(15, 40))


def test_csat_day_shifts_everything_but_the_end_of_after_hours() -> None:
    times = krx_session_times(D(2024, 11, 14), first_of_year=False, csat=True)
    assert times == SessionTimes(
        open=T(10),
        close=T(16, 30),
        pre_open_start=T(9, 30),
        closing_auction_start=T(16, 20),
        after_hours_start=T(16, 40),
        after_hours_end=T(18),
    )
    # before 2016-08-01: 10:00-16:00 [S: hankyung 2009-11-09]
    old = krx_session_times(D(2009, 11, 12), first_of_year=False, csat=True)
    assert (old.open, old.close, old.after_hours_start) == (T(10), T(16), T(16, 10))


def test_csat_list_covers_the_years_the_library_lacks() -> None:
    for day in (D(2021, 11, 18), D(2022, 11, 17), D(2023, 11, 16), D(2024, 11, 14)):
        assert day in KRX_CSAT_DAYS
    assert {D(2025, 11, 13), D(2026, 11, 19)} <= KRX_CSAT_DAYS
    assert all(day.weekday() < 5 for day in KRX_CSAT_DAYS)
    assert min(KRX_CSAT_DAYS) == D(2000, 11, 15)  # the first one in the one-hour era


def test_a_close_near_six_leaves_no_after_hours() -> None:
    times = SessionTimes.krx(T(9), T(17, 50))
    assert times.after_hours_start is None
    assert times.after_hours_end is None
    assert times.after_hours_ns(D(2024, 6, 12)) is None


def test_times_become_instants_on_a_date() -> None:
    day = D(2024, 6, 12)
    times = SessionTimes.krx(T(9), T(15, 30))
    assert times.session(day) == Session(
        date=day,
        open_ns=kst_to_ns(day, "090000"),
        close_ns=kst_to_ns(day, "153000"),
        pre_open_start_ns=kst_to_ns(day, "083000"),
        closing_auction_start_ns=kst_to_ns(day, "152000"),
    )
    assert times.after_hours_ns(day) == (kst_to_ns(day, "154000"), kst_to_ns(day, "180000"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"open": T(15), "close": T(9)}, "before close"),
        ({"open": T(9), "close": T(9)}, "before close"),
        ({"open": T(9), "close": T(15), "pre_open_start": T(9)}, "pre-open"),
        ({"open": T(9), "close": T(15), "closing_auction_start": T(15)}, "closing auction"),
        ({"open": T(9), "close": T(15), "closing_auction_start": T(9)}, "closing auction"),
        ({"open": T(9), "close": T(15), "after_hours_start": T(16)}, "go together"),
        (
            {"open": T(9), "close": T(15), "after_hours_start": T(14), "after_hours_end": T(18)},
            "after-hours",
        ),
        (
            {"open": T(9), "close": T(15), "after_hours_start": T(18), "after_hours_end": T(17)},
            "after-hours",
        ),
        ({"open": T(9, tzinfo=dt.UTC), "close": T(15)}, "naive KST"),
        ({"open": "09:00", "close": T(15)}, "naive KST"),
    ],
)
def test_inconsistent_times_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidOverrideError, match=message):
        SessionTimes(**kwargs)  # type: ignore[arg-type]


def test_deriving_windows_that_leave_the_day_is_refused() -> None:
    with pytest.raises(InvalidOverrideError, match="leaves the day"):
        SessionTimes.krx(T(0, 10), T(9))


@pytest.mark.parametrize(
    "day", [D(1969, 12, 31), D(1970, 1, 1), D(2000, 2, 29), D(2024, 11, 14), D(2050, 12, 31)]
)
def test_instants_are_those_of_the_datetime_route_to_the_nanosecond(day: dt.date) -> None:
    # odd seconds and microseconds everywhere, so a dropped term of the arithmetic shows
    times = SessionTimes(
        open=T(9, 0, 1, 250_001),
        close=T(17, 0, 0, 1),
        pre_open_start=T(0, 0, 0, 1),
        closing_auction_start=T(15, 20, 59, 999_999),
        after_hours_start=T(17, 0, 0, 1),
        after_hours_end=T(23, 59, 59, 999_999),
    )

    def ns(at: dt.time) -> int:
        return dt_to_ns(dt.datetime.combine(day, at, tzinfo=KST))

    assert times.session(day) == Session(
        date=day,
        open_ns=ns(T(9, 0, 1, 250_001)),
        close_ns=ns(T(17, 0, 0, 1)),
        pre_open_start_ns=ns(T(0, 0, 0, 1)),
        closing_auction_start_ns=ns(T(15, 20, 59, 999_999)),
    )
    assert times.after_hours_ns(day) == (ns(T(17, 0, 0, 1)), ns(T(23, 59, 59, 999_999)))


def test_each_rule_is_built_once_and_kept_apart_from_the_others() -> None:
    answers = {}
    for era_day, later_day in ((D(2010, 3, 3), D(2015, 6, 9)), (D(2016, 8, 1), D(2024, 6, 4))):
        for first_of_year in (False, True):
            for csat in (False, True):
                times = krx_session_times(era_day, first_of_year=first_of_year, csat=csat)
                again = krx_session_times(later_day, first_of_year=first_of_year, csat=csat)
                assert again is times
                answers[era_day, first_of_year, csat] = times
    # a CSAT day is the same whether or not it is also the year's first; nothing else repeats
    assert len(set(answers.values())) == 6
    assert answers[D(2016, 8, 1), False, False] == SessionTimes.krx(T(9), T(15, 30))
    assert answers[D(2010, 3, 3), True, False] == SessionTimes.krx(T(10), T(15))
