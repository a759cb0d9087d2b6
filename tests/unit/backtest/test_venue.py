"""`SimulatedVenue` on its own: the events it sends, its refusals and its reports."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from jts.backtest.venue import DuplicateOrderError
from jts.core.clock import SimulatedClock
from jts.core.errors import StateError
from jts.domain.commands import CancelAllOrders
from jts.domain.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, PositionSide
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from jts.domain.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from jts.domain.values import KRW, Money, Price, Quantity
from jts.matching.models import FillMode, FixedLatency, MatchingConfig
from jts.ports.execution import ExecutionClient

from .venue_support import (
    ACCOUNT,
    FRIDAY,
    SAMSUNG,
    STRATEGY,
    TRADER,
    at,
    bar,
    cancel,
    feed,
    make_venue,
    modify,
    submit,
)

BUY, SELL = OrderSide.BUY, OrderSide.SELL


@pytest.fixture
def clock() -> SimulatedClock:
    """Friday's close: the tests feed Friday's last bar, then Monday's."""
    return SimulatedClock(at("1530", FRIDAY))


FRIDAY_CLOSE = bar("1530", 70000, 70000, 70000, 70000, day=FRIDAY)
FIRST = bar("0901", 70000, 70100, 69900, 70000)


def test_it_is_an_execution_client() -> None:
    venue, _ = make_venue(SimulatedClock(0))
    assert isinstance(venue, ExecutionClient)
    assert (venue.venue, venue.account_id) == ("KRX", ACCOUNT)


def test_accepts_at_once_and_fills_at_the_next_open_with_costs(clock: SimulatedClock) -> None:
    venue, sink = make_venue(clock)
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "O-1", BUY, 10)
    (accepted,) = sink.take()
    assert accepted == OrderAccepted(
        trader_id=TRADER,
        strategy_id=STRATEGY,
        instrument_id=SAMSUNG.id,
        client_order_id=ClientOrderId("O-1"),
        account_id=ACCOUNT,
        venue_order_id=VenueOrderId("SIM-00000001"),
        ts_event=at("0901"),
        ts_init=at("0901"),
    )
    feed(venue, clock, bar("0902", 70300, 70400, 70200, 70300))
    (fill,) = sink.take()
    assert isinstance(fill, OrderFilled)
    assert (fill.last_px, fill.last_qty) == (Price(70300), Quantity(10))
    assert fill.trade_id == TradeId("SIM-T00000001")
    assert fill.venue_order_id == VenueOrderId("SIM-00000001")
    assert (fill.order_side, fill.order_type) == (BUY, OrderType.MARKET)
    assert fill.commission == Money(70, KRW)  # 703,000 x 0.01 %, truncated
    assert fill.tax == Money(0, KRW)
    assert fill.currency == KRW
    assert fill.liquidity_side is LiquiditySide.TAKER
    assert fill.ts_event == at("0902") == fill.ts_init
    assert fill.account_id == ACCOUNT


def test_sell_fills_pay_the_tax(clock: SimulatedClock) -> None:
    venue, sink = make_venue(clock, MatchingConfig(fill=FillMode.CLOSE))
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "O-1", SELL, 10)
    accepted, fill = sink.take()
    assert isinstance(accepted, OrderAccepted)
    assert isinstance(fill, OrderFilled)
    assert (fill.last_px, fill.tax, fill.commission) == (
        Price(70000),
        Money(1400, KRW),
        Money(70, KRW),
    )


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"price": 70050}, "005930.KRX: price 70,050 is off the 100 KRW tick"),
        ({"price": 91100}, "above the upper limit 91,000"),
        ({"price": 70000, "post_only": True}, "post-only orders are not supported"),
        ({"account": AccountId("SIM-999")}, "order for account SIM-999 sent to SIM-001"),
    ],
)
def test_refusals_are_order_rejected_with_the_rule(
    clock: SimulatedClock, kwargs: dict[str, object], reason: str
) -> None:
    venue, sink = make_venue(clock)
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "O-1", BUY, 1, **kwargs)
    (rejected,) = sink.take()
    assert isinstance(rejected, OrderRejected)
    assert reason in rejected.reason
    assert rejected.client_order_id == "O-1"
    assert rejected.account_id == ACCOUNT
    cancel(venue, clock, "O-1")
    assert sink.take()[0].reason == "order O-1 was rejected by the venue"  # type: ignore[union-attr]
    with pytest.raises(DuplicateOrderError, match="O-1 was already submitted"):
        submit(venue, clock, "O-1", BUY, 1)


