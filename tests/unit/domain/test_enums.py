"""Enum facts other modules rely on: wire values, price requirements, status families."""

from __future__ import annotations

import enum

import pytest

from jts.domain.enums import (
    CLOSED_STATUSES,
    INFLIGHT_STATUSES,
    OPEN_STATUSES,
    AccountType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)

ALL_ENUMS: tuple[type[enum.Enum], ...] = (
    OrderSide,
    OrderType,
    TimeInForce,
    OrderStatus,
    LiquiditySide,
    PositionSide,
    OmsType,
    AccountType,
)


@pytest.mark.parametrize("kind", ALL_ENUMS, ids=lambda k: k.__name__)
def test_values_are_the_member_names(kind: type[enum.Enum]) -> None:
    # the value is the wire form: keeping it equal to the name makes renames visible
    for member in kind:
        assert member.value == member.name


def test_order_side_sign_and_opposite() -> None:
    assert OrderSide.BUY.sign == 1
    assert OrderSide.SELL.sign == -1
    assert OrderSide.BUY.opposite is OrderSide.SELL
    assert OrderSide.SELL.opposite is OrderSide.BUY


@pytest.mark.parametrize(
    ("kind", "price", "trigger"),
    [
        (OrderType.MARKET, False, False),
        (OrderType.LIMIT, True, False),
        (OrderType.STOP_MARKET, False, True),
        (OrderType.STOP_LIMIT, True, True),
        (OrderType.CONDITIONAL_LIMIT, True, False),
        (OrderType.BEST_LIMIT, False, False),
        (OrderType.BEST_OWN_LIMIT, False, False),
        (OrderType.PRE_MARKET_CLOSE, False, False),
        (OrderType.POST_MARKET_CLOSE, False, False),
        (OrderType.AFTER_HOURS_SINGLE, True, False),
    ],
)
def test_order_type_price_requirements(kind: OrderType, price: bool, trigger: bool) -> None:
    assert kind.requires_price is price
    assert kind.requires_trigger_price is trigger


def test_session_bound_krx_kinds_are_day_only() -> None:
    for kind in (
        OrderType.CONDITIONAL_LIMIT,
        OrderType.BEST_OWN_LIMIT,
        OrderType.PRE_MARKET_CLOSE,
        OrderType.POST_MARKET_CLOSE,
        OrderType.AFTER_HOURS_SINGLE,
    ):
        assert kind.allowed_time_in_force == {TimeInForce.DAY}
    assert OrderType.BEST_LIMIT.allowed_time_in_force == {
        TimeInForce.DAY,
        TimeInForce.IOC,
        TimeInForce.FOK,
    }
    assert OrderType.LIMIT.allowed_time_in_force == set(TimeInForce)


def test_status_families() -> None:
    assert not CLOSED_STATUSES & OPEN_STATUSES
    assert OrderStatus.INITIALIZED not in CLOSED_STATUSES | OPEN_STATUSES | INFLIGHT_STATUSES
    assert OrderStatus.SUBMITTED.is_inflight
    assert not OrderStatus.SUBMITTED.is_open
    assert OrderStatus.PENDING_CANCEL.is_open
    assert OrderStatus.PENDING_CANCEL.is_inflight
    for status in OrderStatus:
        assert status.is_closed is (status in CLOSED_STATUSES)
        assert status.is_open is (status in OPEN_STATUSES)
    assert {s.value for s in CLOSED_STATUSES} == {
        "DENIED",
        "REJECTED",
        "FILLED",
        "CANCELED",
        "EXPIRED",
    }


def test_member_facts_are_plain_attributes_matching_the_tables() -> None:
    # attributes, not properties: read on every order without a call or a member hash
    from jts.domain import enums

    for kind in OrderType:
        assert kind.requires_price is (kind in enums._PRICED_TYPES)
        assert kind.requires_trigger_price is (kind in enums._TRIGGERED_TYPES)
        assert kind.allowed_time_in_force_ids == {id(t) for t in kind.allowed_time_in_force}
        assert "requires_price" in vars(kind)
    for status in OrderStatus:
        assert status.is_inflight is (status in INFLIGHT_STATUSES)
        assert "is_closed" in vars(status)
    assert [m.name for m in OrderType][:2] == ["MARKET", "LIMIT"]  # the facts are no members
