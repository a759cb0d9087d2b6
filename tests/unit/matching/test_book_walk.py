from __future__ import annotations

from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.matching.book_walk import Ladder, book_priority, book_triggers
from jts.matching.orders import SimOrder


def asks() -> Ladder:
    return Ladder([(100, 5), (101, 3), (103, 10)], buyer=True)


def bids() -> Ladder:
    return Ladder([(99, 4), (98, 6)], buyer=False)


def test_take_walks_level_by_level_and_uses_liquidity_up() -> None:
    ladder = asks()
    assert ladder.take(7, None) == [(100, 5), (101, 2)]
    assert ladder.best_price() == 101
    assert ladder.take(20, None) == [(101, 1), (103, 10)]  # never past the last level
    assert ladder.best_price() is None
    assert ladder.take(1, None) == []


def test_take_stops_at_the_bound() -> None:
    ladder = asks()
    assert ladder.available(101) == 8
    assert ladder.take(10, 101) == [(100, 5), (101, 3)]
    assert ladder.take(10, 102) == []
    assert ladder.available(None) == 10


def test_sellers_walk_bids_downwards_to_their_bound() -> None:
    ladder = bids()
    assert ladder.available(99) == 4
    assert ladder.take(10, 98) == [(99, 4), (98, 6)]
    assert bids().take(10, 99) == [(99, 4)]


def _order(
    side: OrderSide, kind: OrderType, seq: int, price: int | None = None, trigger: int | None = None
) -> SimOrder:
    return SimOrder(f"o{seq}", side, kind, 10, price, trigger, TimeInForce.DAY, None, 0, seq)


def test_priority_is_market_then_price_then_time() -> None:
    buy, sell = OrderSide.BUY, OrderSide.SELL
    late_market = _order(buy, OrderType.MARKET, 5)
    cheap = _order(buy, OrderType.LIMIT, 1, price=99)
    rich_late = _order(buy, OrderType.LIMIT, 4, price=101)
    rich_early = _order(buy, OrderType.LIMIT, 2, price=101)
    ranked = sorted([cheap, rich_late, late_market, rich_early], key=book_priority)
    assert ranked == [late_market, rich_early, rich_late, cheap]
    low_ask = _order(sell, OrderType.LIMIT, 3, price=98)
    high_ask = _order(sell, OrderType.LIMIT, 1, price=100)
    assert sorted([high_ask, low_ask], key=book_priority) == [low_ask, high_ask]


def test_stops_trigger_on_the_price_they_would_trade_at() -> None:
    buy_stop = _order(OrderSide.BUY, OrderType.STOP_MARKET, 1, trigger=100)
    assert book_triggers(buy_stop, asks(), bids())  # best ask 100 reaches it
    buy_stop.trigger = 101
    assert not book_triggers(buy_stop, asks(), bids())
    sell_stop = _order(OrderSide.SELL, OrderType.STOP_MARKET, 2, trigger=99)
    assert book_triggers(sell_stop, asks(), bids())
    sell_stop.trigger = 98
    assert not book_triggers(sell_stop, asks(), bids())
    assert not book_triggers(sell_stop, asks(), Ladder([], buyer=False))
