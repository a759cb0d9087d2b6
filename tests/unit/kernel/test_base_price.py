"""The day's base price (기준가) at a KST day roll: the kernel's guess (the previous session's
last price) in a backtest, nothing in a live node whose venue quotes the official one, and in
neither mode does the guess replace an official base set for the new day."""

from __future__ import annotations

import datetime as dt

import pytest

from jts.core.clock import SimulatedClock
from jts.core.time import kst_to_ns
from jts.domain.accounts import Account
from jts.domain.enums import OrderStatus
from jts.domain.identifiers import TradeId
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import AggressorSide, TradeTick
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.strategy import Strategy

from .conftest import ACCOUNT, DAY, SAMSUNG, ScriptedVenue

NEXT_DAY = DAY + dt.timedelta(days=1)


def _tick(ts: int, price: int) -> TradeTick:
    return TradeTick(
        instrument_id=SAMSUNG,
        price=Price(price),
        size=Quantity(1),
        aggressor_side=AggressorSide.NO_AGGRESSOR,
        trade_id=TradeId(f"X{ts}"),
        ts_event=ts,
        ts_init=ts,
    )


def _kernel(clock: SimulatedClock, venue: ScriptedVenue, **options: bool) -> Kernel:
    kernel = Kernel(clock, ids=SequentialIdFactory("T"), **options)
    kernel.add_instrument(krx_equity("005930", "Samsung Electronics", Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money("100000000", KRW))
    kernel.add_account(account)
    kernel.add_execution_client(venue)
    kernel.start()
    return kernel


def _at(kernel: Kernel, ts: int, price: int) -> None:
    kernel.advance_time(ts)
    kernel.process_trade_tick(_tick(ts, price))


def _close_day_at(kernel: Kernel, price: int) -> None:
    """A session on DAY whose last price is ``price``."""
    _at(kernel, kst_to_ns(DAY, "090000"), 70000)
    _at(kernel, kst_to_ns(DAY, "153000"), price)


def test_a_backtest_guesses_the_base_from_the_previous_session(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    kernel = _kernel(clock, venue)
    assert kernel.derives_base_price
    _close_day_at(kernel, 71000)
    assert kernel.risk.base_price(SAMSUNG) is None  # the first day: nothing before it
    _at(kernel, kst_to_ns(NEXT_DAY, "090000"), 72000)
    assert kernel.risk.base_price(SAMSUNG) == Price(71000)


def test_the_guess_never_replaces_an_official_base_set_for_the_new_day(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    kernel = _kernel(clock, venue)
    _close_day_at(kernel, 71000)
    # the venue's base for the new day arrives after midnight, before the first print (an
    # ex-dividend day: not the previous close)
    kernel.advance_time(kst_to_ns(NEXT_DAY, "000005"))
    kernel.risk.set_base_price(SAMSUNG, Price(69500))
    _at(kernel, kst_to_ns(NEXT_DAY, "090000"), 70000)
    assert kernel.risk.base_price(SAMSUNG) == Price(69500)
    # the daily limits follow it: 69,500 + 30 % = 90,350, on the 100-won grid 90,300 (the
    # guess, 71,000, would have allowed up to 92,300)
    strategy = Strategy(strategy_id="S-001")
    kernel.add_strategy(strategy)
    inside = strategy.buy(SAMSUNG, 1, 90300)
    beyond = strategy.buy(SAMSUNG, 1, 90400)
    assert inside is not None
    assert beyond is not None
    assert kernel.cache.order(inside).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]
    denied = kernel.cache.order(beyond)
    assert denied is not None
    assert denied.status is OrderStatus.DENIED
    assert "above the upper limit" in denied.events[-1].reason  # type: ignore[attr-defined]


def test_an_official_base_of_an_earlier_day_gives_way_to_the_guess(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    """An official base set on DAY was DAY's: the next day's first print replaces it with the
    previous close when the kernel derives (a backtest seeded by hand, a live kernel left on)."""
    kernel = _kernel(clock, venue)
    kernel.risk.set_base_price(SAMSUNG, Price(69500))  # at 09:00 on DAY
    _close_day_at(kernel, 71000)
    assert kernel.risk.base_price(SAMSUNG) == Price(69500)
    _at(kernel, kst_to_ns(NEXT_DAY, "090000"), 72000)
    assert kernel.risk.base_price(SAMSUNG) == Price(71000)


def test_live_mode_never_guesses(clock: SimulatedClock, venue: ScriptedVenue) -> None:
    kernel = _kernel(clock, venue, derive_base_price=False)
    assert not kernel.derives_base_price
    kernel.risk.set_base_price(SAMSUNG, Price(69500))  # the venue's, at start (09:00 on DAY)
    _close_day_at(kernel, 71000)
    _at(kernel, kst_to_ns(NEXT_DAY, "090000"), 72000)
    # the keeper had no answer for the new day yet: the official value stays, no guess
    assert kernel.risk.base_price(SAMSUNG) == Price(69500)
    kernel.risk.set_base_price(SAMSUNG, Price(71000))  # the venue's for the new day
    _at(kernel, kst_to_ns(NEXT_DAY, "090100"), 72100)
    assert kernel.risk.base_price(SAMSUNG) == Price(71000)


def test_live_mode_without_an_official_source_has_no_base(
    clock: SimulatedClock, venue: ScriptedVenue
) -> None:
    kernel = _kernel(clock, venue, derive_base_price=False)
    _close_day_at(kernel, 71000)
    _at(kernel, kst_to_ns(NEXT_DAY, "090000"), 72000)
    assert kernel.risk.base_price(SAMSUNG) is None


@pytest.mark.parametrize(("official_at", "taken"), [("235959", True), ("000000", False)])
def test_the_risk_engine_takes_a_guess_only_without_an_official_base_since_the_day_began(
    clock: SimulatedClock, venue: ScriptedVenue, official_at: str, taken: bool
) -> None:
    kernel = _kernel(clock, venue)
    day = DAY if official_at == "235959" else NEXT_DAY
    kernel.advance_time(kst_to_ns(day, official_at))
    kernel.risk.set_base_price(SAMSUNG, Price(69500))
    day_start = kst_to_ns(NEXT_DAY)
    assert kernel.risk.derive_base_price(SAMSUNG, Price(71000), day_start) is taken
    assert kernel.risk.base_price(SAMSUNG) == Price(71000 if taken else 69500)
