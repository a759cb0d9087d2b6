"""Events validate themselves when made; they are immutable and hashable facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from jts.core.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
)
from jts.domain.enums import AccountType, OrderSide, PositionSide
from jts.domain.events import (
    EVENT_TYPES,
    AccountBalance,
    AccountState,
    OrderEvent,
    OrderSubmitted,
    OrderUpdated,
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from jts.domain.identifiers import ClientOrderId, PositionId, TradeId
from jts.domain.messages import Message
from jts.domain.values import BTC, KRW, USD, Money, Price, Quantity, Rounding
from tests.unit.domain.trading_builders import (
    ACCOUNT,
    INSTRUMENT,
    STRATEGY,
    TRADER,
    event,
    fill,
    make_order,
)


def test_event_types_are_concrete_tagged_messages() -> None:
    tags = [cls.__struct_config__.tag for cls in EVENT_TYPES]
    assert tags == [cls.__name__ for cls in EVENT_TYPES]
    assert len(set(tags)) == len(tags)
    for cls in EVENT_TYPES:
        assert issubclass(cls, Message)
        assert cls.__struct_config__.frozen
    assert OrderEvent not in EVENT_TYPES
    assert PositionEvent not in EVENT_TYPES


def test_events_are_immutable_and_hashable() -> None:
    order = make_order()
    ev = event(OrderSubmitted, order)
    with pytest.raises(AttributeError):
        ev.ts_event = 5  # type: ignore[misc]
    assert hash(ev) == hash(event(OrderSubmitted, order))
    assert ev == event(OrderSubmitted, order)


def test_events_take_keywords_only() -> None:
    with pytest.raises(TypeError):
        OrderSubmitted(TRADER, STRATEGY, INSTRUMENT)  # type: ignore[call-arg]


def test_submitted_needs_an_account() -> None:
    order = make_order()
    with pytest.raises(InvalidInputError, match="account"):
        event(OrderSubmitted, order, account_id=None)


@pytest.mark.parametrize("field", ["ts_event", "ts_init"])
def test_negative_timestamps_are_refused(field: str) -> None:
    order = make_order()
    with pytest.raises(InvalidInputError, match=rf"{field}.*OrderSubmitted of order O-0001"):
        event(OrderSubmitted, order, **{field: -1})


def test_update_needs_a_positive_quantity_and_prices() -> None:
    order = make_order()
    with pytest.raises(InvalidQuantityError, match="O-0001"):
        event(OrderUpdated, order, quantity=Quantity("0"))
    with pytest.raises(InvalidPriceError, match="limit price"):
        event(OrderUpdated, order, quantity=Quantity("1"), price=Price("0"))
    with pytest.raises(InvalidPriceError, match="trigger price"):
        event(OrderUpdated, order, quantity=Quantity("1"), trigger_price=Price("-1"))


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"last_qty": Quantity("0")}, InvalidQuantityError, "fill quantity"),
        ({"last_px": Price("0")}, InvalidPriceError, "fill price"),
        ({"last_px": Price("-70000")}, InvalidPriceError, "fill price"),
        ({"tax": Money(-1, KRW)}, InvalidInputError, "tax cannot be negative"),
    ],
)
def test_fill_validation(fields: dict[str, Any], error: type[Exception], words: str) -> None:
    order = make_order()
    with pytest.raises(error, match=words) as info:
        fill(order, 10, 70000, "T-7", **fields)
    assert "T-7" in str(info.value)


def test_fill_accepts_a_maker_rebate() -> None:
    order = make_order()
    rebate = fill(order, 10, 70000, commission=Money(-5, KRW))
    assert rebate.commission == Money(-5, KRW)


def test_fill_notional_is_exact_on_krx_and_rounded_as_asked_elsewhere() -> None:
    order = make_order()
    assert fill(order, 10, 70000).notional(Rounding.DOWN) == Money(700_000, KRW)
    btc = fill(order, "0.00012345", "95000123", currency=KRW)
    # 95000123 x 0.00012345 = 11727.76518435 KRW
    assert btc.notional(Rounding.DOWN) == Money(11727, KRW)
    assert btc.notional(Rounding.UP) == Money(11728, KRW)
    assert btc.notional(Rounding.NEAREST) == Money(11728, KRW)


# ---- position events --------------------------------------------------------------------------


def position_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "trader_id": TRADER,
        "strategy_id": STRATEGY,
        "instrument_id": INSTRUMENT,
        "position_id": PositionId("005930.KRX-SMACross-001"),
        "account_id": ACCOUNT,
        "opening_order_id": ClientOrderId("O-1"),
        "entry": OrderSide.BUY,
        "side": PositionSide.LONG,
        "signed_qty": Decimal(10),
        "quantity": Quantity("10"),
        "peak_qty": Quantity("10"),
        "avg_px_open": Decimal(70000),
        "realized_pnl": Money(0, KRW),
        "last_trade_id": TradeId("T-1"),
        "last_px": Price("70000"),
        "last_qty": Quantity("10"),
        "ts_opened": 10,
        "ts_event": 10,
        "ts_init": 11,
    }
    fields.update(overrides)
    return fields


def test_position_opened_is_consistent() -> None:
    opened = PositionOpened(**position_fields())
    assert opened.side is PositionSide.LONG
    with pytest.raises(InvalidInputError, match="contradicts"):
        PositionOpened(**position_fields(side=PositionSide.SHORT))
    with pytest.raises(InvalidInputError, match=r"\|signed_qty\|"):
        PositionOpened(**position_fields(quantity=Quantity("9")))
    with pytest.raises(InvalidInputError, match="cannot be flat"):
        PositionOpened(
            **position_fields(side=PositionSide.FLAT, signed_qty=Decimal(0), quantity=Quantity(0))
        )


def test_position_short_is_negative() -> None:
    short = PositionChanged(
        **position_fields(side=PositionSide.SHORT, signed_qty=Decimal(-10)),
        unrealized_pnl=Money(0, KRW),
    )
    assert short.quantity == 10


def test_position_closed_must_be_flat_with_a_true_duration() -> None:
    flat = position_fields(side=PositionSide.FLAT, signed_qty=Decimal(0), quantity=Quantity(0))
    closed = PositionClosed(**flat, ts_closed=40, duration_ns=30)
    assert closed.duration_ns == 30
    with pytest.raises(InvalidInputError, match="duration_ns"):
        PositionClosed(**flat, ts_closed=40, duration_ns=29)
    with pytest.raises(InvalidInputError, match="must be flat"):
        PositionClosed(**position_fields(), ts_closed=40, duration_ns=30)


# ---- account events ---------------------------------------------------------------------------


def test_account_balance_of_derives_total_and_free() -> None:
    balance = AccountBalance.of(Money(1_000_000, KRW), Money(-300_000, KRW), Money(200_000, KRW))
    assert balance.total == Money(700_000, KRW)
    assert balance.free == Money(500_000, KRW)
    assert AccountBalance.of(Money(5, USD)).locked == Money.zero(USD)


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"free": Money(1, KRW)}, InvalidInputError, "free"),
        ({"total": Money(1, KRW), "free": Money(1, KRW)}, InvalidInputError, "settled"),
        ({"locked": Money(-1, KRW), "free": Money(1, KRW)}, InvalidInputError, "negative"),
        ({"unsettled": Money(0, USD)}, CurrencyMismatchError, "unsettled"),
    ],
)
def test_account_balance_invariants(
    fields: dict[str, Any], error: type[Exception], words: str
) -> None:
    base: dict[str, Any] = {
        "currency": KRW,
        "total": Money(0, KRW),
        "locked": Money(0, KRW),
        "free": Money(0, KRW),
        "settled": Money(0, KRW),
        "unsettled": Money(0, KRW),
    }
    base.update(fields)
    with pytest.raises(error, match=words):
        AccountBalance(**base)


def test_account_state_lists_each_currency_once() -> None:
    krw = AccountBalance.of(Money(1, KRW))
    state = AccountState(
        account_id=ACCOUNT,
        account_type=AccountType.CASH,
        balances=(krw, AccountBalance.of(Money(2, USD))),
        reported=True,
        ts_event=1,
        ts_init=2,
    )
    assert state.balance(KRW) == krw
    assert state.balance(BTC) is None
    with pytest.raises(InvalidInputError, match="twice"):
        AccountState(
            account_id=ACCOUNT,
            account_type=AccountType.CASH,
            balances=(krw, krw),
            reported=True,
            ts_event=1,
            ts_init=2,
        )


def test_structs_reject_unknown_keywords() -> None:
    order = make_order()
    with pytest.raises(TypeError):
        event(OrderSubmitted, order, venue_order_id="x")
    assert isinstance(event(OrderSubmitted, order), msgspec.Struct)
