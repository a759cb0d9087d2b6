"""The matching engine against trade ticks and order-book snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jts.domain.enums import LiquiditySide, TimeInForce
from jts.matching.engine import MatchingEngine
from jts.matching.models import FixedTickSlippage, MatchingConfig, ParticipationCap
from jts.matching.results import Canceled, Expired, Filled, MatchResult

from .matching_support import BUY, SELL, FakeCalendar, at, book, engine, kinds, request, tick

FRIDAY = dt.date(2024, 3, 1)


def primed(config: MatchingConfig | None = None) -> MatchingEngine:
    """Friday closed at 70,000, so today's limits are 49,000 .. 91,000."""
    e = engine(config, FakeCalendar())
    e.process_trade_tick(tick(at("1530", FRIDAY), 70000))
    e.process_trade_tick(tick(at("0900"), 70000, 5_000))  # today's opening print
    return e


def fills(results: object) -> list[tuple[str, int, int, LiquiditySide]]:
    return [
        (r.order_id, r.quantity.raw, r.price.raw, r.liquidity)
        for r in results  # type: ignore[attr-defined]
        if isinstance(r, Filled)
    ]


# ---- trade ticks ----------------------------------------------------------------------------


def test_market_order_fills_at_the_next_trade() -> None:
    e = primed()
    e.submit(request("m", BUY, 10), at("0901"))
    assert fills(e.process_trade_tick(tick(at("090101"), 70100))) == [
        ("m", 10, 70100, LiquiditySide.TAKER)
    ]


def test_resting_limit_needs_a_trade_through_it_and_fills_at_its_price() -> None:
    e = primed()
    e.submit(request("l", BUY, 10, price=69900), at("0901"))
    assert not e.process_trade_tick(tick(at("090101"), 70000))  # fresh, not marketable
    assert not e.process_trade_tick(tick(at("090102"), 69900))  # a touch
    assert fills(e.process_trade_tick(tick(at("090103"), 69800))) == [
        ("l", 10, 69900, LiquiditySide.MAKER)
    ]


def test_fresh_marketable_limit_takes_the_trade_price() -> None:
    e = primed(MatchingConfig(fill_on_touch=True))
    e.submit(request("l", SELL, 10, price=69800), at("0901"))
    assert fills(e.process_trade_tick(tick(at("090101"), 70000))) == [
        ("l", 10, 70000, LiquiditySide.TAKER)
    ]


def test_stops_trigger_on_a_trade_and_fill_at_it_with_slippage() -> None:
    e = primed(MatchingConfig(slippage=FixedTickSlippage(1)))
    e.submit(request("s", SELL, 10, trigger=69500), at("0901"))
    assert not e.process_trade_tick(tick(at("090101"), 69600))
    results = e.process_trade_tick(tick(at("090102"), 69400))
    assert kinds(results) == ["Triggered", "Filled"]
    assert fills(results) == [("s", 10, 69300, LiquiditySide.TAKER)]


def test_participation_caps_each_trade() -> None:
    e = primed(MatchingConfig(participation=ParticipationCap(Decimal("0.5"))))
    e.submit(request("m", BUY, 70), at("0901"))
    assert fills(e.process_trade_tick(tick(at("090101"), 70000, 100))) == [
        ("m", 50, 70000, LiquiditySide.TAKER)
    ]
    assert fills(e.process_trade_tick(tick(at("090102"), 70100, 100))) == [
        ("m", 20, 70100, LiquiditySide.TAKER)
    ]


def test_the_opening_and_closing_prints_are_auctions() -> None:
    e = engine(None, FakeCalendar())
    e.process_trade_tick(tick(at("1530", FRIDAY), 70000))
    e.submit(request("early", BUY, 10), at("0830"))
    assert not e.process_trade_tick(tick(at("0840"), 70000))  # pre-market closing-price trade
    assert fills(e.process_trade_tick(tick(at("0900"), 70300, 9_000))) == [
        ("early", 10, 70300, LiquiditySide.NONE)
    ]
    e.submit(request("day", SELL, 10, price=70000), at("1519"))
    assert not e.process_trade_tick(tick(at("151959"), 69900))  # fresh, not through
    # the closing print, stamped 12 s after the close (random end), fills the DAY order at
    # the uncrossing price, not at its limit: an auction fills everyone at one price
    results = e.process_trade_tick(tick(at("153012"), 70200, 50_000))
    assert fills(results) == [("day", 10, 70200, LiquiditySide.NONE)]