def test_unknown_instruments_are_rejected(clock: SimulatedClock) -> None:
    from jts.domain.commands import SubmitOrder
    from jts.domain.identifiers import InstrumentId

    from .venue_support import order_init

    venue, sink = make_venue(clock)
    init = order_init("O-1", BUY, 1, clock.timestamp_ns())
    other = InstrumentId("000660.KRX")
    init = type(init)(
        **{**{f: getattr(init, f) for f in init.__struct_fields__}, "instrument_id": other}
    )
    venue.submit_order(
        SubmitOrder(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=other,
            command_id="C-1",
            ts_init=0,
            order=init,
        )
    )
    assert "unknown instrument 000660.KRX at KRX" in sink[0].reason  # type: ignore[union-attr]


def test_modify_cancel_and_their_refusals(clock: SimulatedClock) -> None:
    venue, sink = make_venue(clock)
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "O-1", BUY, 10, price=69000)
    sink.take()
    modify(venue, clock, "O-1", price=Price(69500), quantity=Quantity(12))
    (updated,) = sink.take()
    assert isinstance(updated, OrderUpdated)
    assert (updated.price, updated.quantity, updated.trigger_price) == (
        Price(69500),
        Quantity(12),
        None,
    )
    assert updated.venue_order_id == VenueOrderId("SIM-00000001")
    modify(venue, clock, "O-1", price=Price(69550))
    (refused,) = sink.take()
    assert isinstance(refused, OrderModifyRejected)
    assert "off the 100 KRW tick" in refused.reason
    cancel(venue, clock, "O-1")
    (canceled,) = sink.take()
    assert isinstance(canceled, OrderCanceled)
    assert canceled.reason == "canceled on request"
    cancel(venue, clock, "O-1")
    assert sink.take()[0] == OrderCancelRejected(
        trader_id=TRADER,
        strategy_id=STRATEGY,
        instrument_id=SAMSUNG.id,
        client_order_id=ClientOrderId("O-1"),
        account_id=ACCOUNT,
        venue_order_id=VenueOrderId("SIM-00000001"),
        reason="order O-1 is already canceled",
        ts_event=at("0901"),
        ts_init=at("0901"),
    )
    cancel(venue, clock, "O-404")
    modify(venue, clock, "O-404", quantity=Quantity(1))
    unknown_cancel, unknown_modify = sink.take()
    assert isinstance(unknown_cancel, OrderCancelRejected)
    assert isinstance(unknown_modify, OrderModifyRejected)
    assert unknown_modify.reason == "order O-404 is not known to the venue"


def test_a_cancel_that_arrives_after_the_fill_is_rejected(clock: SimulatedClock) -> None:
    venue, sink = make_venue(clock, MatchingConfig(latency=FixedLatency.millis(20)))
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "O-1", BUY, 10, price=69900)
    feed(venue, clock, bar("0902", 70000, 70100, 70000, 70000))
    cancel(venue, clock, "O-1")  # in flight for 20 ms, while the 09:03 bar trades through
    feed(venue, clock, bar("0903", 70000, 70000, 69800, 69900))
    assert sink.names() == ["OrderAccepted", "OrderFilled", "OrderCancelRejected"]
    assert sink[-1].reason == "order O-1 is already filled"  # type: ignore[union-attr]


def test_stops_expiry_and_process_time(clock: SimulatedClock) -> None:
    venue, sink = make_venue(clock)
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "S-1", SELL, 5, trigger=69500)
    submit(venue, clock, "L-1", BUY, 5, price=60000)
    feed(venue, clock, bar("0902", 69600, 69600, 69400, 69500))
    assert sink.names()[-2:] == ["OrderTriggered", "OrderFilled"]
    assert isinstance(sink[-2], OrderTriggered)
    clock.set_time(at("1530"))
    venue.process_time(at("1530"))
    assert isinstance(sink[-1], OrderExpired)
    assert sink[-1].client_order_id == "L-1"


