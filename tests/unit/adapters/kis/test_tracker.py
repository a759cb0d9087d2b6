from __future__ import annotations

from jts.adapters.kis.costs import KrxFillCosts
from jts.adapters.kis.parse import kst_ns
from jts.adapters.kis.parse_stream import KisNotice, normalize_odno
from jts.adapters.kis.schemas import DailyCcldRow
from jts.adapters.kis.tracker import OrderTracker, PendingRequest, TrackedOrder
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import (
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
)
from jts.domain.values import KRW, Money, Price, Quantity

ACC = AccountId("KIS-12345678-01")
TS = kst_ns("20260302", "100000")


def init(
    qty: int = 10, price: int | None = 70000, side: OrderSide = OrderSide.BUY
) -> OrderInitialized:
    return OrderInitialized(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId("O-1"),
        ts_event=TS,
        ts_init=TS,
        side=side,
        order_type=OrderType.LIMIT if price is not None else OrderType.MARKET,
        quantity=Quantity(qty),
        price=Price(price) if price is not None else None,
    )


def setup(qty: int = 10, **kw) -> tuple[OrderTracker, TrackedOrder]:
    tracker = OrderTracker(ACC, KrxFillCosts())
    first = init(qty, **kw)
    order = TrackedOrder(
        init=first,
        account_id=ACC,
        ord_dvsn="00",
        ord_dt="20260302",
        submitted_ns=TS,
        quantity=first.quantity,
        price=first.price,
    )
    tracker.add(order)
    return tracker, order


def notice(**kw) -> KisNotice:
    fields = dict(
        account_no="1234567801",
        odno="0000000001",
        orig_odno="",
        side=OrderSide.BUY,
        rctf_cls="0",
        ord_dvsn="00",
        symbol="005930",
        qty=10,
        price=Price(70000),
        hhmmss="100001",
        rejected=False,
        cntg_yn="1",
        acpt_yn="1",
        order_qty=10,
        order_price=Price(70000),
        exchange="1",
    )
    fields.update(kw)
    fields["odno"] = normalize_odno(fields["odno"])  # as the parser delivers them
    fields["orig_odno"] = normalize_odno(fields["orig_odno"]) if fields["orig_odno"] else ""
    return KisNotice(**fields)


def kinds(events) -> list[str]:
    return [type(e).__name__ for e in events]


def test_accept_once_whether_rest_or_notice_comes_first():
    tracker, order = setup()
    events = tracker.notice(notice(), TS)
    assert events is None  # unknown ODNO: held as an orphan by the caller
    tracker.hold_orphan(notice(), TS)
    events = tracker.accepted(order, "1", TS)
    assert kinds(events) == ["OrderAccepted"]  # the orphan ack adds nothing
    assert events[0].venue_order_id == "0000000001"
    assert tracker.accepted(order, "0000000001", TS) == []
    assert tracker.orphans == {}


def test_fill_before_ack_and_fill_ids_per_odno():
    tracker, order = setup()
    tracker.bind(order, "1")
    events = tracker.notice(notice(cntg_yn="2", acpt_yn="2", qty=4, price=Price(70000)), TS)
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    fill = events[1]
    assert isinstance(fill, OrderFilled)
    assert fill.trade_id == TradeId("20260302-0000000001-4")
    assert fill.last_qty == Quantity(4)
    assert fill.last_px == Price(70000)
    assert fill.commission == Money(39, KRW)
    assert fill.tax == Money(0, KRW)
    assert fill.ts_event == kst_ns("20260302", "100001")
    second = tracker.notice(notice(cntg_yn="2", acpt_yn="2", qty=6, price=Price(70100)), TS)
    assert kinds(second) == ["OrderFilled"]
    assert second[0].trade_id == "20260302-0000000001-10"
    assert order.closed
    assert order.leaves == 0


def test_sell_fills_pay_the_transaction_tax():
    tracker, order = setup(side=OrderSide.SELL)
    tracker.accepted(order, "1", TS)
    (fill,) = tracker.notice(notice(side=OrderSide.SELL, cntg_yn="2", acpt_yn="2", qty=10), TS)
    assert fill.tax.raw > 0


def test_rejection_notice_and_rest_rejection():
    tracker, order = setup()
    tracker.bind(order, "1")
    (event,) = tracker.notice(notice(rejected=True), TS)
    assert isinstance(event, OrderRejected)
    assert order.closed
    tracker2, order2 = setup()
    (event,) = tracker2.rejected(order2, "APBK0952 주문가능금액을 초과 했습니다", TS)
    assert event.reason.startswith("APBK0952")
    assert tracker2.rejected(order2, "again", TS) == []


def test_ioc_remainder_cancelled_by_the_exchange():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    tracker.notice(notice(cntg_yn="2", acpt_yn="2", qty=3), TS)
    (event,) = tracker.notice(notice(acpt_yn="3", qty=7), TS)
    assert isinstance(event, OrderCanceled)
    assert "IOC" in event.reason
    assert order.closed


def test_modify_moves_the_order_to_a_new_odno_once():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    order.pending = PendingRequest(
        "modify", quantity=order.quantity, price=Price(69900), target_odno="0000000001"
    )
    # the notice of the modify arrives before the REST answer
    events = tracker.notice(
        notice(odno="2", orig_odno="1", rctf_cls="1", acpt_yn="2", order_price=Price(69900)), TS
    )
    assert kinds(events) == ["OrderUpdated"]
    update = events[0]
    assert isinstance(update, OrderUpdated)
    assert update.venue_order_id == "0000000002"
    assert update.price == Price(69900)
    assert order.current == "0000000002"
    assert order.pending is None
    assert tracker.request_acked(order, "2", TS) == []  # the REST answer adds nothing
    fill = tracker.notice(
        notice(odno="2", cntg_yn="2", acpt_yn="2", qty=10, price=Price(69900)), TS
    )
    assert kinds(fill) == ["OrderFilled"]
    assert fill[0].venue_order_id == "0000000002"


