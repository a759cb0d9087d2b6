from __future__ import annotations

from jts.adapters.kis.costs import KrxFillCosts
from jts.adapters.kis.lookup import match_orphan, match_request, match_submission
from jts.adapters.kis.parse import kst_ns
from jts.adapters.kis.parse_stream import KisNotice
from jts.adapters.kis.schemas import DailyCcldRow
from jts.adapters.kis.tracker import OrderTracker, PendingRequest, TrackedOrder
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TraderId
from jts.domain.values import Price, Quantity

ACC = AccountId("KIS-12345678-01")
SUBMITTED = kst_ns("20260302", "100000")


def order(cid: str = "O-1", qty: int = 10, price: int = 70000) -> TrackedOrder:
    init = OrderInitialized(
        trader_id=TraderId("JTS-001"),
        strategy_id=StrategyId("S-1"),
        instrument_id=InstrumentId("005930.KRX"),
        client_order_id=ClientOrderId(cid),
        ts_event=SUBMITTED,
        ts_init=SUBMITTED,
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Quantity(qty),
        price=Price(price),
    )
    return TrackedOrder(
        init=init,
        account_id=ACC,
        ord_dvsn="00",
        ord_dt="20260302",
        submitted_ns=SUBMITTED,
        quantity=init.quantity,
        price=init.price,
    )


def row(odno: str, **kw: str) -> DailyCcldRow:
    fields = dict(
        ord_dt="20260302",
        odno=odno,
        sll_buy_dvsn_cd="02",
        pdno="005930",
        ord_qty="10",
        ord_unpr="70000.0000",
        ord_tmd="100001",
        tot_ccld_qty="0",
        ord_dvsn_cd="00",
    )
    fields.update(kw)
    return DailyCcldRow(**fields)


def test_the_lowest_unclaimed_matching_order_is_chosen():
    tracker = OrderTracker(ACC, KrxFillCosts())
    known = order("O-0")
    tracker.add(known)
    tracker.bind(known, "0000000001")
    rows = [
        row("0000000005"),
        row("0000000001"),  # already ours
        row("0000000002", ord_qty="9"),  # other quantity
        row("0000000003", ord_unpr="70100"),  # other price
        row("0000000004", ord_tmd="095500"),  # placed before we sent ours
        row("0000000006", orgn_odno="0000000001"),  # a modify, not a new order
        row("0000000007", pdno="000660"),  # other symbol
        row("0000000008"),
    ]
    found = match_submission(rows, tracker, order())
    assert found is not None
    assert found.odno == "0000000005"


def test_no_match_means_none():
    tracker = OrderTracker(ACC, KrxFillCosts())
    assert match_submission([row("0000000001", ord_dvsn_cd="01")], tracker, order()) is None


def test_an_orphan_notice_with_the_same_terms_is_ours():
    tracker = OrderTracker(ACC, KrxFillCosts())

    def notice(odno: str, qty: int) -> KisNotice:
        return KisNotice(
            account_no="1234567801",
            odno=odno,
            orig_odno="",
            side=OrderSide.BUY,
            rctf_cls="0",
            ord_dvsn="00",
            symbol="005930",
            qty=qty,
            price=Price(70000),
            hhmmss="100001",
            rejected=False,
            cntg_yn="1",
            acpt_yn="1",
            order_qty=qty,
            order_price=Price(70000),
            exchange="1",
        )

    tracker.hold_orphan(notice("0000000009", 3), SUBMITTED)
    assert match_orphan(tracker, order()) is None
    tracker.hold_orphan(notice("0000000010", 10), SUBMITTED)
    assert match_orphan(tracker, order()) == "0000000010"


def test_a_request_is_found_by_its_original_order_number():
    tracker = OrderTracker(ACC, KrxFillCosts())
    mine = order()
    tracker.add(mine)
    tracker.bind(mine, "0000000001")
    pending = PendingRequest(
        "cancel", quantity=Quantity(0), cancel_qty=10, target_odno="0000000001"
    )
    rows = [
        row("0000000001"),
        row("0000000002", orgn_odno="0000000009"),
        row("0000000003", orgn_odno="1", cncl_yn="Y"),
    ]
    found = match_request(rows, tracker, mine, pending)
    assert found is not None
    assert found.odno == "0000000003"
    assert match_request(rows[:2], tracker, mine, pending) is None
