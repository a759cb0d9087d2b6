"""The resting book on the shared matching engine: trade-through fills at the limit,
price-time priority, a print's volume shared, engine refusals surfaced."""

from __future__ import annotations

import pytest

from jts.adapters.kis.simulator.matching import (
    EngineBook,
    MatchFill,
    RestingOrderError,
)
from jts.core.clock import SimulatedClock
from jts.domain.instruments import krx_equity
from jts.domain.tick_rules import Market
from jts.matching.engine import MatchingEngine

from .conftest import START

SAMSUNG = krx_equity("005930", "삼성전자", Market.KOSPI)


def make_book(*, touch: bool = False, base: int | None = None) -> EngineBook:
    base_price = None if base is None else (lambda: base)
    return EngineBook(SAMSUNG, SimulatedClock(START), fill_on_touch=touch, base_price=base_price)


def test_buy_fills_only_when_a_print_trades_through():
    book = make_book()
    book.add("b1", "buy", 70_000, 10)
    assert book.match_print(70_000, 100) == []  # a touch is not enough
    assert book.match_print(69_900, 100) == [MatchFill("b1", 10, 70_000)]
    assert len(book) == 0


def test_touch_mode_fills_at_the_limit():
    book = make_book(touch=True)
    book.add("s1", "sell", 70_100, 5)
    assert book.match_print(70_100, 100) == [MatchFill("s1", 5, 70_100)]


def test_a_new_order_rests_and_fills_at_its_own_limit_not_the_print():
    """Without the empty-book arrival the engine would give a fresh order the print's price."""
    book = make_book()
    book.add("b", "buy", 70_000, 3)
    assert book.match_print(69_000, 3) == [MatchFill("b", 3, 70_000)]


def test_price_then_time_priority_and_the_print_volume_caps_fills():
    book = make_book()
    book.add("late_better", "buy", 70_200, 5)
    book.add("early", "buy", 70_100, 5)
    book.add("later", "buy", 70_100, 5)
    book.add("best_but_last", "buy", 70_300, 5)
    fills = book.match_print(70_000, 12)
    assert fills == [
        MatchFill("best_but_last", 5, 70_300),
        MatchFill("late_better", 5, 70_200),
        MatchFill("early", 2, 70_100),
    ]
    assert book.match_print(70_000, 100) == [
        MatchFill("early", 3, 70_100),
        MatchFill("later", 5, 70_100),
    ]


def test_sells_fill_above_their_limit_and_buys_are_untouched():
    book = make_book()
    book.add("s", "sell", 70_100, 5)
    book.add("b", "buy", 69_000, 5)
    assert book.match_print(70_200, 3) == [MatchFill("s", 3, 70_100)]
    assert len(book) == 2


def test_remove_and_reduce():
    book = make_book()
    book.add("a", "buy", 100, 10)
    book.reduce("a", 4)
    assert book.remove("a") == 6
    assert book.remove("a") == 0
    book.add("b", "sell", 100, 3)
    book.reduce("b", 3)
    assert len(book) == 0
    book.reduce("missing", 1)  # no error


def test_a_reduced_order_fills_only_its_new_remainder():
    book = make_book()
    book.add("a", "buy", 70_000, 10)
    assert book.match_print(69_900, 4) == [MatchFill("a", 4, 70_000)]
    book.reduce("a", 5)  # 6 open -> 1
    assert book.match_print(69_900, 100) == [MatchFill("a", 1, 70_000)]
    assert len(book) == 0


def test_bad_orders_are_refused():
    book = make_book()
    with pytest.raises(RestingOrderError, match="positive"):
        book.add("x", "buy", 100, 0)
    book.add("x", "buy", 100, 1)
    with pytest.raises(RestingOrderError, match="already"):
        book.add("x", "buy", 100, 1)


def test_the_engine_refuses_what_the_venue_should_have_refused():
    book = make_book(base=70_000)
    with pytest.raises(RestingOrderError, match="engine refused order off"):
        book.add("off", "buy", 70_050, 1)  # off the 100-won grid at 70,000
    with pytest.raises(RestingOrderError, match="engine refused order high"):
        book.add("high", "buy", 91_100, 1)  # above the +30 % limit of 91,000
    assert len(book) == 0


def test_each_resting_order_is_matched_by_the_shared_engine(monkeypatch):
    seen: list[str] = []
    original = MatchingEngine.process_trade_tick

    def spy(self, tick):
        seen.append(str(tick.price))
        return original(self, tick)

    monkeypatch.setattr(MatchingEngine, "process_trade_tick", spy)
    book = make_book()
    book.add("b", "buy", 70_000, 2)
    assert book.match_print(69_900, 5) == [MatchFill("b", 2, 70_000)]
    assert seen == ["69900"]
