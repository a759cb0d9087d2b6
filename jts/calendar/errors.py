"""Errors of the trading calendars, and the date guard every public method runs first.

Calendar questions come from data (a bar's date, a fill's timestamp) and from configuration
(override lists), so each failure names the offending date or key and the rule it broke, and
falls in the `InvalidInputError` family callers already handle.
"""

from __future__ import annotations

import datetime as dt

from jts.core.errors import ConfigError, InvalidInputError

__all__ = [
    "CalendarRangeError",
    "InvalidOverrideError",
    "NotASessionError",
    "require_date",
]


class CalendarRangeError(InvalidInputError):
    """A date outside the span the calendar was built for.

    Answering "closed" for a date the calendar knows nothing about would silently drop a day
    of trading from a backtest, so the question is refused instead.
    """


class NotASessionError(InvalidInputError):
    """A date that must be a trading day (a fill's trade date) is a holiday or weekend."""


class InvalidOverrideError(ConfigError):
    """A calendar override (closure, extra session, special hours) is malformed or contradicts
    another one."""


def require_date(value: object, what: str = "date") -> dt.date:
    """Accept a plain `datetime.date`; refuse a `datetime` (a date subclass whose comparison with
    a date raises deep inside) and anything else, naming the value."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInputError(f"{what} must be a datetime.date, got {value!r}")
    return value
