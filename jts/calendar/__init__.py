"""Trading calendars (XKRX sessions, holidays, auctions, settlement) behind `jts.ports.calendar`.

`XkrxCalendar` for KRX equities (library holidays, KRX hour rules, local overrides) and
`CryptoCalendar` for venues that never close. Importing this package is cheap: the XKRX
calendar imports `exchange_calendars` (and pandas) only when first asked a question.
"""

from jts.calendar.crypto import CryptoCalendar
from jts.calendar.errors import CalendarRangeError, InvalidOverrideError, NotASessionError
from jts.calendar.hours import KRX_CSAT_DAYS, KRX_EARLIEST_DATE, SessionTimes
from jts.calendar.overrides import KRX_KNOWN_OVERRIDES, CalendarOverrides
from jts.calendar.xkrx import KRX_LATEST_DATE, LibraryDeviation, XkrxCalendar

__all__ = [
    "KRX_CSAT_DAYS",
    "KRX_EARLIEST_DATE",
    "KRX_KNOWN_OVERRIDES",
    "KRX_LATEST_DATE",
    "CalendarOverrides",
    "CalendarRangeError",
    "CryptoCalendar",
    "InvalidOverrideError",
    "LibraryDeviation",
    "NotASessionError",
    "SessionTimes",
    "XkrxCalendar",
]
