"""Local calendar overrides: validation, reading from configuration, and their effect on XKRX."""

from __future__ import annotations

import datetime as dt
import pickle
import tomllib

import pytest

from jts.calendar import (
    CalendarOverrides,
    InvalidOverrideError,
    SessionTimes,
    XkrxCalendar,
)
from jts.core.errors import ConfigError, InvalidInputError
from jts.core.time import kst_to_ns
from jts.ports.calendar import SessionPhase

D = dt.date
T = dt.time


def test_empty_overrides_are_falsy_and_equal() -> None:
    assert not CalendarOverrides()
    assert CalendarOverrides() == CalendarOverrides.from_mapping({})


def test_values_are_frozen() -> None:
    overrides = CalendarOverrides(closures=[D(2025, 3, 4)])
    assert overrides.closures == frozenset({D(2025, 3, 4)})
    with pytest.raises(AttributeError):
        overrides.closures = frozenset()
    with pytest.raises(TypeError):
        overrides.special_hours[D(2025, 3, 5)] = SessionTimes.krx(T(9), T(15))  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"closures": [D(2025, 3, 4)], "extra_sessions": [D(2025, 3, 4)]}, "extra_sessions"),
        (
            {
                "closures": [D(2025, 3, 4)],
                "special_hours": {D(2025, 3, 4): SessionTimes.krx(T(10), T(15, 30))},
            },
            "special_hours",
        ),
        ({"closures": [D(2025, 3, 4)], "csat_days": [D(2025, 3, 4)]}, "csat_days"),
        ({"closures": ["2025-03-04x"]}, "2025-03-04x"),
        ({"closures": [dt.datetime(2025, 3, 4, tzinfo=dt.UTC)]}, "datetime"),
        ({"closures": "2025-03-04"}, "list of dates"),
        ({"special_hours": {D(2025, 3, 4): "10:00"}}, "SessionTimes"),
    ],
)
def test_contradictions_and_malformed_values_are_refused(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidOverrideError, match=message):
        CalendarOverrides(**kwargs)  # type: ignore[arg-type]


def test_override_errors_are_config_errors() -> None:
    assert issubclass(InvalidOverrideError, ConfigError)


def test_read_from_toml() -> None:
    data = tomllib.loads(
        """
        closures = [2024-10-01, "2025-03-04"]
        extra_sessions = [2025-03-08]
        csat_days = ["2027-11-18"]
        [special_hours."2025-06-04"]
        open = 10:00:00
        close = "15:30"
        [special_hours.2025-06-05]
        open = "09:00"
        close = "15:30"
        closing_auction_start = "15:10"
        """
    )
    overrides = CalendarOverrides.from_mapping(data)
    assert overrides.closures == {D(2024, 10, 1), D(2025, 3, 4)}
    assert overrides.extra_sessions == {D(2025, 3, 8)}
    assert overrides.csat_days == {D(2027, 11, 18)}
    assert overrides.special_hours[D(2025, 6, 4)] == SessionTimes.krx(T(10), T(15, 30))
    custom = overrides.special_hours[D(2025, 6, 5)]
    assert custom.closing_auction_start == T(15, 10)
    assert custom.pre_open_start == T(8, 30)  # derived where not given


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"holidays": []}, "unknown calendar override key"),
        ({"special_hours": {"2025-06-04": {"open": "10:00"}}}, "missing close"),
        ({"special_hours": {"2025-06-04": {"open": "10:00", "close": "15:30", "x": 1}}}, "'x'"),
        ({"special_hours": {"2025-06-04": {"open": "25:00", "close": "15:30"}}}, "25:00"),
        ({"special_hours": {"2025-06-04": {"open": "16:00", "close": "15:30"}}}, "before close"),
        ({"special_hours": {"2025-06-04": "10:00-15:30"}}, "expected a table"),
        ({"special_hours": ["2025-06-04"]}, "must be a table"),
        ({"closures": 20250304}, "list of dates"),
    ],
)
def test_bad_configuration_names_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidOverrideError, match=message):
        CalendarOverrides.from_mapping(data)


