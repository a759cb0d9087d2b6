"""Trading commands validate what a request must say."""

from __future__ import annotations

from typing import Any

import pytest

from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.domain.commands import (
    COMMAND_TYPES,
    CancelAllOrders,
    CancelOrder,
    ModifyOrder,
    SubmitOrder,
)
from jts.domain.enums import OrderSide
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId
from jts.domain.values import Price, Quantity
from tests.unit.domain.trading_builders import INSTRUMENT, STRATEGY, TRADER, init_event


def common(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": INSTRUMENT,
        "command_id": "01J0000000000000000000000A",
        "ts_init": 5,
    }
    fields.update(overrides)
    return fields


def test_command_types_are_the_four_requests() -> None:
    assert [c.__name__ for c in COMMAND_TYPES] == [
        "SubmitOrder",
        "ModifyOrder",
        "CancelOrder",
        "CancelAllOrders",
    ]


def test_submit_order_carries_the_order() -> None:
    init = init_event()
    command = SubmitOrder(**common(), order=init)
    assert command.client_order_id == init.client_order_id
    assert command.position_id is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("instrument_id", InstrumentId("000660.KRX")), ("strategy_id", StrategyId("Other-1"))],
)
def test_submit_order_must_agree_with_its_order(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=rf"{field}.*O-0001"):
        SubmitOrder(**common(**{field: value}), order=init_event())


@pytest.mark.parametrize("command_id", ["", "   "])
def test_command_id_must_not_be_blank(command_id: str) -> None:
    with pytest.raises(InvalidInputError, match="command_id"):
        CancelAllOrders(**common(command_id=command_id))


def test_command_timestamp_must_be_valid() -> None:
    with pytest.raises(InvalidInputError, match=r"ts_init.*CancelAllOrders"):
        CancelAllOrders(**common(ts_init=-5))


def test_modify_must_change_something() -> None:
    with pytest.raises(InvalidInputError, match="changes nothing"):
        ModifyOrder(**common(), client_order_id=ClientOrderId("O-1"))
    modify = ModifyOrder(**common(), client_order_id=ClientOrderId("O-1"), price=Price("69900"))
    assert modify.quantity is None


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"quantity": Quantity("0")}, InvalidQuantityError),
        ({"price": Price("0")}, InvalidPriceError),
        ({"trigger_price": Price("-1")}, InvalidPriceError),
    ],
)
def test_modify_values_must_be_positive(fields: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error, match="O-1"):
        ModifyOrder(**common(), client_order_id=ClientOrderId("O-1"), **fields)


def test_cancel_commands() -> None:
    cancel = CancelOrder(**common(), client_order_id=ClientOrderId("O-1"))
    assert cancel.venue_order_id is None
    assert CancelAllOrders(**common()).order_side is None
    assert CancelAllOrders(**common(), order_side=OrderSide.SELL).order_side is OrderSide.SELL
