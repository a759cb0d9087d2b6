"""`BasePriceKeeper`: the venue's base price reaches the risk engine at start, for an
instrument first heard of, and again at each KST day roll; a failed inquiry keeps the old one."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from jts.bus.inprocess import InProcessMessageBus
from jts.core.time import NANOS_PER_HOUR, NANOS_PER_MILLI, kst_to_ns
from jts.domain.identifiers import InstrumentId, TradeId
from jts.domain.market_data import TradeTick
from jts.domain.market_data.ticks import AggressorSide
from jts.domain.values import Price, Quantity
from jts.live.base_prices import BasePriceKeeper

SAMSUNG = InstrumentId("005930.KRX")
HYNIX = InstrumentId("000660.KRX")
BITCOIN = InstrumentId("KRW-BTC.UPBIT")
DAY1 = dt.date(2025, 3, 4)
DAY1_NOON = kst_to_ns(DAY1, "120000")
DAY2_OPEN = kst_to_ns(DAY1 + dt.timedelta(days=1), "090000")


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append(("info", event, fields))

    def error(self, event: str, **fields: Any) -> None:
        self.lines.append(("error", event, fields))


class Venue:
    """Quotes a base price per instrument; counts the inquiries; can fail."""

    def __init__(self, prices: dict[InstrumentId, Price | None]) -> None:
        self.prices = prices
        self.asked: list[InstrumentId] = []
        self.fail = False

    async def fetch(self, instrument_id: InstrumentId) -> Price | None:
        self.asked.append(instrument_id)
        if self.fail:
            raise ConnectionError("venue unreachable")
        return self.prices[instrument_id]


def _tick(instrument_id: InstrumentId, ts: int) -> TradeTick:
    return TradeTick(
        instrument_id=instrument_id,
        price=Price("70000"),
        size=Quantity("1"),
        aggressor_side=AggressorSide.BUYER,
        trade_id=TradeId(f"t-{ts}"),
        ts_event=ts,
        ts_init=ts,
    )


def running_from(ns: int) -> Callable[[], int]:
    """A clock that starts at ``ns`` and moves on in real time."""
    started = time.monotonic_ns()
    return lambda: ns + time.monotonic_ns() - started


def _keeper(
    venue: Venue, now_ns: Callable[[], int], **kwargs: Any
) -> tuple[BasePriceKeeper, dict[InstrumentId, Price], Log]:
    bases: dict[InstrumentId, Price] = {}
    log = Log()
    keeper = BasePriceKeeper(venue.fetch, bases.__setitem__, now_ns=now_ns, log=log, **kwargs)
    return keeper, bases, log


async def test_refresh_sets_each_krx_instrument_once_and_skips_other_venues() -> None:
    venue = Venue({SAMSUNG: Price("71000"), HYNIX: Price("180000")})
    keeper, bases, _log = _keeper(venue, running_from(DAY1_NOON))
    await keeper.refresh([SAMSUNG, HYNIX, SAMSUNG, BITCOIN])
    assert bases == {SAMSUNG: Price("71000"), HYNIX: Price("180000")}
    assert sorted(venue.asked) == sorted([SAMSUNG, HYNIX])
    assert keeper.fetched == 2


async def test_a_failed_or_empty_quote_keeps_the_previous_base_and_is_logged() -> None:
    venue = Venue({SAMSUNG: Price("71000"), HYNIX: None})
    keeper, bases, log = _keeper(venue, running_from(DAY1_NOON))
    await keeper.refresh([SAMSUNG, HYNIX])
    venue.fail = True
    await keeper.refresh([SAMSUNG])
    assert bases == {SAMSUNG: Price("71000")}
    assert keeper.failed == 2
    errors = [(e, f["instrument"]) for level, e, f in log.lines if level == "error"]
    assert errors == [
        ("base_price_unavailable", str(HYNIX)),
        ("base_price_unavailable", str(SAMSUNG)),
    ]


async def test_the_first_price_of_a_new_kst_day_asks_the_venue_again() -> None:
    venue = Venue({SAMSUNG: Price("71000")})
    keeper, bases, _log = _keeper(venue, running_from(DAY1_NOON))
    bus = InProcessMessageBus()
    keeper.attach(bus)
    await keeper.refresh([SAMSUNG])
    bus.publish(f"data.trades.{SAMSUNG}", _tick(SAMSUNG, DAY1_NOON + NANOS_PER_HOUR))
    await keeper.drain()
    assert venue.asked == [SAMSUNG]  # same day: nothing new
    venue.prices[SAMSUNG] = Price("73500")  # the venue rolled its base overnight
    bus.publish(f"data.trades.{SAMSUNG}", _tick(SAMSUNG, DAY2_OPEN))
    bus.publish(f"data.trades.{SAMSUNG}", _tick(SAMSUNG, DAY2_OPEN + 1))
    await keeper.drain()
    assert venue.asked == [SAMSUNG, SAMSUNG]
    assert bases[SAMSUNG] == Price("73500")


async def test_an_instrument_first_heard_on_the_bus_is_asked_for() -> None:
    venue = Venue({HYNIX: Price("180000")})
    keeper, bases, _log = _keeper(venue, running_from(DAY1_NOON))
    bus = InProcessMessageBus()
    keeper.attach(bus)
    bus.publish(f"data.trades.{HYNIX}", _tick(HYNIX, DAY1_NOON))
    bus.publish(f"data.trades.{BITCOIN}", _tick(BITCOIN, DAY1_NOON))
    await keeper.drain()
    assert bases == {HYNIX: Price("180000")}
    assert keeper.instruments == [HYNIX]


async def test_run_refreshes_every_instrument_after_kst_midnight() -> None:
    venue = Venue({SAMSUNG: Price("71000")})
    midnight = kst_to_ns(DAY1 + dt.timedelta(days=1))
    # 20 ms before the roll, on a clock that moves on in real time
    keeper, bases, _log = _keeper(
        venue, running_from(midnight - 20 * NANOS_PER_MILLI), roll_delay_ns=0
    )
    await keeper.refresh([SAMSUNG])
    venue.prices[SAMSUNG] = Price("73500")
    task = asyncio.create_task(keeper.run())
    try:
        for _ in range(100):
            if bases[SAMSUNG] == Price("73500"):
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert bases[SAMSUNG] == Price("73500")
    assert venue.asked == [SAMSUNG, SAMSUNG]
