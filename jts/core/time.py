"""Nanosecond UTC timestamps: the one time representation inside the system.

Timestamps are plain ``int`` nanoseconds since the Unix epoch, UTC. Korea Standard Time appears
only at the edges (parsing broker fields, printing to people), through the helpers here.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from typing import Final

from jts.core.errors import ParseError

NANOS_PER_MICRO: Final = 1_000
NANOS_PER_MILLI: Final = 1_000_000
NANOS_PER_SECOND: Final = 1_000_000_000
NANOS_PER_MINUTE: Final = 60 * NANOS_PER_SECOND
NANOS_PER_HOUR: Final = 60 * NANOS_PER_MINUTE
NANOS_PER_DAY: Final = 24 * NANOS_PER_HOUR

UTC: Final = dt.UTC
#: Korea has no daylight saving time, so a fixed offset is exact and needs no tz database.
KST: Final = dt.timezone(dt.timedelta(hours=9), "KST")

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=UTC)


def unix_nanos_now() -> int:
    """Wall-clock time in nanoseconds (UTC)."""
    return _time.time_ns()


def dt_to_ns(value: dt.datetime) -> int:
    """An aware datetime to nanoseconds; a naive one is refused rather than guessed."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ParseError(f"naive datetime {value.isoformat()} has no timezone; attach UTC or KST")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * NANOS_PER_SECOND + delta.microseconds * 1_000


def ns_to_dt(ns: int, tz: dt.tzinfo = UTC) -> dt.datetime:
    """Nanoseconds to an aware datetime (sub-microsecond digits are dropped by datetime itself)."""
    seconds, rem = divmod(ns, NANOS_PER_SECOND)
    return (_EPOCH + dt.timedelta(seconds=seconds, microseconds=rem // 1_000)).astimezone(tz)


def ns_to_iso(ns: int) -> str:
    """ISO-8601 UTC with all nine fractional digits, so the text round-trips exactly."""
    seconds, rem = divmod(ns, NANOS_PER_SECOND)
    base = (_EPOCH + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{rem:09d}Z"


def parse_iso_ns(text: str, default_tz: dt.tzinfo | None = None) -> int:
    """Parse ISO-8601 (any offset, up to nanoseconds) to nanoseconds.

    A text without an offset is only accepted when ``default_tz`` says what it means.
    """
    raw = text.strip()
    if not raw:
        raise ParseError("empty timestamp")
    frac_ns = 0
    body = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    # datetime.fromisoformat keeps only microseconds: cut the fraction out and keep all digits.
    dot = body.find(".", 10)
    if dot != -1:
        end = dot + 1
        while end < len(body) and body[end].isdigit():
            end += 1
        digits = body[dot + 1 : end]
        if not digits or len(digits) > 9:
            raise ParseError(f"bad fractional seconds in timestamp {text!r}")
        frac_ns = int(digits.ljust(9, "0"))
        body = body[:dot] + body[end:]
    try:
        parsed = dt.datetime.fromisoformat(body)
    except ValueError as exc:
        raise ParseError(f"not an ISO-8601 timestamp: {text!r}") from exc
    if parsed.tzinfo is None:
        if default_tz is None:
            raise ParseError(f"timestamp {text!r} has no UTC offset")
        parsed = parsed.replace(tzinfo=default_tz)
    return dt_to_ns(parsed) + frac_ns


_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR


def kst_date(ns: int) -> dt.date:
    """The Korean calendar date of an instant (sessions, settlement and tax years are KST dates).

    Integer arithmetic only: hot paths call this per bar, and KST has no daylight saving time.
    """
    return dt.date.fromordinal(_EPOCH_ORDINAL + (ns + _KST_OFFSET_NS) // NANOS_PER_DAY)


def kst_to_ns(date: dt.date, hhmmss: str = "000000") -> int:
    """A KST wall-clock date and ``HHMMSS`` (as brokers send it) to nanoseconds UTC."""
    if len(hhmmss) != 6 or not hhmmss.isdigit():
        raise ParseError(f"time must be HHMMSS, got {hhmmss!r}")
    hour, minute, second = int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:])
    try:
        moment = dt.datetime(date.year, date.month, date.day, hour, minute, second, tzinfo=KST)
    except ValueError as exc:
        raise ParseError(f"bad time {hhmmss!r}: {exc}") from exc
    return dt_to_ns(moment)