def test_day_orders_expire_after_the_closing_print_and_off_hours_trades_do_not_fill() -> None:
    e = primed()
    e.submit(request("l", BUY, 10, price=60000), at("1000"))
    e.submit(request("m", BUY, 10), at("1529"))
    results = e.process_trade_tick(tick(at("153005"), 70000))
    assert kinds(results) == ["Filled", "Expired"]
    e.submit(request("late", BUY, 10, tif=TimeInForce.GTC), at("1545"))
    assert not e.process_trade_tick(tick(at("1550"), 70000))
    assert e.order("late") is not None


# ---- books ----------------------------------------------------------------------------------


def test_market_order_walks_the_book_level_by_level() -> None:
    e = primed()
    e.process_book(book(at("0901"), bids=[(69900, 10)], asks=[(70000, 3), (70100, 4)]))
    results = e.submit(request("m", BUY, 10), at("0901"))
    assert kinds(results) == ["Accepted", "Filled", "Filled"]
    assert fills(results) == [
        ("m", 3, 70000, LiquiditySide.TAKER),
        ("m", 4, 70100, LiquiditySide.TAKER),
    ]
    # the rest waits for the next snapshot
    assert fills(e.process_book(book(at("090101"), asks=[(70200, 5)]))) == [
        ("m", 3, 70200, LiquiditySide.TAKER)
    ]


def test_a_walk_never_goes_past_the_daily_limit() -> None:
    e = primed()
    e.process_book(book(at("0901"), asks=[(90900, 2), (91000, 2)]))
    # a level above the 91,000 upper limit cannot exist at KRX; the walk stops before it anyway
    e.submit(request("m", BUY, 10), at("0901"))
    snapshot = book(at("090101"), asks=[(91000, 1), (91100, 50)])
    assert fills(e.process_book(snapshot)) == [("m", 1, 91000, LiquiditySide.TAKER)]
    assert e.order("m") is not None


def test_limit_orders_walk_up_to_their_price_and_then_rest() -> None:
    e = primed()
    e.process_book(book(at("0901"), bids=[(69900, 10)], asks=[(70000, 3), (70100, 4)]))
    results = e.submit(request("l", BUY, 5, price=70000), at("0901"))
    assert fills(results) == [("l", 3, 70000, LiquiditySide.TAKER)]
    # resting: an ask below its price means sellers crossed it, at its price
    later = book(at("090101"), asks=[(69800, 1), (69900, 5)])
    assert fills(e.process_book(later)) == [("l", 2, 70000, LiquiditySide.MAKER)]


def test_orders_share_a_snapshots_liquidity_in_price_time_priority() -> None:
    e = primed()
    e.submit(request("low", BUY, 5, price=70000), at("0900"))
    e.submit(request("high", BUY, 5, price=70100), at("0900"))
    e.submit(request("market", BUY, 2), at("0900"))
    results = e.process_book(book(at("0901"), asks=[(70000, 8)]))
    assert [(oid, qty) for oid, qty, _, _ in fills(results)] == [
        ("market", 2),
        ("high", 5),
        ("low", 1),
    ]


def test_book_stops_trigger_on_the_best_opposite_price() -> None:
    e = primed()
    e.submit(request("s", BUY, 2, trigger=70100), at("0900"))
    assert not e.process_book(book(at("0901"), asks=[(70000, 5)]))
    results = e.process_book(book(at("0902"), asks=[(70100, 1), (70200, 5)]))
    assert kinds(results) == ["Triggered", "Filled", "Filled"]


def test_fok_walks_only_when_the_whole_quantity_is_there() -> None:
    e = primed()
    e.process_book(book(at("0901"), asks=[(70000, 3), (70100, 4)]))
    assert kinds(e.submit(request("f", BUY, 8, price=70100, tif=TimeInForce.FOK), at("0901"))) == [
        "Accepted",
        "Canceled",
    ]
    results = e.submit(request("g", BUY, 7, price=70100, tif=TimeInForce.FOK), at("0901"))
    assert [q for _, q, _, _ in fills(results)] == [3, 4]


def test_books_do_not_match_in_auctions_or_after_hours() -> None:
    e = primed()
    e.submit(request("m", BUY, 1), at("1519"))
    assert not e.process_book(book(at("1521"), asks=[(70000, 5)]))
    assert e.process_book(book(at("1545"), asks=[(70000, 5)])) == [Expired("m")]


def test_an_ioc_against_an_empty_side_is_canceled() -> None:
    e = primed()
    e.process_book(book(at("0901"), bids=[(69900, 10)]))
    results: list[MatchResult] = list(
        e.submit(request("i", BUY, 1, tif=TimeInForce.IOC), at("0901"))
    )
    assert results[1:] == [Canceled("i", "IOC: nothing could be filled on arrival")]
    assert not e.has_orders
