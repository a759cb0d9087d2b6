"""Execution reports: the venue's view, checked for internal consistency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.domain.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from jts.domain.identifiers import TradeId, VenueOrderId
from jts.domain.reports import REPORT_TYPES, FillReport, OrderStatusReport, PositionReport
from jts.domain.values import KRW, Money, Price, Quantity
from tests.unit.domain.trading_builders import ACCOUNT, INSTRUMENT


def base(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "account_id": ACCOUNT,
        "instrument_id": INSTRUMENT,
        "report_id": "R-1",
        "ts_init": 100,
    }
    fields.update(overrides)
    return fields


def status_report(**overrides: Any) -> OrderStatusReport:
    fields = base(
        venue_order_id=VenueOrderId("0000117057"),
        order_side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.DAY,
        order_status=OrderStatus.PARTIALLY_FILLED,
        quantity=Quantity("100"),
        filled_qty=Quantity("40"),
        price=Price("70000"),
        avg_px=Decimal("69950"),
        ts_accepted=10,
        ts_last=20,
    )
    fields.update(overrides)
    return OrderStatusReport(**fields)


def test_report_types() -> None:
    assert [t.__name__ for t in REPORT_TYPES] == [
        "OrderStatusReport",
        "FillReport",
        "PositionReport",
    ]


def test_order_status_report_leaves() -> None:
    assert status_report().leaves_qty == 60
    canceled = status_report(order_status=OrderStatus.CANCELED)
    assert canceled.leaves_qty == 0


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"filled_qty": Quantity("101")}, InvalidQuantityError, "exceeds"),
        (
            {"quantity": Quantity("0"), "filled_qty": Quantity("0")},
            InvalidQuantityError,
            "quantity",
        ),
        ({"avg_px": Decimal("0")}, InvalidPriceError, "avg_px"),
        ({"avg_px": Decimal("NaN")}, InvalidPriceError, "avg_px"),
        ({"ts_last": -1}, InvalidInputError, "ts_last"),
        ({"report_id": ""}, InvalidInputError, "report_id"),
    ],
)
def test_order_status_report_refuses_inconsistent_data(
    overrides: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        status_report(**overrides)


def fill_report(**overrides: Any) -> FillReport:
    fields = base(
        venue_order_id=VenueOrderId("0000117057"),
        trade_id=TradeId("T-1"),
        order_side=OrderSide.SELL,
        last_qty=Quantity("10"),
        last_px=Price("70000"),
        currency=KRW,
        commission=Money(98, KRW),
        tax=Money(1050, KRW),
        liquidity_side=LiquiditySide.MAKER,
        ts_event=50,
    )
    fields.update(overrides)
    return FillReport(**fields)


def test_fill_report() -> None:
    assert fill_report().client_order_id is None
    with pytest.raises(InvalidQuantityError, match="T-1"):
        fill_report(last_qty=Quantity("0"))
    with pytest.raises(InvalidPriceError, match="T-1"):
        fill_report(last_px=Price("0"))


def test_position_report_side_and_quantity_agree() -> None:
    short = PositionReport(
        **base(), position_side=PositionSide.SHORT, quantity=Quantity("5"), ts_last=1
    )
    assert short.signed_qty == Decimal(-5)
    flat = PositionReport(
        **base(), position_side=PositionSide.FLAT, quantity=Quantity(0), ts_last=1
    )
    assert flat.signed_qty == 0
    with pytest.raises(InvalidQuantityError, match="FLAT"):
        PositionReport(**base(), position_side=PositionSide.FLAT, quantity=Quantity(1), ts_last=1)
    with pytest.raises(InvalidQuantityError, match="LONG"):
        PositionReport(**base(), position_side=PositionSide.LONG, quantity=Quantity(0), ts_last=1)
