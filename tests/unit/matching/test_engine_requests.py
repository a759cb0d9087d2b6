"""Modify and cancel: answers, priority, latency and the races with fills."""

from __future__ import annotations

import datetime as dt

from jts.domain.enums import TimeInForce
from jts.domain.values import Price, Quantity
from jts.matching.engine import MatchingEngine
from jts.matching.models import FillMode, FixedLatency, MatchingConfig
from jts.matching.results import (
    Canceled,
    CancelRejected,
    Filled,
    ModifyRejected,
    Updated,
)

from .matching_support import BUY, SELL, FakeCalendar, at, bar, book, engine, kinds, request

FRIDAY = dt.date(2024, 3, 1)


def primed(config: MatchingConfig | None = None) -> MatchingEngine:
    e = engine(config, FakeCalendar())
    e.process_bar(bar("1530", 70000, 70000, 70000, 70000, day=FRIDAY))
    e.process_bar(bar("0901", 70000, 70100, 69900, 70000))
    return e


def test_cancel_a_working_order() -> None:
    e = primed()
    e.submit(request("l", BUY, 10, price=69000), at("0901"))
    assert e.cancel("l", at("0901")) == [Canceled("l", "canceled on request")]
    assert not e.has_orders
    assert not e.process_bar(bar("0902", 69000, 69000, 68000, 68500))


def test_cancel_after_the_fill_is_rejected() -> None:
    e = primed()
    e.submit(request("m", BUY, 10), at("0901"))
    e.process_bar(bar("0902", 70000, 70100, 69900, 70000))
    assert e.cancel("m", at("0902")) == [CancelRejected("m", "order m is already filled")]
    assert e.cancel("nope", at("0902")) == [
        CancelRejected("nope", "order nope is not known to the venue")
    ]


def test_a_cancel_in_flight_loses_the_race_against_a_fill() -> None:
    """With 50 ms latency the cancel reaches the venue after the next bar has begun, and
    the order fills on that bar first."""
    e = primed(MatchingConfig(latency=FixedLatency.millis(50)))
    e.process_bar(bar("0902", 70000, 70100, 69900, 70000))  # the order arrives during this bar
    e.submit(request("l", BUY, 10, price=69900), at("0901"))
    assert e.cancel("l", at("0902")) == ()
    results = e.process_bar(bar("0903", 70000, 70000, 69800, 69900))
    assert kinds(results) == ["Filled", "CancelRejected"]
    assert results[1] == CancelRejected("l", "order l is already filled")


def test_a_cancel_in_flight_arrives_before_the_next_trade() -> None:
    e = primed(MatchingConfig(latency=FixedLatency.millis(50)))
    from .matching_support import tick

    e.submit(request("l", BUY, 10, price=69900), at("0901"))
    e.cancel("l", at("090110"))
    results = e.process_trade_tick(tick(at("090111"), 69000))
    assert results == [Canceled("l", "canceled on request")]


def test_a_partly_filled_order_cancels_its_rest() -> None:
    from decimal import Decimal

    from jts.matching.models import ParticipationCap

    e = primed(MatchingConfig(participation=ParticipationCap(Decimal("0.1"))))
    e.submit(request("m", BUY, 300), at("0901"))
    e.process_bar(bar("0902", 70000, 70100, 69900, 70000, 1000))
    assert e.cancel("m", at("0902")) == [Canceled("m", "canceled on request")]


def test_modify_price_and_quantity() -> None:
    e = primed()
    e.submit(request("l", BUY, 10, price=69000), at("0901"))
    assert e.modify("l", at("0901"), quantity=Quantity(20), price=Price(69500)) == [
        Updated("l", Quantity(20), Price(69500), None)
    ]
    order = e.order("l")
    assert order is not None
    assert (order.quantity, order.price) == (20, 69500)
    fill = e.process_bar(bar("0902", 70000, 70000, 69400, 69800))
    assert [(r.quantity, r.price) for r in fill if isinstance(r, Filled)] == [
        (Quantity(20), Price(69500))
    ]


def test_a_higher_price_loses_time_priority_and_a_smaller_quantity_keeps_it() -> None:
    e = primed()
    e.submit(request("a", BUY, 5, price=69000), at("0901"))
    e.submit(request("b", BUY, 5, price=69000), at("0901"))
    e.modify("a", at("0901"), quantity=Quantity(4))
    assert e.order_ids() == ["a", "b"]
    e.modify("a", at("0901"), price=Price(69100))
    assert e.order_ids() == ["b", "a"]


def test_modifies_that_break_the_rules_are_refused() -> None:
    e = primed()
    e.submit(request("l", BUY, 10, price=69000), at("0901"))
    e.submit(request("m", BUY, 10, tif=TimeInForce.GTC), at("0901"))
    e.submit(request("s", SELL, 10, trigger=69500, price=69600), at("0901"))
    refused = {
        "off-tick": e.modify("l", at("0901"), price=Price(69050)),
        "limit": e.modify("l", at("0901"), price=Price(95000)),
        "market-price": e.modify("m", at("0901"), price=Price(70000)),
        "no-trigger": e.modify("l", at("0901"), trigger_price=Price(70000)),
    }
    reasons = {key: r[0].reason for key, r in refused.items()}  # type: ignore[union-attr]
    assert all(isinstance(r[0], ModifyRejected) for r in refused.values())
    assert "off the 100 KRW tick" in reasons["off-tick"]
    assert "above the upper limit 91,000" in reasons["limit"]
    assert "takes no limit price" in reasons["market-price"]
    assert "takes no trigger price" in reasons["no-trigger"]
    e.process_bar(bar("0902", 69600, 69600, 69450, 69500))  # triggers the stop-limit only
    stop = e.order("s")
    assert stop is not None
    assert stop.triggered
    late = e.modify("s", at("0902"), trigger_price=Price(69000))
    assert "already triggered" in late[0].reason  # type: ignore[union-attr]
    gone = e.modify("m", at("0902"), quantity=Quantity(1))
    assert gone == [ModifyRejected("m", "order m is already filled")]


def test_quantity_cannot_go_below_the_filled_part_and_equal_closes_the_order() -> None:
    from decimal import Decimal

    from jts.matching.models import ParticipationCap

    e = primed(MatchingConfig(participation=ParticipationCap(Decimal("0.1"))))
    e.submit(request("m", BUY, 300), at("0901"))
    e.process_bar(bar("0902", 70000, 70100, 69900, 70000, 1000))  # 100 filled
    below = e.modify("m", at("0902"), quantity=Quantity(50))
    assert "new quantity 50 is below the filled 100" in below[0].reason  # type: ignore[union-attr]
    assert e.modify("m", at("0902"), quantity=Quantity(100)) == [
        Updated("m", Quantity(100), None, None)
    ]
    assert not e.has_orders


def test_a_repriced_order_meets_the_current_data_again() -> None:
    e = primed(MatchingConfig(fill=FillMode.CLOSE))
    e.submit(request("l", SELL, 10, price=70500), at("0901"))
    results = e.modify("l", at("0901"), price=Price(69900))
    assert kinds(results) == ["Updated", "Filled"]
    assert results[1].price == Price(70000)  # type: ignore[union-attr]


def test_a_repriced_order_walks_the_current_book() -> None:
    e = primed()
    e.process_book(book(at("0902"), asks=[(70000, 10)]))
    e.submit(request("l", BUY, 4, price=69900), at("0902"))
    results = e.modify("l", at("0902"), price=Price(70000))
    assert kinds(results) == ["Updated", "Filled"]
