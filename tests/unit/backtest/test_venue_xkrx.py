"""The simulated venue with the real XKRX calendar and the KRX cost model.

Building the XKRX calendar takes seconds (exchange_calendars and pandas), so the module shares
one and asks it only about the 2024/25 year end: a sell that settles in the new year pays the
new year's tax, the year-end closure matches nothing, and the first session opens at 10:00.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jts.backtest.venue import SimulatedVenue
from jts.calendar import XkrxCalendar
from jts.core.clock import SimulatedClock
from jts.domain.enums import LiquiditySide, OrderSide
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import KRX
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.cache import Cache
from jts.kernel.ids import VenueIdFactory
from jts.matching.costs import KrxCostModel
from tests.unit.matching.matching_support import SAMSUNG, at, bar, daily

from .venue_support import ACCOUNT, Recorder, feed, submit

pytestmark = pytest.mark.slow

LAST_2024 = dt.date(2024, 12, 30)


@pytest.fixture(scope="module")
def calendar() -> XkrxCalendar:
    return XkrxCalendar(dt.date(2024, 12, 1), dt.date(2025, 1, 31)).build()


def make(calendar: XkrxCalendar, start: int) -> tuple[SimulatedVenue, Recorder, SimulatedClock]:
    clock = SimulatedClock(start)
    cache = Cache()
    cache.add_instrument(SAMSUNG)
    venue = SimulatedVenue(
        clock,
        cache.instrument,
        calendar=calendar,
        costs=KrxCostModel(calendar),
        ids=VenueIdFactory("SIM"),
        account_id=ACCOUNT,
        venue=KRX,
    )
    sink = Recorder()
    venue.bind(sink)
    return venue, sink, clock


def test_a_sell_settling_in_the_new_year_pays_the_new_years_tax(calendar: XkrxCalendar) -> None:
    day_before, trade_day = dt.date(2024, 12, 26), dt.date(2024, 12, 27)
    venue, sink, clock = make(calendar, at("1530", day_before))
    feed(venue, clock, daily(70000, 70000, 70000, 70000, day_before))
    submit(venue, clock, "S-1", OrderSide.SELL, 10)
    feed(venue, clock, daily(70000, 71000, 69000, 70500, trade_day))
    fill = sink[-1]
    assert isinstance(fill, OrderFilled)
    assert (fill.last_px, fill.last_qty) == (Price(70000), Quantity(10))
    assert fill.liquidity_side is LiquiditySide.NONE  # the opening auction
    assert fill.tax == Money(1050, KRW)  # settles 2025-01-02: KOSPI 0.15 %
    assert fill.commission == Money(98, KRW)  # 700,000 x 0.0140527 %, truncated


def test_the_year_end_closure_and_the_late_first_open(calendar: XkrxCalendar) -> None:
    venue, sink, clock = make(calendar, at("1530", LAST_2024))
    feed(venue, clock, bar("1530", 70000, 70000, 70000, 70000, day=LAST_2024))
    submit(venue, clock, "B-1", OrderSide.BUY, 1)
    new_year = dt.date(2025, 1, 2)
    feed(
        venue,
        clock,
        bar("1000", 71000, 71000, 71000, 71000, day=dt.date(2024, 12, 31)),  # closed
        bar("0931", 71500, 71500, 71500, 71500, day=new_year),  # before the 10:00 open
    )
    assert sink.names() == ["OrderAccepted"]
    feed(venue, clock, bar("1001", 72000, 72100, 71900, 72000, day=new_year))
    assert sink.names() == ["OrderAccepted", "OrderFilled"]
    assert sink[-1].last_px == Price(72000)  # type: ignore[union-attr]
