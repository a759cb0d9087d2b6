"""Reconciliation planning: the journal's orders against the venue's reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jts.domain.enums import (
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderRejected,
    OrderSubmitted,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.orders import Order
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import KRW, Money, Price, Quantity
from jts.live.reconciliation import (
    NEVER_SENT,
    difference_events,
    plan,
    position_differences,
    rebuild_orders,
    report_window_start,
)

IID = InstrumentId("005930.KRX")
ACC = AccountId("KIS-12345678-01")
T0 = 1_700_000_000_000_000_000
NOW = T0 + 10**12


def _order(cid: str = "O-1", qty: int = 10, *, accepted: str | None = "0001") -> Order:
    common = {
        "trader_id": TraderId("JTS-001"),
        "strategy_id": StrategyId("S-1"),
        "instrument_id": IID,
        "client_order_id": ClientOrderId(cid),
    }
    order = Order(
        OrderInitialized(
            **common,
            ts_event=T0,
            ts_init=T0,
            side=OrderSide.BUY,
            order_type=OrderType.MARKET,
            quantity=Quantity(qty),
        )
    )
    order.apply(OrderSubmitted(**common, account_id=ACC, ts_event=T0 + 1, ts_init=T0 + 1))
    if accepted is not None:
        order.apply(
            OrderAccepted(
                **common,
                account_id=ACC,
                venue_order_id=VenueOrderId(accepted),
                ts_event=T0 + 2,
                ts_init=T0 + 2,
            )
        )
    return order


def _fill_event(order: Order, qty: int, px: int, trade: str) -> OrderFilled:
    return OrderFilled(
        trader_id=order.trader_id,
        strategy_id=order.strategy_id,
        instrument_id=IID,
        client_order_id=order.client_order_id,
        account_id=ACC,
        venue_order_id=order.venue_order_id or VenueOrderId("0001"),
        trade_id=TradeId(trade),
        order_side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=KRW,
        commission=Money(10, KRW),
        tax=Money(0, KRW),
        ts_event=T0 + 3,
        ts_init=T0 + 3,
    )


def _status(
    venue_id: str = "0001",
    *,
    qty: int = 10,
    filled: int = 10,
    status: OrderStatus = OrderStatus.FILLED,
    avg: str | None = "70000",
    accepted_at: int = T0 + 2,
) -> OrderStatusReport:
    return OrderStatusReport(
        account_id=ACC,
        instrument_id=IID,
        report_id=f"r-{venue_id}",
        ts_init=NOW,
        venue_order_id=VenueOrderId(venue_id),
        order_side=OrderSide.BUY,
        order_type=OrderType.MARKET,
        time_in_force=TimeInForce.DAY,
        order_status=status,
        quantity=Quantity(qty),
        filled_qty=Quantity(filled),
        avg_px=None if avg is None else Decimal(avg),
        ts_accepted=accepted_at,
        ts_last=T0 + 5,
    )


def _fill_report(venue_id: str = "0001", qty: int = 10, px: int = 70000, trade: str = "t-10"):
    return FillReport(
        account_id=ACC,
        instrument_id=IID,
        report_id=f"f-{venue_id}",
        ts_init=NOW,
        venue_order_id=VenueOrderId(venue_id),
        trade_id=TradeId(trade),
        order_side=OrderSide.BUY,
        last_qty=Quantity(qty),
        last_px=Price(px),
        currency=KRW,
        commission=Money(105, KRW),
        tax=Money(0, KRW),
        ts_event=T0 + 5,
    )


def test_a_fill_missed_while_down_is_planned_once_with_its_costs() -> None:
    order = _order()
    result = plan([order], [_status()], [_fill_report()], now=NOW)
    assert len(result.events) == 1
    fill = result.events[0]
    assert isinstance(fill, OrderFilled)
    assert (fill.last_qty, fill.last_px, fill.trade_id) == (Quantity(10), Price(70000), "t-10")
    assert fill.commission == Money(105, KRW)
    order.apply(fill)
    assert order.status is OrderStatus.FILLED
    # run again: nothing left to do
    assert plan([order], [_status()], [_fill_report()], now=NOW).events == []


def test_only_the_unbooked_part_of_a_partly_known_order_is_filled() -> None:
    order = _order()
    order.apply(_fill_event(order, 4, 69900, "t-4"))
    result = plan([order], [_status(avg="70000")], [_fill_report()], now=NOW)
    (fill,) = result.events
    assert isinstance(fill, OrderFilled)
    assert fill.last_qty == Quantity(6)
    # (10 x 70000 - 4 x 69900) / 6 = 70066.67, rounded to the price's precision (whole won)
    assert fill.last_px == Price(70067)
    assert fill.commission == Money(95, KRW)  # 105 charged in all, 10 already booked


def test_a_submission_without_an_answer_is_matched_accepted_and_filled() -> None:
    order = _order(accepted=None)
    result = plan([order], [_status("0007")], [_fill_report("0007")], now=NOW)
    kinds = [type(e).__name__ for e in result.events]
    assert kinds == ["OrderAccepted", "OrderFilled"]
    for event in result.events:
        order.apply(event)
    assert order.status is OrderStatus.FILLED
    assert order.venue_order_id == "0007"


def test_a_venue_order_placed_before_the_submission_is_not_claimed() -> None:
    order = _order(accepted=None)
    early = _status("0007", status=OrderStatus.ACCEPTED, filled=0, accepted_at=T0 - 10**12)
    result = plan([order], [early], [], now=NOW)
    assert result.events == []
    assert [r.venue_order_id for r in result.external] == ["0007"]
    assert result.differences == 1


def test_a_cancel_at_the_venue_closes_the_order() -> None:
    order = _order()
    report = _status(status=OrderStatus.CANCELED, filled=0, avg=None)
    (event,) = plan([order], [report], [], now=NOW).events
    assert isinstance(event, OrderCanceled)
    order.apply(event)
    assert order.is_closed


def test_unknown_open_venue_orders_are_external_and_closed_ones_ignored() -> None:
    external = _status("0099", status=OrderStatus.ACCEPTED, filled=0, avg=None)
    old = _status("0098")
    result = plan([], [external, old], [], now=NOW)
    assert [r.venue_order_id for r in result.external] == ["0099"]


def test_filled_without_fill_report_is_noted_not_guessed() -> None:
    result = plan([_order()], [_status()], [], now=NOW)
    assert result.events == []
    assert "no fill report" in result.notes[0]


def test_closed_orders_are_left_alone() -> None:
    order = _order()
    order.apply(_fill_event(order, 10, 70000, "t-10"))
    result = plan([order], [_status()], [_fill_report()], now=NOW)
    assert (result.events, result.external) == ([], [])


def _position(qty: int) -> PositionReport:
    side = PositionSide.LONG if qty > 0 else PositionSide.FLAT
    return PositionReport(
        account_id=ACC,
        instrument_id=IID,
        report_id="p",
        ts_init=NOW,
        position_side=side,
        quantity=Quantity(abs(qty)),
        ts_last=NOW,
    )


def test_position_differences_compare_only_traded_instruments() -> None:
    other = InstrumentId("000660.KRX")
    assert position_differences({IID: Decimal(3)}, [_position(3)]) == []
    (diff,) = position_differences({IID: Decimal(2), other: Decimal(0)}, [_position(3)])
    assert (diff.instrument_id, diff.node_qty, diff.venue_qty) == (IID, 2, 3)
    assert position_differences({}, [_position(5)]) == []


class _Journal:
    """Only `replay` is used by `rebuild_orders`; records come from real orders."""

    def __init__(self, events: list) -> None:
        self._events = events

    def replay(self, after_sequence: int = 0):
        from jts.ports.repositories import JournalRecord

        for seq, event in enumerate(self._events, start=1):
            yield JournalRecord(sequence=seq, order_seq=seq, event=event)


def test_rebuild_orders_replays_histories_and_isolates_broken_ones() -> None:
    good = _order("O-1")
    bad = _order("O-2")
    bad_events = list(bad.events)
    # a history that starts with a fill cannot be replayed
    broken = [_fill_event(bad, 1, 70000, "x")]
    journal = _Journal([*good.events, *broken])
    result = rebuild_orders(journal)  # type: ignore[arg-type]
    assert [str(o.client_order_id) for o in result.orders] == ["O-1"]
    assert result.orders[0].status is good.status
    assert "O-2" in result.broken
    assert result.last_sequence == len(good.events) + 1
    assert bad_events  # the broken order really had a valid history elsewhere


# ---- orders the venue never got -----------------------------------------------------------


def _initialized_only(cid: str = "O-9") -> Order:
    return Order(
        OrderInitialized(
            trader_id=TraderId("JTS-001"),
            strategy_id=StrategyId("S-1"),
            instrument_id=IID,
            client_order_id=ClientOrderId(cid),
            ts_event=T0,
            ts_init=T0,
            side=OrderSide.BUY,
            order_type=OrderType.MARKET,
            quantity=Quantity(1),
        )
    )


def test_a_submission_the_venue_never_got_is_rejected_at_start_up() -> None:
    order = _order("O-5", accepted=None)
    result = plan([order], [], [], now=NOW, close_unsent=True, reports_since_ns=T0 - 1)
    (event,) = result.events
    assert isinstance(event, OrderRejected)
    assert event.reason.startswith(NEVER_SENT)
    assert (event.client_order_id, event.account_id, event.ts_event) == ("O-5", ACC, NOW)
    assert result.never_sent == ["O-5"]
    order.apply(event)  # the transition table accepts it
    assert order.status is OrderStatus.REJECTED


def test_periodic_reconciliation_leaves_an_unanswered_submission_alone() -> None:
    """Outside start-up a submission may simply be in flight."""
    order = _order("O-5", accepted=None)
    result = plan([order], [], [], now=NOW)
    assert result.events == []
    assert result.never_sent == []
    assert result.notes == ["O-5 (SUBMITTED) not reported"]


def test_an_order_only_initialized_is_canceled_as_never_sent() -> None:
    order = _initialized_only()
    result = plan([order], [], [], now=NOW, close_unsent=True)
    (event,) = result.events
    assert isinstance(event, OrderCanceled)
    assert NEVER_SENT in event.reason
    order.apply(event)
    assert order.status is OrderStatus.CANCELED


def test_an_unanswered_order_with_a_cancel_pending_is_canceled_as_never_sent() -> None:
    order = _order("O-6", accepted=None)
    order.apply(
        OrderPendingCancel(
            trader_id=order.trader_id,
            strategy_id=order.strategy_id,
            instrument_id=IID,
            client_order_id=order.client_order_id,
            account_id=ACC,
            ts_event=T0 + 3,
            ts_init=T0 + 3,
        )
    )
    (event,) = plan([order], [], [], now=NOW, close_unsent=True).events
    assert isinstance(event, OrderCanceled)
    order.apply(event)
    assert order.is_closed


def test_the_venue_knowing_the_order_wins_over_never_sent() -> None:
    """Found in the reports (matched like any unanswered submission): the venue's state."""
    order = _order(accepted=None)
    result = plan([order], [_status("0007")], [_fill_report("0007")], now=NOW, close_unsent=True)
    assert [type(e).__name__ for e in result.events] == ["OrderAccepted", "OrderFilled"]
    assert result.never_sent == []


