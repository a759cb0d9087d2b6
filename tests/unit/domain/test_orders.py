"""The order aggregate: construction rules, exact fill accounting, refusals that change nothing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import (
    DuplicateFillError,
    InvalidInputError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidStateTransitionError,
    OverfillError,
)
from jts.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from jts.domain.events import (
    OrderAccepted,
    OrderCanceled,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderSubmitted,
    OrderUpdated,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
)
from jts.domain.orders import AVG_PX_DIGITS, Order, OrderMismatchError, ratio_to_decimal
from jts.domain.values import KRW, USDT, Money, Price, Quantity
from tests.unit.domain.trading_builders import ACCOUNT, event, fill, init_event, make_order


def working(**overrides: object) -> Order:
    order = make_order(**overrides)
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    return order


# ---- construction -----------------------------------------------------------------------------


def test_new_order_reflects_its_initialized_event() -> None:
    init = init_event(tags=("entry",), post_only=True)
    order = Order(init)
    assert order.status is OrderStatus.INITIALIZED
    assert order.init is init
    assert order.events == (init,)
    assert order.side is OrderSide.BUY
    assert order.order_type is OrderType.LIMIT
    assert order.quantity == 100
    assert order.price == Price("70000")
    assert order.trigger_price is None
    assert order.time_in_force is TimeInForce.DAY
    assert order.tags == ("entry",)
    assert order.filled_qty == 0
    assert order.leaves_qty == 100
    assert order.avg_px is None
    assert order.venue_order_id is None
    assert order.last_trade_id is None
    assert order.account_id is None
    assert not order.is_open
    assert not order.is_closed
    assert not order.is_inflight
    assert order.ts_init == 1_000
    assert "O-0001" in repr(order)


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"quantity": Quantity("0")}, InvalidQuantityError, "must be positive"),
        ({"price": None}, InvalidPriceError, "needs a limit price"),
        ({"price": Price("0")}, InvalidPriceError, "limit price must be positive"),
        ({"price": Price("-5")}, InvalidPriceError, "limit price must be positive"),
        (
            {"order_type": OrderType.MARKET, "price": Price("70000")},
            InvalidPriceError,
            "takes no limit price",
        ),
        (
            {"order_type": OrderType.STOP_LIMIT, "trigger_price": None},
            InvalidPriceError,
            "needs a trigger price",
        ),
        (
            {"order_type": OrderType.STOP_MARKET, "price": None},
            InvalidPriceError,
            "needs a trigger price",
        ),
        ({"trigger_price": Price("69000")}, InvalidPriceError, "takes no trigger price"),
        (
            {"order_type": OrderType.STOP_MARKET, "price": None, "trigger_price": Price("-1")},
            InvalidPriceError,
            "trigger price must be positive",
        ),
        (
            {"order_type": OrderType.BEST_LIMIT, "price": Price("70000")},
            InvalidPriceError,
            "takes no limit price",
        ),
        ({"order_type": OrderType.AFTER_HOURS_SINGLE, "price": None}, InvalidPriceError, "needs"),
        ({"time_in_force": TimeInForce.GTD}, InvalidInputError, "needs an expire time"),
        ({"expire_time_ns": 5}, InvalidInputError, "only GTD orders"),
        (
            {"time_in_force": TimeInForce.GTD, "expire_time_ns": -1},
            InvalidInputError,
            "non-negative",
        ),
        (
            {"order_type": OrderType.CONDITIONAL_LIMIT, "time_in_force": TimeInForce.IOC},
            InvalidInputError,
            "not allowed for a CONDITIONAL_LIMIT",
        ),
        (
            {
                "order_type": OrderType.POST_MARKET_CLOSE,
                "price": None,
                "time_in_force": TimeInForce.GTC,
            },
            InvalidInputError,
            "allowed: DAY",
        ),
        ({"post_only": True, "time_in_force": TimeInForce.IOC}, InvalidInputError, "post-only"),
        (
            {"post_only": True, "order_type": OrderType.MARKET, "price": None},
            InvalidInputError,
            "post-only",
        ),
        ({"ts_event": -1}, InvalidInputError, "ts_event"),
    ],
)
def test_construction_refuses_bad_terms(
    overrides: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as info:
        make_order(**overrides)
    assert "O-0001" in str(info.value)


@pytest.mark.parametrize(
    ("order_type", "price", "trigger", "tif"),
    [
        (OrderType.MARKET, None, None, TimeInForce.IOC),
        (OrderType.LIMIT, "70000", None, TimeInForce.FOK),
        (OrderType.STOP_MARKET, None, "69000", TimeInForce.GTC),
        (OrderType.STOP_LIMIT, "69500", "69000", TimeInForce.DAY),
        (OrderType.CONDITIONAL_LIMIT, "70000", None, TimeInForce.DAY),
        (OrderType.BEST_LIMIT, None, None, TimeInForce.IOC),
        (OrderType.BEST_OWN_LIMIT, None, None, TimeInForce.DAY),
        (OrderType.PRE_MARKET_CLOSE, None, None, TimeInForce.DAY),
        (OrderType.POST_MARKET_CLOSE, None, None, TimeInForce.DAY),
        (OrderType.AFTER_HOURS_SINGLE, "71000", None, TimeInForce.DAY),
    ],
)
def test_construction_accepts_every_type_with_its_terms(
    order_type: OrderType, price: str | None, trigger: str | None, tif: TimeInForce
) -> None:
    order = make_order(
        order_type=order_type,
        price=None if price is None else Price(price),
        trigger_price=None if trigger is None else Price(trigger),
        time_in_force=tif,
    )
    assert order.order_type is order_type


def test_gtd_order_keeps_its_expire_time() -> None:
    order = make_order(time_in_force=TimeInForce.GTD, expire_time_ns=9_000)
    assert order.expire_time_ns == 9_000


def test_only_an_initialized_event_builds_an_order() -> None:
    order = make_order()
    with pytest.raises(InvalidInputError, match="OrderInitialized"):
        Order(event(OrderSubmitted, order))  # type: ignore[arg-type]


# ---- fills ------------------------------------------------------------------------------------


def test_fills_accumulate_exactly() -> None:
    order = working()
    order.apply(fill(order, 1, 100, "T-1"))
    order.apply(fill(order, 2, 101, "T-2"))
    assert order.filled_qty == 3
    assert order.leaves_qty == 97
    assert order.filled_notional == Decimal("302")
    # 302 / 3 does not terminate: rounded half-even at AVG_PX_DIGITS significant digits
    expected = ratio_to_decimal(Fraction(302, 3))
    assert order.avg_px == expected
    assert len(expected.as_tuple().digits) == AVG_PX_DIGITS
    assert str(expected).startswith("100.66666666")
    assert str(expected).endswith("7")
    assert order.last_trade_id == "T-2"
    assert order.trade_ids == ("T-1", "T-2")


def test_average_price_is_exact_when_it_terminates() -> None:
    order = working()
    order.apply(fill(order, 1, 70000, "T-1"))
    order.apply(fill(order, 1, 70100, "T-2"))
    assert order.avg_px == Decimal("70050")
    order.apply(fill(order, 2, 70100, "T-3"))
    assert order.avg_px == Decimal("70075")
    assert str(order.avg_px) == "70075"


def test_crypto_fills_at_mixed_precisions_stay_exact() -> None:
    order = working(
        instrument_id=InstrumentId("KRW-BTC.UPBIT"),
        quantity=Quantity("0.5"),
        price=Price("95000000"),
    )
    order.apply(fill(order, "0.12345678", "95000000", "T-1", currency=KRW))
    order.apply(fill(order, "0.1", "94999999.5", "T-2", currency=KRW))
    assert order.filled_qty == Quantity("0.22345678")
    assert order.leaves_qty == Quantity("0.27654322")
    expected_notional = Decimal("0.12345678") * 95000000 + Decimal("0.1") * Decimal("94999999.5")
    assert order.filled_notional == expected_notional
    avg = order.avg_px
    assert avg is not None
    assert abs(avg * Decimal("0.22345678") - expected_notional) < Decimal("1e-20")


def test_commissions_and_taxes_are_kept_per_currency() -> None:
    order = working(side=OrderSide.SELL)
    order.apply(fill(order, 10, 70000, "T-1", commission=Money(98, KRW), tax=Money(1260, KRW)))
    order.apply(fill(order, 10, 70000, "T-2", commission=Money(98, KRW), tax=Money(1260, KRW)))
    order.apply(fill(order, 10, 70000, "T-3", commission=Money("0.5", USDT)))
    assert order.commissions == {KRW: Money(196, KRW), USDT: Money("0.5", USDT)}
    assert order.taxes == {KRW: Money(2520, KRW)}
    order.commissions.clear()  # a copy: the order is not touched
    assert order.commissions[KRW] == Money(196, KRW)


def test_overfill_is_refused_without_change() -> None:
    order = working()
    order.apply(fill(order, 60, 70000, "T-1"))
    with pytest.raises(OverfillError, match=r"O-0001.*T-2.*110.*100"):
        order.apply(fill(order, 50, 70000, "T-2"))
    assert order.filled_qty == 60
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.trade_ids == ("T-1",)
    assert order.event_count == 4


def test_duplicate_trade_id_is_refused_without_change() -> None:
    order = working()
    order.apply(fill(order, 10, 70000, "T-1"))
    with pytest.raises(DuplicateFillError, match=r"O-0001.*T-1"):
        order.apply(fill(order, 10, 70000, "T-1"))
    assert order.filled_qty == 10
    assert order.event_count == 4


def test_duplicate_of_the_completing_fill_is_reported_as_duplicate() -> None:
    order = working()
    order.apply(fill(order, 100, 70000, "T-1"))
    with pytest.raises(DuplicateFillError):
        order.apply(fill(order, 100, 70000, "T-1"))


# ---- events for another order -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_order_id", ClientOrderId("O-other")),
        ("instrument_id", InstrumentId("000660.KRX")),
        ("strategy_id", StrategyId("Other-001")),
    ],
)
def test_event_of_another_order_is_refused(field: str, value: object) -> None:
    order = working()
    with pytest.raises(OrderMismatchError, match=field):
        order.apply(event(OrderCanceled, order, **{field: value}))
    assert order.status is OrderStatus.ACCEPTED


def test_event_from_another_account_is_refused() -> None:
    order = working()
    assert order.account_id == ACCOUNT
    with pytest.raises(OrderMismatchError, match="KIS-999"):
        order.apply(event(OrderCanceled, order, account_id=AccountId("KIS-999")))


def test_fill_on_the_wrong_side_is_refused() -> None:
    order = working()
    with pytest.raises(OrderMismatchError, match="SELL"):
        order.apply(fill(order, 10, 70000, order_side=OrderSide.SELL))
    assert order.filled_qty == 0


def test_account_is_learned_from_the_first_event_that_names_it() -> None:
    order = make_order()
    assert order.account_id is None
    order.apply(event(OrderSubmitted, order))
    assert order.account_id == ACCOUNT


# ---- updates ----------------------------------------------------------------------------------


def test_update_changes_price_and_trigger_only_when_given() -> None:
    order = working(order_type=OrderType.STOP_LIMIT, trigger_price=Price("69000"))
    order.apply(event(OrderPendingUpdate, order))
    order.apply(event(OrderUpdated, order, quantity=Quantity("80"), trigger_price=Price("68500")))
    assert order.quantity == 80
    assert order.price == Price("70000")
    assert order.trigger_price == Price("68500")


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", Price("70000")), ("trigger_price", Price("69000"))],
)
def test_update_cannot_add_a_price_the_type_does_not_take(field: str, value: Price) -> None:
    order = working(order_type=OrderType.MARKET, price=None)
    order.apply(event(OrderPendingUpdate, order))
    with pytest.raises(InvalidPriceError, match="MARKET"):
        order.apply(event(OrderUpdated, order, quantity=Quantity("100"), **{field: value}))
    assert order.status is OrderStatus.PENDING_UPDATE


def test_update_before_submission_is_local() -> None:
    order = make_order()
    order.apply(event(OrderUpdated, order, quantity=Quantity("50"), account_id=None))
    assert order.status is OrderStatus.INITIALIZED
    assert order.quantity == 50


def test_venue_ids_only_grow_and_old_ids_are_not_current_again() -> None:
    order = working()
    order.apply(event(OrderPendingUpdate, order))
    order.apply(
        event(OrderUpdated, order, quantity=Quantity("90"), venue_order_id=VenueOrderId("V-2"))
    )
    order.apply(fill(order, 10, 70000, "T-1", venue_order_id=VenueOrderId("V-1")))
    assert order.venue_order_ids == ("V-1", "V-2")
    assert order.venue_order_id == "V-2"


def test_fill_names_the_venue_id_of_an_unacknowledged_order() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(fill(order, 10, 70000, venue_order_id=VenueOrderId("V-7")))
    assert order.venue_order_id == "V-7"


# ---- replay -----------------------------------------------------------------------------------


def test_rebuild_from_events_gives_the_same_order() -> None:
    order = working()
    order.apply(fill(order, 30, 70000, "T-1", commission=Money(30, KRW)))
    order.apply(event(OrderPendingCancel, order))
    copy = Order.rebuild(order.events)
    assert copy.status is order.status
    assert copy.filled_qty == order.filled_qty
    assert copy.avg_px == order.avg_px
    assert copy.commissions == order.commissions
    assert copy.events == order.events
    assert type(copy.last_event) is OrderPendingCancel


def test_rebuild_needs_the_initialized_event_first() -> None:
    order = working()
    with pytest.raises(InvalidInputError, match="starts with OrderInitialized"):
        Order.rebuild(order.events[1:])
    with pytest.raises(InvalidInputError, match="NoneType"):
        Order.rebuild([])


def test_events_are_returned_as_an_immutable_copy() -> None:
    order = working()
    events = order.events
    assert isinstance(events, tuple)
    order.apply(event(OrderCanceled, order))
    assert len(events) == 3
    assert order.event_count == 4


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10**6), st.integers(1, 10**9), st.integers(0, 8)),
        min_size=1,
        max_size=8,
    )
)
def test_average_price_matches_exact_arithmetic(fills: list[tuple[int, int, int]]) -> None:
    total_qty = sum(q for q, _, _ in fills)
    order = working(quantity=Quantity(total_qty), price=Price(1))
    exact_notional = Fraction(0)
    for n, (qty, px_raw, px_prec) in enumerate(fills):
        px = Price.from_raw(px_raw, px_prec)
        order.apply(fill(order, qty, str(px), f"T-{n}"))
        exact_notional += Fraction(px_raw, 10**px_prec) * qty
    assert order.status is OrderStatus.FILLED
    assert Fraction(order.filled_notional) == exact_notional
    assert order.avg_px == ratio_to_decimal(exact_notional / total_qty)
    avg = order.avg_px
    assert avg is not None
    # the rounding, if any, is below the 40th significant digit
    assert abs(Fraction(avg) - exact_notional / total_qty) <= Fraction(avg) / 10 ** (
        AVG_PX_DIGITS - 1
    )


def test_ratio_to_decimal_rounds_half_even_at_the_last_digit() -> None:
    assert ratio_to_decimal(Fraction(2, 3)) == Decimal("0." + "6" * 39 + "7")
    assert ratio_to_decimal(Fraction(1, 8)) == Decimal("0.125")


def test_terminal_order_refuses_fills_and_cancels() -> None:
    order = working()
    order.apply(event(OrderCanceled, order))
    for late in (fill(order, 1, 70000, "T-9"), event(OrderCanceled, order)):
        with pytest.raises(InvalidStateTransitionError, match="CANCELED"):
            order.apply(late)
    assert order.status is OrderStatus.CANCELED


def test_has_trade_id_answers_for_applied_fills_only() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    assert not order.has_trade_id(TradeId("T-1"))
    order.apply(fill(order, 10, 70000, "T-1"))  # no fees: the totals stay empty
    assert order.has_trade_id(TradeId("T-1"))
    assert order.commissions == {}
    order.apply(fill(order, 10, 70000, "T-2", commission=Money(15, KRW)))
    other = make_order()
    assert other.commissions == {}
    assert order.commissions == {KRW: Money(15, KRW)}
