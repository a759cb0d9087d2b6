"""The engine's records: immutable values compared by content; working orders derive their
flags from their terms."""

from __future__ import annotations

import pickle

import pytest

from jts.domain.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from jts.domain.values import Price, Quantity
from jts.matching.orders import OrderRequest, SimOrder
from jts.matching.paths import FillKind, PathOutcome
from jts.matching.results import Accepted, Canceled, CancelRejected, Filled, Updated


def test_results_are_immutable_values() -> None:
    fill = Filled("O-1", Price(70000), Quantity(10), Quantity(0), LiquiditySide.TAKER)
    assert fill == Filled("O-1", Price(70000), Quantity(10), Quantity(0), LiquiditySide.TAKER)
    assert hash(fill) == hash(
        Filled("O-1", Price(70000), Quantity(10), Quantity(0), fill.liquidity)
    )
    assert fill != Filled("O-1", Price(70000), Quantity(10), Quantity(1), LiquiditySide.TAKER)
    with pytest.raises(AttributeError):
        fill.price = Price(1)  # type: ignore[misc]
    # the same fields under another record type are another fact
    assert Canceled("O-1", "x") != CancelRejected("O-1", "x")
    assert pickle.loads(pickle.dumps(fill)) == fill
    assert repr(Accepted("O-1")) == "Accepted(order_id='O-1')"
    assert Updated("O-1", Quantity(5), None, None).price is None


def test_requests_and_outcomes() -> None:
    request = OrderRequest("O-1", OrderSide.BUY, OrderType.MARKET, Quantity(10))
    assert (request.price, request.time_in_force, request.expire_time_ns) == (
        None,
        TimeInForce.DAY,
        None,
    )
    with pytest.raises(AttributeError):
        request.quantity = Quantity(1)  # type: ignore[misc]
    outcome = PathOutcome(None, 0, 70000, FillKind.TAKER)
    assert outcome == PathOutcome(None, 0, 70000, FillKind.TAKER)


def test_working_orders_derive_their_flags_and_compare_by_identity() -> None:
    def order(side: OrderSide, tif: TimeInForce, **given: bool) -> SimOrder:
        return SimOrder("O-1", side, OrderType.LIMIT, 10, 700, None, tif, None, 0, 1, **given)

    buy = order(OrderSide.BUY, TimeInForce.IOC, is_buy=False, immediate=False)
    assert buy.is_buy
    assert buy.immediate  # derived from the terms, whatever was given
    sell = order(OrderSide.SELL, TimeInForce.DAY)
    assert not sell.is_buy
    assert not sell.immediate
    assert sell.leaves == 10
    sell.filled = 4
    assert sell.leaves == 6
    assert sell != order(OrderSide.SELL, TimeInForce.DAY)  # working orders are not values
