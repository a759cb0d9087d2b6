"""The validators' fast paths: a valid value takes them, an invalid one still gets the full
check and its message.

Events, commands and bars test the common case in one expression and call the checks that
build messages only when something looks wrong (issue 3: a backtest builds millions). These
tests pin both halves: the explaining checks are never reached for valid values (so the fast
path cannot silently stop working), and every rule still refuses what it refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.domain import events_order
from jts.domain.commands import SubmitOrder, TradingCommand
from jts.domain.enums import OrderSide, OrderType, PositionSide, TimeInForce
from jts.domain.events import (
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderSubmitted,
    OrderUpdated,
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from jts.domain.identifiers import ClientOrderId, PositionId, TradeId, VenueOrderId
from jts.domain.market_data import Bar, BarType
from jts.domain.values import KRW, Money, Price, Quantity
from tests.unit.domain.trading_builders import (
    ACCOUNT,
    INSTRUMENT,
    STRATEGY,
    TRADER,
    event,
    fill,
    init_event,
    make_order,
)


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("the full check ran for a valid value")


@pytest.fixture
def full_checks_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every explaining check raises: only the fast paths may run."""
    monkeypatch.setattr(events_order, "check_order_spec", _refuse)
    monkeypatch.setattr(OrderEvent, "_check_timestamps", _refuse)
    monkeypatch.setattr(TradingCommand, "_check_command", _refuse)
    monkeypatch.setattr(PositionEvent, "_explain", _refuse)
    monkeypatch.setattr(Bar, "_check_fully", _refuse)


def _position_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": INSTRUMENT,
        "position_id": PositionId("005930.KRX-SMACross-001"),
        "account_id": ACCOUNT,
        "opening_order_id": ClientOrderId("O-0001"),
        "entry": OrderSide.BUY,
        "side": PositionSide.LONG,
        "signed_qty": Decimal(10),
        "quantity": Quantity(10),
        "peak_qty": Quantity(10),
        "avg_px_open": Decimal(70000),
        "realized_pnl": Money(0, KRW),
        "last_trade_id": TradeId("T-1"),
        "last_px": Price(70000),
        "last_qty": Quantity(10),
        "ts_opened": 100,
        "ts_event": 100,
        "ts_init": 100,
    }
    fields.update(overrides)
    return fields