def test_an_acknowledged_order_missing_from_the_reports_is_not_called_never_sent() -> None:
    order = _order(accepted="0001")
    result = plan([order], [], [], now=NOW, close_unsent=True)
    assert result.events == []
    assert result.notes == ["O-1 (ACCEPTED) not reported"]


def test_a_day_order_sent_before_the_report_window_is_expired_and_noted() -> None:
    order = _order("O-7", accepted=None)
    result = plan([order], [], [], now=NOW, close_unsent=True, reports_since_ns=NOW - 10)
    (event,) = result.events
    assert isinstance(event, OrderExpired)
    assert "report window" in result.notes[0]
    order.apply(event)
    assert order.status is OrderStatus.EXPIRED


def test_the_report_window_is_the_current_kst_day() -> None:
    from jts.core.time import kst_to_ns

    now = kst_to_ns(dt.date(2024, 3, 4), "083000")
    assert report_window_start(now) == kst_to_ns(dt.date(2024, 3, 4))
    assert report_window_start(now - 9 * 3600 * 10**9) == kst_to_ns(dt.date(2024, 3, 3))


def test_rebuild_orders_lists_fills_in_journal_order_across_orders() -> None:
    a = _order("O-A")
    b = _order("O-B")
    a1 = _fill_event(a, 4, 70000, "a1")
    b1 = _fill_event(b, 10, 70100, "b1")
    a2 = _fill_event(a, 6, 70200, "a2")
    journal = _Journal([*a.events, *b.events, a1, b1, a2])
    result = rebuild_orders(journal)  # type: ignore[arg-type]
    assert [str(f.trade_id) for f in result.fills] == ["a1", "b1", "a2"]


