"""Local corrections to a venue calendar: closures, extra sessions, special hours, CSAT days.

KRX closes at short notice (elections, government "temporary holidays" such as 2024-10-01) and
the library learns of it only in a later release (krx.md §9). A deployment therefore keeps its
own list, in configuration, and the calendar applies it on top of the library's dates:

    closures        dates the library calls trading days but the exchange closed
    extra_sessions  dates the library calls holidays but the exchange opened (regular hours)
    special_hours   dates with their own times (an extra session or a changed one)
    csat_days       more CSAT days (open and close one hour late) than `KRX_CSAT_DAYS` lists

`CalendarOverrides.from_mapping` reads the same from a TOML/JSON table, so the list lives next
to the rest of the configuration; dates and times may be TOML values or ISO text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from jts.calendar.errors import InvalidOverrideError
from jts.calendar.hours import SessionTimes
from jts.core.errors import InvalidInputError

__all__ = ["KRX_KNOWN_OVERRIDES", "CalendarOverrides"]

_KEYS: Final = ("closures", "extra_sessions", "special_hours", "csat_days")
_REQUIRED_TIMES: Final = ("open", "close")
_OPTIONAL_TIMES: Final = (
    "pre_open_start",
    "closing_auction_start",
    "after_hours_start",
    "after_hours_end",
)


def _as_date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise InvalidOverrideError(f"{where}: expected a date, got the datetime {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidOverrideError(f"{where}: expected a date like 2024-10-01, got {value!r}")


def _as_time(value: object, where: str) -> dt.time:
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str):
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                return parsed
    raise InvalidOverrideError(f"{where}: expected a KST time like 10:00, got {value!r}")


def _date_set(values: Iterable[object], where: str) -> frozenset[dt.date]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidOverrideError(f"{where}: expected a list of dates, got {values!r}")
    return frozenset(_as_date(value, where) for value in values)


def _fmt(dates: Iterable[dt.date]) -> str:
    return ", ".join(day.isoformat() for day in sorted(dates))


class CalendarOverrides:
    """An immutable, validated set of corrections (see the module docstring).

    Contradictions are refused at construction (a date both closed and opened, special hours on
    a closed date) so a typo in configuration fails at start-up, not mid-backtest.
    """

    __slots__ = ("closures", "csat_days", "extra_sessions", "special_hours")
    closures: frozenset[dt.date]
    extra_sessions: frozenset[dt.date]
    special_hours: Mapping[dt.date, SessionTimes]
    csat_days: frozenset[dt.date]

    def __init__(
        self,
        closures: Iterable[dt.date] = (),
        extra_sessions: Iterable[dt.date] = (),
        special_hours: Mapping[dt.date, SessionTimes] | None = None,
        csat_days: Iterable[dt.date] = (),
    ) -> None:
        closed = _date_set(closures, "closures")
        opened = _date_set(extra_sessions, "extra_sessions")
        csat = _date_set(csat_days, "csat_days")
        hours: dict[dt.date, SessionTimes] = {}
        for day, times in (special_hours or {}).items():
            key = _as_date(day, "special_hours")
            if not isinstance(times, SessionTimes):
                raise InvalidOverrideError(
                    f"special_hours[{key}]: expected SessionTimes, got {times!r}"
                )
            hours[key] = times
        for label, other in (
            ("extra_sessions", opened),
            ("special_hours", frozenset(hours)),
            ("csat_days", csat),
        ):
            clash = closed & other
            if clash:
                raise InvalidOverrideError(f"{_fmt(clash)} listed both in closures and in {label}")
        object.__setattr__(self, "closures", closed)
        object.__setattr__(self, "extra_sessions", opened)
        object.__setattr__(self, "special_hours", MappingProxyType(hours))
        object.__setattr__(self, "csat_days", csat)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CalendarOverrides is immutable")

    def __reduce__(self) -> tuple[object, ...]:
        return (
            CalendarOverrides,
            (self.closures, self.extra_sessions, dict(self.special_hours), self.csat_days),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CalendarOverrides):
            return NotImplemented
        return (
            self.closures == other.closures
            and self.extra_sessions == other.extra_sessions
            and dict(self.special_hours) == dict(other.special_hours)
            and self.csat_days == other.csat_days
        )

    def __hash__(self) -> int:
        return hash((self.closures, self.extra_sessions, self.csat_days))

    def __repr__(self) -> str:
        return (
            f"CalendarOverrides(closures=[{_fmt(self.closures)}], "
            f"extra_sessions=[{_fmt(self.extra_sessions)}], "
            f"special_hours=[{_fmt(self.special_hours)}], csat_days=[{_fmt(self.csat_days)}])"
        )

    def __bool__(self) -> bool:
        return bool(self.closures or self.extra_sessions or self.special_hours or self.csat_days)

    def merged(self, other: CalendarOverrides) -> CalendarOverrides:
        """Both lists together (``other``'s special hours win for a date in both); the result
        is validated again, so a closure in one and an extra session in the other is refused."""
        return CalendarOverrides(
            closures=self.closures | other.closures,
            extra_sessions=self.extra_sessions | other.extra_sessions,
            special_hours={**self.special_hours, **other.special_hours},
            csat_days=self.csat_days | other.csat_days,
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> CalendarOverrides:
        """Read overrides from a configuration table.

        Special hours need ``open`` and ``close``; the auction and after-hours windows are
        derived from them like on any KRX day unless given too::

            closures = [2024-10-01]
            [special_hours."2025-01-02"]
            open = "10:00"
            close = "15:30"
        """
        if not isinstance(data, Mapping):
            raise InvalidOverrideError(f"calendar overrides must be a table, got {data!r}")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise InvalidOverrideError(
                f"unknown calendar override key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(_KEYS)}"
            )
        raw_hours = data.get("special_hours", {})
        if not isinstance(raw_hours, Mapping):
            raise InvalidOverrideError(f"special_hours must be a table, got {raw_hours!r}")
        hours = {
            _as_date(day, "special_hours"): _times_from_mapping(spec, f"special_hours[{day}]")
            for day, spec in raw_hours.items()
        }
        return cls(
            closures=_date_set(_iterable(data, "closures"), "closures"),
            extra_sessions=_date_set(_iterable(data, "extra_sessions"), "extra_sessions"),
            special_hours=hours,
            csat_days=_date_set(_iterable(data, "csat_days"), "csat_days"),
        )


def _iterable(data: Mapping[str, object], key: str) -> Iterable[object]:
    value = data.get(key, ())
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidOverrideError(f"{key}: expected a list of dates, got {value!r}")
    return value


def _times_from_mapping(spec: object, where: str) -> SessionTimes:
    if not isinstance(spec, Mapping):
        raise InvalidOverrideError(f"{where}: expected a table with open and close, got {spec!r}")
    unknown = sorted(set(spec) - set(_REQUIRED_TIMES) - set(_OPTIONAL_TIMES))
    if unknown:
        raise InvalidOverrideError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
    missing = [key for key in _REQUIRED_TIMES if key not in spec]
    if missing:
        raise InvalidOverrideError(f"{where}: missing {', '.join(missing)}")
    opening = _as_time(spec["open"], f"{where}.open")
    closing = _as_time(spec["close"], f"{where}.close")
    try:
        times = SessionTimes.krx(opening, closing)
        given = {
            key: _as_time(spec[key], f"{where}.{key}") for key in _OPTIONAL_TIMES if key in spec
        }
        return dataclasses.replace(times, **given) if given else times
    except InvalidInputError as exc:
        raise InvalidOverrideError(f"{where}: {exc}") from None


#: Corrections every XKRX calendar applies unless told not to: closures announced after the
#: installed library was released (a no-op once the library lists them too).
KRX_KNOWN_OVERRIDES: Final = CalendarOverrides(
    closures=(
        # 9th nationwide local elections [S: XC manually_added_holidays at commit 5308ce2,
        # krx.md §9]; exchange-calendars 4.13.2 still trades it
        dt.date(2026, 6, 3),
    ),
)