def test_cancel_ack_and_partial_cancel():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    order.pending = PendingRequest(
        "cancel", quantity=Quantity(6), cancel_qty=4, target_odno="0000000001", for_modify=True
    )
    (event,) = tracker.request_acked(order, "3", TS)
    assert isinstance(event, OrderUpdated)
    assert event.quantity == Quantity(6)
    # the cancel's own notice comes later and is recognised
    assert (
        tracker.notice(notice(odno="3", orig_odno="1", rctf_cls="2", acpt_yn="2", qty=4), TS) == []
    )
    order.pending = PendingRequest(
        "cancel", quantity=Quantity(0), cancel_qty=6, target_odno="0000000001"
    )
    (event,) = tracker.request_acked(order, "4", TS)
    assert isinstance(event, OrderCanceled)
    assert order.closed


def test_request_rejections_name_the_right_kind():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    order.pending = PendingRequest("cancel", quantity=Quantity(0), cancel_qty=10)
    (event,) = tracker.request_rejected(order, "APBK0415", TS)
    assert isinstance(event, OrderCancelRejected)
    order.pending = PendingRequest("cancel", quantity=Quantity(5), cancel_qty=5, for_modify=True)
    (event,) = tracker.request_rejected(order, "x", TS)
    assert isinstance(event, OrderModifyRejected)
    assert tracker.request_rejected(order, "none pending", TS) == []


def test_changes_made_outside_jts_are_followed():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    (event,) = tracker.notice(notice(odno="5", orig_odno="1", rctf_cls="2", acpt_yn="2", qty=4), TS)
    assert isinstance(event, OrderUpdated)
    assert event.quantity == Quantity(6)
    (event,) = tracker.notice(
        notice(odno="6", orig_odno="1", rctf_cls="1", acpt_yn="2", qty=6, order_price=Price(69000)),
        TS,
    )
    assert isinstance(event, OrderUpdated)
    assert event.venue_order_id == "0000000006"
    assert event.price == Price(69000)
    assert order.current == "0000000006"


def row(**kw: str) -> DailyCcldRow:
    fields = dict(
        ord_dt="20260302",
        odno="0000000001",
        sll_buy_dvsn_cd="02",
        pdno="005930",
        ord_qty="10",
        ord_unpr="70000",
        ord_tmd="100000",
        tot_ccld_qty="0",
        tot_ccld_amt="0",
        rmn_qty="10",
        ord_dvsn_cd="00",
    )
    fields.update(kw)
    return DailyCcldRow(**fields)


def test_recovery_emits_the_missed_fills_as_one_exact_lump():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    tracker.notice(notice(cntg_yn="2", acpt_yn="2", qty=2, price=Price(70000)), TS)
    # two more fills (3 @ 70000, 1 @ 70100) were missed during a gap
    events = tracker.recover([row(tot_ccld_qty="6", tot_ccld_amt="420100", rmn_qty="4")], TS)
    (fill,) = events
    assert isinstance(fill, OrderFilled)
    assert fill.last_qty == Quantity(4)
    assert fill.last_px == Price("70025")
    assert fill.trade_id == "20260302-0000000001-6"
    assert tracker.recover([row(tot_ccld_qty="6", tot_ccld_amt="420100", rmn_qty="4")], TS) == []
    # the next notice counts on from KIS's total
    (nxt,) = tracker.notice(notice(cntg_yn="2", acpt_yn="2", qty=4, price=Price(70000)), TS)
    assert nxt.trade_id == "20260302-0000000001-10"
    assert order.closed


def test_recovery_with_a_non_terminating_average_rounds_to_four_places():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    (fill,) = tracker.recover([row(tot_ccld_qty="3", tot_ccld_amt="210001", rmn_qty="7")], TS)
    assert fill.last_px == Price("70000.3333")


def test_recovery_finds_a_missed_modify_and_a_missed_cancel():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    order.pending = PendingRequest(
        "modify", quantity=order.quantity, price=Price(69900), target_odno="0000000001"
    )
    events = tracker.recover(
        [
            row(odno="0000000001", rmn_qty="0"),
            row(odno="0000000002", orgn_odno="0000000001", ord_unpr="69900", rmn_qty="10"),
        ],
        TS,
    )
    assert kinds(events) == ["OrderUpdated"]
    assert order.current == "0000000002"
    events = tracker.recover(
        [
            row(odno="0000000002", orgn_odno="0000000001", rmn_qty="0"),
            row(odno="0000000003", orgn_odno="0000000002", cncl_yn="Y", rmn_qty="0"),
        ],
        TS,
    )
    assert kinds(events) == ["OrderCanceled"]
    assert order.closed


def test_orphans_expire_into_foreign_notices():
    tracker, _ = setup()
    tracker.hold_orphan(notice(odno="9"), TS)
    tracker.hold_orphan(notice(odno="8"), TS + 10)
    expired = tracker.expire_orphans(TS + 5)
    assert [n.odno for n in expired] == ["0000000009"]
    assert list(tracker.orphans) == ["0000000008"]


def test_client_ids_of_order_and_request_numbers():
    tracker, order = setup()
    tracker.accepted(order, "1", TS)
    order.pending = PendingRequest("cancel", quantity=Quantity(0), cancel_qty=10)
    tracker.request_acked(order, "7", TS)
    assert tracker.client_id_of("1") == tracker.client_id_of("0000000007") == ClientOrderId("O-1")
    assert tracker.client_id_of("42") is None
