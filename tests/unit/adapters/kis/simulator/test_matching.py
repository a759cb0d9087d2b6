"""The resting book: trade-through fills at the limit, price-time priority, volume caps."""

from __future__ import annotations

import pytest

from jts.adapters.kis.simulator.matching import MatchFill, PriceTimeBook


def test_buy_fills_only_when_a_print_trades_through():
    book = PriceTimeBook()
    book.add("b1", "buy", 70_000, 10)
    assert book.match_print(70_000, 100) == []  # a touch is not enough
    assert book.match_print(69_900, 100) == [MatchFill("b1", 10, 70_000)]
    assert len(book) == 0


def test_touch_mode_fills_at_the_limit():
    book = PriceTimeBook(fill_on_touch=True)
    book.add("s1", "sell", 70_100, 5)
    assert book.match_print(70_100, 100) == [MatchFill("s1", 5, 70_100)]


def test_price_then_time_priority_and_the_print_volume_caps_fills():
    book = PriceTimeBook()
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
    book = PriceTimeBook()
    book.add("s", "sell", 70_100, 5)
    book.add("b", "buy", 69_000, 5)
    assert book.match_print(70_200, 3) == [MatchFill("s", 3, 70_100)]
    assert len(book) == 2


def test_remove_and_reduce():
    book = PriceTimeBook()
    book.add("a", "buy", 100, 10)
    book.reduce("a", 4)
    assert book.remove("a") == 6
    assert book.remove("a") == 0
    book.add("b", "sell", 100, 3)
    book.reduce("b", 3)
    assert len(book) == 0
    book.reduce("missing", 1)  # no error


def test_bad_orders_are_refused():
    book = PriceTimeBook()
    with pytest.raises(ValueError, match="positive"):
        book.add("x", "buy", 100, 0)
    book.add("x", "buy", 100, 1)
    with pytest.raises(ValueError, match="already"):
        book.add("x", "buy", 100, 1)