def test_a_closed_orders_venue_order_is_never_claimed_by_an_unanswered_one() -> None:
    """The same instrument, side and quantity, placed after the submission: it still belongs
    to the closed order that has its venue id, and the unanswered one was never sent."""
    done = _order("O-1", accepted="0007")
    done.apply(_fill_event(done, 10, 70000, "t-10"))
    unanswered = _order("O-2", accepted=None)
    report = _status("0007", accepted_at=T0 + 10)
    result = plan([unanswered, done], [report], [_fill_report("0007")], now=NOW, close_unsent=True)
    (event,) = result.events
    assert isinstance(event, OrderRejected)
    assert event.client_order_id == "O-2"
    assert result.external == []


def test_difference_events_name_missed_fills_unsent_external_orders_and_positions() -> None:
    filled = _order("O-1")
    unsent = _order("O-2", accepted=None)
    # a quantity no unanswered order of the node has: nobody claims it
    external = _status("0099", qty=5, status=OrderStatus.ACCEPTED, filled=0, avg=None)
    result = plan(
        [filled, unsent],
        [_status(), external],
        [_fill_report()],
        now=NOW,
        close_unsent=True,
        reports_since_ns=T0 - 1,
    )
    positions = position_differences({IID: Decimal(2)}, [_position(3)])
    events = difference_events(
        result, positions, trader_id=TraderId("JTS-001"), account_id=ACC, now=NOW
    )
    assert [(e.subject, e.ours, e.venue, e.action) for e in events] == [
        ("order O-1", "fill not booked", "filled 10 @ 70000", "fill booked"),
        ("order O-2", "sent", "not received", "closed as never sent"),
        ("venue order 0099", "unknown", "BUY 5 005930.KRX ACCEPTED", "flagged as external"),
        ("position 005930.KRX", "2", "3", "logged; the node's books are left as they are"),
    ]
    assert {(e.account_id, e.trader_id, e.ts_event) for e in events} == {(ACC, "JTS-001", NOW)}


def test_a_reconciliation_that_only_caught_up_has_nothing_to_alert() -> None:
    order = _order()
    result = plan([order], [_status(status=OrderStatus.CANCELED, filled=0, avg=None)], [], now=NOW)
    assert len(result.events) == 1  # the cancel it missed: routine, only logged
    assert (
        difference_events(result, [], trader_id=TraderId("JTS-001"), account_id=ACC, now=NOW) == []
    )