def test_merge_revalidates_and_later_hours_win() -> None:
    early = SessionTimes.krx(T(10), T(15, 30))
    late = SessionTimes.krx(T(11), T(15, 30))
    first = CalendarOverrides(closures=[D(2025, 3, 4)], special_hours={D(2025, 6, 4): early})
    second = CalendarOverrides(extra_sessions=[D(2025, 3, 8)], special_hours={D(2025, 6, 4): late})
    merged = first.merged(second)
    assert merged.closures == {D(2025, 3, 4)}
    assert merged.extra_sessions == {D(2025, 3, 8)}
    assert merged.special_hours[D(2025, 6, 4)] == late
    with pytest.raises(InvalidOverrideError):
        first.merged(CalendarOverrides(extra_sessions=[D(2025, 3, 4)]))


def test_pickle_round_trip() -> None:
    overrides = CalendarOverrides(
        closures=[D(2025, 3, 4)], special_hours={D(2025, 6, 4): SessionTimes.krx(T(10), T(15))}
    )
    assert pickle.loads(pickle.dumps(overrides)) == overrides
    assert "2025-03-04" in repr(overrides)


# ---- applied to the XKRX calendar ------------------------------------------------------------
def test_a_closure_removes_the_session_and_moves_settlement(xkrx: XkrxCalendar) -> None:
    assert xkrx.settlement_date(D(2025, 2, 28)) == D(2025, 3, 5)  # 03-03 substitute holiday
    closed = xkrx.with_overrides(CalendarOverrides(closures=[D(2025, 3, 4)]))
    assert not closed.is_session(D(2025, 3, 4))
    assert closed.settlement_date(D(2025, 2, 28)) == D(2025, 3, 6)
    assert closed.phase(kst_to_ns(D(2025, 3, 4), "100000")) is SessionPhase.CLOSED
    assert xkrx.is_session(D(2025, 3, 4))  # the original is untouched


def test_an_extra_session_trades_regular_hours(xkrx: XkrxCalendar) -> None:
    saturday = D(2025, 3, 8)
    opened = xkrx.with_overrides(CalendarOverrides(extra_sessions=[saturday]))
    session = opened.session(saturday)
    assert session is not None
    assert session.open_ns == kst_to_ns(saturday, "090000")
    assert opened.next_session(D(2025, 3, 7)).date == saturday
    assert any(dev.date == saturday and dev.library is None for dev in opened.library_deviations())


def test_closing_january_second_makes_the_next_day_the_late_open(xkrx: XkrxCalendar) -> None:
    closed = xkrx.with_overrides(CalendarOverrides(closures=[D(2026, 1, 2)]))
    session = closed.session(D(2026, 1, 5))
    assert session is not None
    assert session.open_ns == kst_to_ns(D(2026, 1, 5), "100000")


def test_special_hours_and_extra_csat_days(xkrx: XkrxCalendar) -> None:
    changed = xkrx.with_overrides(
        CalendarOverrides(
            special_hours={D(2025, 6, 4): SessionTimes.krx(T(10), T(15, 30))},
            csat_days=[D(2027, 11, 18)],
        )
    )
    assert changed.phase(kst_to_ns(D(2025, 6, 4), "093000")) is SessionPhase.PRE_OPEN_AUCTION
    csat = changed.session(D(2027, 11, 18))
    assert csat is not None
    assert (csat.open_ns, csat.close_ns) == (
        kst_to_ns(D(2027, 11, 18), "100000"),
        kst_to_ns(D(2027, 11, 18), "163000"),
    )


def test_special_hours_on_a_holiday_need_an_extra_session(xkrx: XkrxCalendar) -> None:
    hours = {D(2025, 1, 28): SessionTimes.krx(T(10), T(15, 30))}
    with pytest.raises(InvalidOverrideError, match="2025-01-28"):
        xkrx.with_overrides(CalendarOverrides(special_hours=hours))
    opened = xkrx.with_overrides(
        CalendarOverrides(special_hours=hours, extra_sessions=[D(2025, 1, 28)])
    )
    assert opened.is_session(D(2025, 1, 28))


def test_overrides_must_be_the_right_type() -> None:
    with pytest.raises(InvalidInputError, match="CalendarOverrides"):
        XkrxCalendar(overrides={"closures": []})  # type: ignore[arg-type]
