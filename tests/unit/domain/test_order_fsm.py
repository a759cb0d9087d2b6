"""The order state machine: the transition table, real-world sequences, and invariants under
random event sequences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import (
    DuplicateFillError,
    InvalidInputError,
    InvalidStateTransitionError,
    OverfillError,
    StateError,
)
from jts.domain.enums import CLOSED_STATUSES, OrderStatus, OrderType, TimeInForce
from jts.domain.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
)
from jts.domain.identifiers import VenueOrderId
from jts.domain.orders import ORDER_TRANSITIONS, RESTING, Order
from jts.domain.values import Price, Quantity
from tests.unit.domain.trading_builders import event, fill, make_order

S = OrderStatus


def stop_limit_order() -> Order:
    """A STOP_LIMIT order, so that every event type (triggers included) can apply."""
    return make_order(
        order_type=OrderType.STOP_LIMIT, price=Price("70000"), trigger_price=Price("69000")
    )


def sample_event(cls: type[OrderEvent], order: Order, n: int = 0) -> OrderEvent:
    """A minimal valid event of ``cls`` for ``order`` (fills are 10 shares, unique trade ids)."""
    extra: dict[str, Any] = {}
    if cls in (OrderDenied, OrderRejected, OrderModifyRejected, OrderCancelRejected):
        extra["reason"] = "test"
    if cls is OrderAccepted:
        extra["venue_order_id"] = VenueOrderId("V-1")
    if cls is OrderUpdated:
        extra["quantity"] = order.quantity
    if cls is OrderFilled:
        return fill(order, 10, 70000, trade_id=f"T-{n}-{order.event_count}")
    return event(cls, order, **extra)


def status_of(order: Order) -> OrderStatus:
    """The status, read through a call so mypy does not carry an earlier assert over."""
    return order.status


def snapshot(order: Order) -> tuple[object, ...]:
    return (
        order.status,
        order.quantity,
        order.price,
        order.trigger_price,
        order.filled_qty,
        order.leaves_qty,
        order.avg_px,
        order.filled_notional,
        order.event_count,
        order.venue_order_ids,
        order.trade_ids,
        order.commissions,
        order.taxes,
        order.account_id,
        order.is_triggered,
    )


PATHS: dict[OrderStatus, tuple[type[OrderEvent], ...]] = {
    S.INITIALIZED: (),
    S.DENIED: (OrderDenied,),
    S.SUBMITTED: (OrderSubmitted,),
    S.ACCEPTED: (OrderSubmitted, OrderAccepted),
    S.REJECTED: (OrderSubmitted, OrderRejected),
    S.TRIGGERED: (OrderSubmitted, OrderAccepted, OrderTriggered),
    S.PENDING_UPDATE: (OrderSubmitted, OrderAccepted, OrderPendingUpdate),
    S.PENDING_CANCEL: (OrderSubmitted, OrderAccepted, OrderPendingCancel),
    S.PARTIALLY_FILLED: (OrderSubmitted, OrderAccepted, OrderFilled),
    S.FILLED: (OrderSubmitted, OrderFilled),  # a full fill, see reach()
    S.CANCELED: (OrderSubmitted, OrderCanceled),
    S.EXPIRED: (OrderSubmitted, OrderExpired),
}
ALL_EVENT_TYPES = (
    OrderDenied,
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderPendingUpdate,
    OrderPendingCancel,
    OrderModifyRejected,
    OrderCancelRejected,
    OrderUpdated,
    OrderTriggered,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)


def reach(status: OrderStatus) -> Order:
    order = stop_limit_order()
    for cls in PATHS[status]:
        if status is S.FILLED and cls is OrderFilled:
            order.apply(fill(order, 100, 70000, trade_id="T-full"))
        else:
            order.apply(sample_event(cls, order))
    assert order.status is status
    return order


def test_every_status_is_reachable_and_listed() -> None:
    assert set(PATHS) == set(OrderStatus)
    for status in OrderStatus:
        reach(status)


@pytest.mark.parametrize("status", list(OrderStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("cls", ALL_EVENT_TYPES, ids=lambda c: c.__name__)
def test_apply_follows_the_table_exactly(status: OrderStatus, cls: type[OrderEvent]) -> None:
    order = reach(status)
    ev = sample_event(cls, order, n=1)
    target = ORDER_TRANSITIONS.get((status, cls))
    # these paths never reached "accepted"/"triggered" twice except where the path did
    once_only_refusal = (cls is OrderAccepted and OrderAccepted in PATHS[status]) or (
        cls is OrderTriggered and OrderTriggered in PATHS[status]
    )
    if target is None or once_only_refusal:
        before = snapshot(order)
        with pytest.raises(InvalidStateTransitionError) as info:
            order.apply(ev)
        message = str(info.value)
        assert str(order.client_order_id) in message
        assert status.value in message
        assert cls.__name__ in message
        assert snapshot(order) == before
        return
    order.apply(ev)
    # every path into a pending status went through an ack, so RESTING resolves to ACCEPTED
    expected = S.ACCEPTED if target is RESTING else target
    assert order.status is expected
    assert order.last_event is ev


def test_table_never_leaves_a_closed_status() -> None:
    for (status, _cls), target in ORDER_TRANSITIONS.items():
        if status in CLOSED_STATUSES:
            assert target is status


def test_denied_absorbs_everything() -> None:
    assert not [key for key in ORDER_TRANSITIONS if key[0] is S.DENIED]


def test_no_fill_is_accepted_by_a_closed_order() -> None:
    for status in CLOSED_STATUSES:
        assert (status, OrderFilled) not in ORDER_TRANSITIONS


# ---- real sequences ---------------------------------------------------------------------------


def test_happy_path_to_filled() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    assert order.is_inflight
    assert not order.is_open
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("0000117057")))
    assert order.is_open
    assert not order.is_inflight
    order.apply(fill(order, 40, 70000, "T-1"))
    assert order.status is S.PARTIALLY_FILLED
    order.apply(fill(order, 60, 69900, "T-2"))
    assert order.status is S.FILLED
    assert order.is_closed
    assert order.leaves_qty == 0
    assert order.venue_order_id == "0000117057"


def test_fill_before_acknowledgement_then_late_ack() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(fill(order, 30, 70000, venue_order_id=VenueOrderId("V-9")))
    assert order.status is S.PARTIALLY_FILLED
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-9")))
    assert order.status is S.PARTIALLY_FILLED
    assert order.venue_order_ids == ("V-9",)


def test_full_fill_before_ack_then_late_ack_is_absorbed() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(fill(order, 100, 70000))
    assert order.status is S.FILLED
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    assert order.status is S.FILLED


def test_duplicate_ack_is_refused() -> None:
    order = reach(S.PENDING_CANCEL)
    with pytest.raises(InvalidStateTransitionError, match="already acknowledged"):
        order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-2")))
    assert order.status is S.PENDING_CANCEL


def test_cancel_after_partial_fills() -> None:
    order = make_order()
    for ev in (event(OrderSubmitted, order), event(OrderAccepted, order, venue_order_id="V-1")):
        order.apply(ev)
    order.apply(fill(order, 30, 70000))
    order.apply(event(OrderPendingCancel, order))
    assert order.status is S.PENDING_CANCEL
    order.apply(event(OrderCanceled, order))
    assert status_of(order) is S.CANCELED
    assert order.filled_qty == 30
    assert order.leaves_qty == 70
    with pytest.raises(InvalidStateTransitionError):
        order.apply(fill(order, 10, 70000, "T-late"))


def test_fill_while_cancel_pending_keeps_the_cancel_pending() -> None:
    order = reach(S.PENDING_CANCEL)
    order.apply(fill(order, 30, 70000))
    assert order.status is S.PENDING_CANCEL
    assert order.is_inflight
    order.apply(event(OrderCancelRejected, order, reason="too late"))
    assert status_of(order) is S.PARTIALLY_FILLED


def test_fill_completing_while_cancel_pending_then_late_cancel_reject() -> None:
    order = reach(S.PENDING_CANCEL)
    order.apply(fill(order, 100, 70000))
    assert order.status is S.FILLED
    order.apply(event(OrderCancelRejected, order, reason="already filled"))
    assert order.status is S.FILLED


def test_modify_of_a_partially_filled_order_gets_a_new_venue_id() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    order.apply(fill(order, 30, 70000))
    order.apply(event(OrderPendingUpdate, order))
    assert order.status is S.PENDING_UPDATE
    order.apply(fill(order, 10, 70000, "T-2"))  # overtakes the modify
    assert order.status is S.PENDING_UPDATE
    order.apply(
        event(
            OrderUpdated,
            order,
            quantity=Quantity("50"),
            price=Price("69900"),
            venue_order_id=VenueOrderId("V-2"),
        )
    )
    assert status_of(order) is S.PARTIALLY_FILLED
    assert order.quantity == 50
    assert order.leaves_qty == 10
    assert order.price == Price("69900")
    assert order.venue_order_ids == ("V-1", "V-2")
    assert order.venue_order_id == "V-2"


def test_modify_down_to_the_filled_quantity_fills_the_order() -> None:
    order = reach(S.PARTIALLY_FILLED)
    order.apply(event(OrderPendingUpdate, order))
    order.apply(event(OrderUpdated, order, quantity=Quantity("10")))
    assert order.status is S.FILLED
    assert order.leaves_qty == 0


def test_modify_below_the_filled_quantity_is_refused() -> None:
    order = reach(S.PARTIALLY_FILLED)
    order.apply(event(OrderPendingUpdate, order))
    before = snapshot(order)
    with pytest.raises(InvalidInputError, match="below the filled"):
        order.apply(event(OrderUpdated, order, quantity=Quantity("5")))
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((OrderSubmitted,), S.SUBMITTED),
        ((OrderSubmitted, OrderAccepted), S.ACCEPTED),
        ((OrderSubmitted, OrderAccepted, OrderTriggered), S.TRIGGERED),
        ((OrderSubmitted, OrderAccepted, OrderFilled), S.PARTIALLY_FILLED),
    ],
)
def test_modify_rejected_restores_the_resting_status(
    path: tuple[type[OrderEvent], ...], expected: OrderStatus
) -> None:
    order = stop_limit_order()
    for cls in path:
        order.apply(sample_event(cls, order))
    order.apply(event(OrderPendingUpdate, order))
    order.apply(event(OrderModifyRejected, order, reason="price out of limits"))
    assert order.status is expected


def test_ack_arriving_while_cancel_pending() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderPendingCancel, order))
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    assert order.status is S.PENDING_CANCEL
    order.apply(event(OrderCancelRejected, order, reason="not cancellable"))
    assert status_of(order) is S.ACCEPTED


def test_ioc_remainder_expires_after_a_partial_fill() -> None:
    order = make_order(time_in_force=TimeInForce.IOC)
    order.apply(event(OrderSubmitted, order))
    order.apply(fill(order, 40, 70000))
    order.apply(event(OrderExpired, order))
    assert order.status is S.EXPIRED
    assert order.filled_qty == 40


def test_stop_order_triggers_then_fills() -> None:
    order = stop_limit_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    order.apply(event(OrderTriggered, order))
    assert order.is_triggered
    order.apply(fill(order, 100, 70000))
    assert order.status is S.FILLED


def test_trigger_of_a_plain_limit_order_is_refused() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderAccepted, order, venue_order_id=VenueOrderId("V-1")))
    with pytest.raises(InvalidStateTransitionError, match="no trigger price"):
        order.apply(event(OrderTriggered, order))
    assert order.status is S.ACCEPTED


def test_local_cancel_and_denial_before_submission() -> None:
    order = make_order()
    order.apply(event(OrderCanceled, order, account_id=None))
    assert order.status is S.CANCELED
    denied = make_order()
    denied.apply(event(OrderDenied, denied, reason="max notional", account_id=None))
    assert denied.status is S.DENIED
    assert denied.is_closed


def test_rejected_by_the_venue() -> None:
    order = make_order()
    order.apply(event(OrderSubmitted, order))
    order.apply(event(OrderRejected, order, reason="APBK0919 market closed"))
    assert order.status is S.REJECTED
    assert order.is_closed
    assert not order.is_open


# ---- random sequences -------------------------------------------------------------------------

EventFactory = Callable[[Order, int], OrderEvent]

# Weights keep random sequences alive long enough to explore: closing events are rare, the
# events that move an open order around are common.
_WEIGHTED_SIMPLE_EVENTS: tuple[type[OrderEvent], ...] = (
    *(OrderAccepted,) * 3,
    *(OrderPendingUpdate,) * 3,
    *(OrderPendingCancel,) * 3,
    *(OrderModifyRejected,) * 2,
    *(OrderCancelRejected,) * 2,
    *(OrderTriggered,) * 2,
    OrderSubmitted,
    OrderDenied,
    OrderRejected,
    OrderCanceled,
    OrderExpired,
)


def _event_strategy() -> st.SearchStrategy[EventFactory]:
    simple = st.sampled_from(_WEIGHTED_SIMPLE_EVENTS).map(
        lambda cls: lambda order, n: sample_event(cls, order, n)
    )
    # trade ids repeat now and then, to exercise duplicate detection
    fills = st.tuples(st.integers(1, 50), st.integers(69000, 71000), st.integers(0, 3)).map(
        lambda t: lambda order, n: fill(order, t[0], t[1], trade_id=f"T-{t[2] if n % 4 else n}")
    )
    updates = st.integers(1, 150).map(
        lambda q: lambda order, n: event(OrderUpdated, order, quantity=Quantity(q))
    )
    return st.one_of(simple, simple, fills, fills, updates)


_PREFIXES: tuple[tuple[type[OrderEvent], ...], ...] = (
    (),
    (OrderSubmitted,),
    (OrderSubmitted, OrderAccepted),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_PREFIXES), st.lists(_event_strategy(), min_size=1, max_size=30))
def test_random_sequences_never_break_invariants(
    prefix: tuple[type[OrderEvent], ...], factories: list[EventFactory]
) -> None:
    order = stop_limit_order()
    for cls in prefix:
        order.apply(sample_event(cls, order))
    applied = order.event_count
    closed_status: OrderStatus | None = None
    prices: list[int] = []
    for n, make in enumerate(factories):
        ev = make(order, n)
        before = snapshot(order)
        refusal: Exception | None = None
        try:
            order.apply(ev)
        except (StateError, InvalidInputError) as exc:
            refusal = exc
        if refusal is not None:
            expected_refusal = isinstance(
                refusal, InvalidStateTransitionError | OverfillError | DuplicateFillError
            ) or "below the filled" in str(refusal)
            assert expected_refusal, refusal
            assert snapshot(order) == before
        else:
            applied += 1
            if isinstance(ev, OrderFilled):
                prices.append(int(ev.last_px.raw))
        assert order.event_count == applied
        assert order.filled_qty + order.leaves_qty == order.quantity
        assert order.filled_qty <= order.quantity
        assert (order.status is S.FILLED) == (order.leaves_qty == 0)
        if closed_status is not None:
            assert order.status is closed_status
        if order.is_closed:
            closed_status = order.status
        if prices:
            avg = order.avg_px
            assert avg is not None
            assert min(prices) <= avg <= max(prices)
        else:
            assert order.avg_px is None