def test_cancel_all_cancels_each_open_order_of_the_strategy(clock: SimulatedClock) -> None:
    venue, sink = make_venue(clock)
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "B-1", BUY, 5, price=60000)
    submit(venue, clock, "B-2", BUY, 5, price=61000)
    submit(venue, clock, "S-1", SELL, 5, price=80000)
    sink.take()
    venue.cancel_all_orders(
        CancelAllOrders(
            trader_id=TRADER,
            strategy_id=STRATEGY,
            instrument_id=SAMSUNG.id,
            command_id="C-all",
            ts_init=0,
            order_side=BUY,
        )
    )
    assert [(type(e).__name__, getattr(e, "client_order_id", None)) for e in sink] == [
        ("OrderCanceled", "B-1"),
        ("OrderCanceled", "B-2"),
    ]


def test_reports_reflect_the_venues_books(clock: SimulatedClock) -> None:
    venue, _ = make_venue(clock)
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "B-1", BUY, 10)
    submit(venue, clock, "B-2", BUY, 10)
    submit(venue, clock, "L-1", BUY, 3, price=60000)
    feed(venue, clock, bar("0902", 70000, 70100, 69900, 70000))
    submit(venue, clock, "S-1", SELL, 5)
    feed(venue, clock, bar("0903", 70600, 70700, 70500, 70600))

    open_reports = asyncio.run(venue.order_status_reports())
    assert [(str(r.client_order_id), r.order_status) for r in open_reports] == [
        ("L-1", OrderStatus.ACCEPTED)
    ]
    everything = asyncio.run(venue.order_status_reports(open_only=False))
    assert [r.order_status for r in everything] == [
        OrderStatus.FILLED,
        OrderStatus.FILLED,
        OrderStatus.ACCEPTED,
        OrderStatus.FILLED,
    ]
    assert everything[0].avg_px == Decimal(70000)
    assert everything[0].filled_qty == Quantity(10)

    fills = asyncio.run(venue.fill_reports())
    assert [(str(f.client_order_id), f.last_px.raw) for f in fills] == [
        ("B-1", 70000),
        ("B-2", 70000),
        ("S-1", 70600),
    ]
    assert fills[2].tax == Money(706, KRW)
    assert len(asyncio.run(venue.fill_reports(since_ns=at("0903")))) == 1
    assert len(asyncio.run(venue.fill_reports(client_order_id=ClientOrderId("B-2")))) == 1

    (position,) = asyncio.run(venue.position_reports())
    assert (position.position_side, position.quantity) == (PositionSide.LONG, Quantity(15))
    assert position.avg_px_open == Decimal(70000)
    assert position.account_id == ACCOUNT


def test_a_flat_position_is_reported_flat(clock: SimulatedClock) -> None:
    venue, _ = make_venue(clock, MatchingConfig(fill=FillMode.CLOSE))
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    submit(venue, clock, "B-1", BUY, 4)
    submit(venue, clock, "S-1", SELL, 4)
    (position,) = asyncio.run(venue.position_reports())
    assert (position.position_side, position.quantity, position.avg_px_open) == (
        PositionSide.FLAT,
        Quantity(0),
        None,
    )


def test_an_unbound_venue_refuses_to_send(clock: SimulatedClock) -> None:
    venue, _ = make_venue(clock)
    venue.bind(None)  # type: ignore[arg-type]
    with pytest.raises(StateError, match="not bound to a kernel"):
        submit(venue, clock, "O-1", BUY, 1)


def _scenario() -> list[object]:
    clock = SimulatedClock(at("1530", FRIDAY))
    venue, sink = make_venue(clock, MatchingConfig(latency=FixedLatency.millis(5)))
    feed(venue, clock, FRIDAY_CLOSE, FIRST)
    for i, minute in enumerate(("0902", "0903", "0904", "0905", "0906")):
        submit(venue, clock, f"M-{i}", BUY if i % 2 else SELL, 3)
        submit(venue, clock, f"L-{i}", BUY, 2, price=69800 + 100 * i)
        if i == 2:
            cancel(venue, clock, "L-1")
        feed(venue, clock, bar(minute, 70000 + 100 * i, 70400, 69600, 70000))
    return list(sink)


def test_two_runs_send_identical_events() -> None:
    first, second = _scenario(), _scenario()
    assert first == second
    assert sum(isinstance(e, OrderFilled) for e in first) >= 5
