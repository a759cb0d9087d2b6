"""When the simulated market trades: always, never, or by an XKRX trading calendar.

Tests and demos usually want a market that is open at any hour ("always"); a faithful run uses
the XKRX calendar behind `jts.ports.calendar.TradingCalendar`. "closed" exists so that the
market-closed rejection (APBK0919) can be exercised on demand.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from jts.ports.calendar import SessionPhase, TradingCalendar

__all__ = ["AlwaysClosed", "AlwaysOpen", "CalendarHours", "MarketHours"]


class MarketHours(Protocol):
    def phase(self, ts_ns: int) -> SessionPhase:
        """The session phase at an instant; orders are refused when CLOSED."""
        ...

    def is_trading_day(self, date: dt.date) -> bool:
        """Whether the venue opens on a KST date (what chk-holiday's ``opnd_yn`` says)."""
        ...


class AlwaysOpen:
    """Continuous trading at every instant; weekends still count as non-business days."""

    def phase(self, ts_ns: int) -> SessionPhase:
        return SessionPhase.CONTINUOUS

    def is_trading_day(self, date: dt.date) -> bool:
        return date.weekday() < 5


class AlwaysClosed:
    def phase(self, ts_ns: int) -> SessionPhase:
        return SessionPhase.CLOSED

    def is_trading_day(self, date: dt.date) -> bool:
        return date.weekday() < 5


class CalendarHours:
    """Phases and trading days from a `TradingCalendar` (e.g. `jts.calendar`'s XKRX)."""

    def __init__(self, calendar: TradingCalendar) -> None:
        self._calendar = calendar

    def phase(self, ts_ns: int) -> SessionPhase:
        return self._calendar.phase(ts_ns)

    def is_trading_day(self, date: dt.date) -> bool:
        return self._calendar.is_session(date)
