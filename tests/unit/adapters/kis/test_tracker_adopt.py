"""`OrderTracker.adopt` / `KisExecutionClient.adopt`: a restarted client follows the working
orders rebuilt from the journal, counting fills on from what the journal holds."""

from __future__ import annotations

from jts.adapters.kis.costs import KrxFillCosts
from jts.adapters.kis.tracker import OrderTracker
from jts.domain.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderSubmitted,
)
from jts.domain.identifiers import ClientOrderId, TradeId, VenueOrderId
from jts.domain.orders import Order
from jts.domain.values import KRW, Money, Price, Quantity
from tests.unit.adapters.kis.test_execution import Broker, cancel, make, submit
from tests.unit.adapters.kis.test_tracker import ACC, TS, init, kinds, notice, row

ODNO = "0000000001"


def _base(first: OrderInitialized) -> dict[str, object]:
    return {
        "trader_id": first.trader_id,
        "strategy_id": first.strategy_id,
        "instrument_id": first.instrument_id,
        "client_order_id": first.client_order_id,
        "account_id": ACC,
        "ts_event": TS,
        "ts_init": TS,
    }


def _fill(first: OrderInitialized, qty: int, cum: int, px: int = 70000) -> OrderFilled:
    return OrderFilled(
        **_base(first),  # type: ignore[arg-type]
        venue_order_id=VenueOrderId(ODNO),
        trade_id=TradeId(f"20260302-{ODNO}-{cum}"),
        order_side=first.side,
        order_type=first.order_type,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=KRW,
        commission=Money(0, KRW),
        tax=Money(0, KRW),
        liquidity_side=LiquiditySide.NONE,
    )


def rebuilt(first: OrderInitialized, *later: OrderEvent, accepted: bool = True) -> Order:
    events: list[OrderEvent] = [first, OrderSubmitted(**_base(first))]  # type: ignore[arg-type]
    if accepted:
        events.append(OrderAccepted(**_base(first), venue_order_id=VenueOrderId(ODNO)))  # type: ignore[arg-type]
    return Order.rebuild([*events, *later])


def test_an_adopted_order_counts_fills_on_from_the_journal() -> None:
    first = init(10)
    tracker = OrderTracker(ACC, KrxFillCosts())
    tracked = tracker.adopt(rebuilt(first, _fill(first, 4, 4)), "00")
    assert tracked is not None
    assert (tracked.current, tracked.cum, tracked.ord_dt) == (ODNO, {ODNO: 4}, "20260302")
    assert tracker.client_id_of(ODNO) == first.client_order_id
    # a notice for it is no orphan; its trade id continues the journal's count
    events = tracker.notice(notice(cntg_yn="2", acpt_yn="2", qty=6, price=Price(70000)), TS)
    assert kinds(events) == ["OrderFilled"]  # no second OrderAccepted
    assert events is not None
    assert events[0].trade_id == f"20260302-{ODNO}-10"
    assert tracked.closed


def test_recovery_after_adoption_books_only_what_the_journal_lacks() -> None:
    first = init(10)
    tracker = OrderTracker(ACC, KrxFillCosts())
    tracker.adopt(rebuilt(first, _fill(first, 4, 4)), "00")
    # KIS filled 2 more at 70100 while the node was down: 4*70000 + 2*70100
    events = tracker.recover([row(tot_ccld_qty="6", tot_ccld_amt="420200", rmn_qty="4")], TS)
    (fill,) = events
    assert isinstance(fill, OrderFilled)
    assert (fill.last_qty, fill.last_px) == (Quantity(2), Price(70100))
    assert fill.trade_id == f"20260302-{ODNO}-6"
    same = tracker.recover([row(tot_ccld_qty="6", tot_ccld_amt="420200", rmn_qty="4")], TS)
    assert same == []


def test_closed_unacknowledged_and_known_orders_are_not_adopted() -> None:
    tracker = OrderTracker(ACC, KrxFillCosts())
    first = init(10)
    canceled = OrderCanceled(**_base(first), venue_order_id=VenueOrderId(ODNO))  # type: ignore[arg-type]
    assert tracker.adopt(rebuilt(first, canceled), "00") is None
    filled = init(4)
    assert tracker.adopt(rebuilt(filled, _fill(filled, 4, 4)), "00") is None
    assert tracker.adopt(rebuilt(init(10), accepted=False), "00") is None  # no ODNO to follow
    assert tracker.orders == {}
    assert tracker.adopt(rebuilt(first), "00") is not None
    assert tracker.adopt(rebuilt(first), "00") is None  # already tracked


async def test_a_restarted_client_can_cancel_an_adopted_order() -> None:
    broker = Broker()
    before, events = make(broker)
    first = submit(before)
    await before.drain()
    (accepted,) = events
    assert isinstance(accepted, OrderAccepted)
    order = Order.rebuild(
        [
            first,
            OrderSubmitted(**{**_base(first), "account_id": before.account_id}),  # type: ignore[arg-type]
            accepted,
        ]
    )
    after, seen = make(broker)  # the process restarted: a fresh client
    cancel(after)
    await after.drain()
    assert kinds(seen) == ["OrderCancelRejected"]  # unknown without adoption
    assert after.adopt([order]) == 1
    cancel(after)
    await after.drain()
    assert isinstance(seen[-1], OrderCanceled)
    (body,) = broker.bodies("order-rvsecncl")
    assert body["ORGN_ODNO"] == str(accepted.venue_order_id)
    assert not isinstance(seen[-1], OrderCancelRejected)


async def test_adoption_drops_orphan_fills_and_replays_other_orphans() -> None:
    broker = Broker()
    client, seen = make(broker)
    first = init(10)
    order = rebuilt(first, _fill(first, 4, 4))
    fill = notice(cntg_yn="2", acpt_yn="2", qty=4, price=Price(70000))
    stray = notice(odno="0000000099", cntg_yn="2", acpt_yn="2", qty=1)
    client.handle_notice(fill, TS)  # arrived before adoption: an orphan
    client.handle_notice(stray, TS)
    assert set(client.tracker.orphans) == {ODNO, "0000000099"}
    assert client.adopt([order]) == 1
    assert seen == []  # the orphan fill is not booked on top of the journal's
    assert set(client.tracker.orphans) == {"0000000099"}  # still nobody's
    assert client.tracker.orders[ClientOrderId(str(first.client_order_id))].cum == {ODNO: 4}


def test_orders_krx_cannot_express_were_never_sent_and_are_skipped() -> None:
    broker = Broker()
    client, _ = make(broker)
    odd = OrderInitialized(
        **{**_base(init(10)), "client_order_id": ClientOrderId("O-9")},  # type: ignore[arg-type]
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(10),
        price=Price(70000),
        time_in_force=TimeInForce.GTC,
    )
    odd_order = Order.rebuild(
        [
            odd,
            OrderSubmitted(**{**_base(odd), "account_id": ACC}),  # type: ignore[arg-type]
            OrderAccepted(**_base(odd), venue_order_id=VenueOrderId(ODNO)),  # type: ignore[arg-type]
        ]
    )
    assert client.adopt([odd_order]) == 0
