"""Reconciliation planning: the journal's orders against the venue's reports."""

from __future__ import annotations

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
    OrderFilled,
    OrderInitialized,
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
from jts.live.reconciliation import plan, position_differences, rebuild_orders

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
