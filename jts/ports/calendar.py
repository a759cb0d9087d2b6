"""The trading calendar port: sessions, phases and settlement dates of a venue.

The kernel never imports a calendar library; the backtest's simulated venue, the risk engine's
trading-hours rule and the portfolio's settlement policy receive an implementation of this
protocol (`jts.calendar` wraps the XKRX calendar; crypto venues trade around the clock).
All instants are int nanoseconds UTC; dates are the venue's local (KST) dates.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class SessionPhase(enum.Enum):
    CLOSED = "CLOSED"
    PRE_OPEN_AUCTION = "PRE_OPEN_AUCTION"  # orders collected, one uncrossing price at the open
    CONTINUOUS = "CONTINUOUS"
    CLOSING_AUCTION = "CLOSING_AUCTION"  # orders collected, one uncrossing price at the close
    AFTER_HOURS = "AFTER_HOURS"  # closing-price and single-price off-hours sessions


@dataclass(frozen=True, slots=True)
class Session:
    """One trading day: the regular session's open and close instants (ns UTC) and the
    boundaries of its auctions. ``closing_auction_start`` is None where there is none."""

    date: dt.date
    open_ns: int
    close_ns: int
    pre_open_start_ns: int | None = None
    closing_auction_start_ns: int | None = None

    def contains(self, ts_ns: int) -> bool:
        return self.open_ns <= ts_ns < self.close_ns


@runtime_checkable
class TradingCalendar(Protocol):
    def is_session(self, date: dt.date) -> bool:
        """Whether the venue trades on this local date."""
        ...

    def session(self, date: dt.date) -> Session | None:
        """The session of a local date, None on a holiday."""
        ...

    def session_at(self, ts_ns: int) -> Session | None:
        """The session whose regular hours contain the instant, if any."""
        ...

    def phase(self, ts_ns: int) -> SessionPhase: ...

    def next_session(self, date: dt.date) -> Session:
        """The first session strictly after ``date``."""
        ...

    def previous_session(self, date: dt.date) -> Session: ...

    def sessions_in_range(self, start: dt.date, end: dt.date) -> list[Session]:
        """Sessions with start <= date <= end, in order."""
        ...

    def settlement_date(self, trade_date: dt.date, days: int = 2) -> dt.date:
        """The business day ``days`` sessions after ``trade_date`` (KRX equities: T+2)."""
        ...
