"""Market hours: always, closed, or a `TradingCalendar`'s phases and sessions."""

from __future__ import annotations

import dataclasses
import datetime as dt

from jts.adapters.kis.simulator.config import SimulatorConfig
from jts.adapters.kis.simulator.hours import AlwaysClosed, AlwaysOpen, CalendarHours
from jts.adapters.kis.simulator.server import _hours
from jts.ports.calendar import SessionPhase


class FakeCalendar:
    """Open only on 2026-03-03, continuous before ts 100 and after-hours from then."""

    def is_session(self, date):
        return date == dt.date(2026, 3, 3)

    def session(self, date):
        return None

    def session_at(self, ts_ns):
        return None

    def phase(self, ts_ns):
        return SessionPhase.CONTINUOUS if ts_ns < 100 else SessionPhase.AFTER_HOURS

    def next_session(self, date):
        raise NotImplementedError

    def previous_session(self, date):
        raise NotImplementedError

    def sessions_in_range(self, start, end):
        return []

    def settlement_date(self, trade_date, days=2):
        return trade_date


def test_always_open_and_closed():
    assert AlwaysOpen().phase(0) is SessionPhase.CONTINUOUS
    assert AlwaysClosed().phase(0) is SessionPhase.CLOSED
    assert AlwaysOpen().is_trading_day(dt.date(2026, 3, 6))  # Friday
    assert not AlwaysOpen().is_trading_day(dt.date(2026, 3, 7))  # Saturday


def test_calendar_hours_delegate_to_the_port():
    hours = CalendarHours(FakeCalendar())
    assert hours.phase(5) is SessionPhase.CONTINUOUS
    assert hours.phase(500) is SessionPhase.AFTER_HOURS
    assert hours.is_trading_day(dt.date(2026, 3, 3))
    assert not hours.is_trading_day(dt.date(2026, 3, 4))


def test_config_picks_the_hours():
    base = SimulatorConfig()
    assert isinstance(_hours(base, None), AlwaysOpen)
    assert isinstance(_hours(dataclasses.replace(base, market_hours="closed"), None), AlwaysClosed)
    chosen = _hours(dataclasses.replace(base, market_hours="xkrx"), FakeCalendar())
    assert isinstance(chosen, CalendarHours)
    assert chosen.phase(500) is SessionPhase.AFTER_HOURS