@pytest.mark.usefixtures("full_checks_forbidden")
def test_valid_values_never_reach_the_full_checks() -> None:
    init = init_event()
    market = init_event(order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.IOC)
    stop = init_event(order_type=OrderType.STOP_LIMIT, trigger_price=Price(69000))
    order = make_order()
    event(OrderSubmitted, order)
    event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1"))
    event(OrderUpdated, order, quantity=Quantity(50), price=Price(71000))
    fill(order, 10, 70000)
    SubmitOrder(
        trader_id=TRADER,
        strategy_id=STRATEGY,
        instrument_id=INSTRUMENT,
        command_id="C-1",
        ts_init=5,
        order=init,
    )
    PositionOpened(**_position_fields())
    PositionChanged(**_position_fields(unrealized_pnl=Money(0, KRW)))
    PositionChanged(
        **_position_fields(
            side=PositionSide.SHORT, signed_qty=Decimal(-10), unrealized_pnl=Money(0, KRW)
        )
    )
    PositionClosed(
        **_position_fields(
            side=PositionSide.FLAT,
            signed_qty=Decimal(0),
            quantity=Quantity(0),
            ts_event=300,
            ts_closed=300,
            duration_ns=200,
        )
    )
    bar_type = BarType.parse("005930.KRX-1-MINUTE-LAST-EXTERNAL")
    Bar(
        bar_type=bar_type,
        open=Price(100),
        high=Price(110),
        low=Price(90),
        close=Price(105),
        volume=Quantity(0),
        ts_event=60,
        ts_init=60,
    )
    assert market.price is None
    assert stop.trigger_price == Price(69000)


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"quantity": Quantity(0)}, InvalidQuantityError, "must be positive"),
        ({"price": None}, InvalidPriceError, "needs a limit price"),
        ({"order_type": OrderType.MARKET}, InvalidPriceError, "takes no limit price"),
        ({"trigger_price": Price(1)}, InvalidPriceError, "takes no trigger price"),
        (
            {"order_type": OrderType.STOP_MARKET, "price": None},
            InvalidPriceError,
            "needs a trigger price",
        ),
        ({"price": Price(0)}, InvalidPriceError, "must be positive"),
        (
            {"order_type": OrderType.CONDITIONAL_LIMIT, "time_in_force": TimeInForce.GTC},
            InvalidInputError,
            "not allowed",
        ),
        ({"time_in_force": TimeInForce.GTD}, InvalidInputError, "needs an expire time"),
        ({"expire_time_ns": 5}, InvalidInputError, "only GTD orders"),
        ({"post_only": True, "time_in_force": TimeInForce.IOC}, InvalidInputError, "post-only"),
        ({"ts_event": -1}, InvalidInputError, "ts_event"),
        ({"ts_init": True}, InvalidInputError, "ts_init"),
    ],
)
def test_order_rules_still_refuse(overrides: dict[str, Any], error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        init_event(**overrides)


def test_valid_gtd_and_post_only_orders_pass_the_full_checks() -> None:
    assert init_event(time_in_force=TimeInForce.GTD, expire_time_ns=9).expire_time_ns == 9
    assert init_event(post_only=True).post_only


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"quantity": Quantity(9)}, "is not |signed_qty|"),
        ({"side": PositionSide.SHORT}, "contradicts"),
        ({"signed_qty": Decimal("10.0"), "quantity": Quantity("10.0")}, None),
        ({"ts_opened": -5}, "ts_opened"),
    ],
)
def test_position_rules_still_refuse(overrides: dict[str, Any], words: str | None) -> None:
    if words is None:  # finer quantities take the full check, and pass it
        assert PositionOpened(**_position_fields(**overrides)).quantity == Quantity(10)
        return
    with pytest.raises(InvalidInputError, match=words):
        PositionOpened(**_position_fields(**overrides))


def test_closed_position_rules_still_refuse() -> None:
    flat = _position_fields(
        side=PositionSide.FLAT, signed_qty=Decimal(0), quantity=Quantity(0), ts_event=300
    )
    with pytest.raises(InvalidInputError, match="ts_closed"):
        PositionClosed(**flat, ts_closed=-1, duration_ns=-101)
    with pytest.raises(InvalidInputError, match="duration_ns"):
        PositionClosed(**flat, ts_closed=300, duration_ns=5)


def test_command_rules_still_refuse() -> None:
    fields: dict[str, Any] = {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": INSTRUMENT,
        "command_id": "C-1",
        "ts_init": 5,
        "order": init_event(),
    }
    with pytest.raises(InvalidInputError, match="command_id"):
        SubmitOrder(**{**fields, "command_id": "  "})
    with pytest.raises(InvalidInputError, match="ts_init"):
        SubmitOrder(**{**fields, "ts_init": -5})
    other = init_event(client_order_id=ClientOrderId("O-0002"), strategy_id=STRATEGY)
    with pytest.raises(InvalidInputError, match="differs"):
        SubmitOrder(**{**fields, "order": other, "instrument_id": INSTRUMENT.of("000660", "KRX")})


def test_fill_and_update_rules_still_refuse() -> None:
    order = make_order()
    with pytest.raises(InvalidQuantityError):
        fill(order, 0, 70000)
    with pytest.raises(InvalidPriceError):
        fill(order, 1, 0)
    with pytest.raises(InvalidInputError, match="tax"):
        fill(order, 1, 70000, tax=Money(-1, KRW))
    with pytest.raises(InvalidPriceError):
        event(OrderUpdated, order, quantity=Quantity(5), trigger_price=Price(0))
    with pytest.raises(InvalidInputError, match="ts_event"):
        fill(order, 1, 70000, ts_event=-3)
    assert isinstance(fill(order, 1, 70000), OrderFilled)
