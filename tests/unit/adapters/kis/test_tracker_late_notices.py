"""A fill is booked exactly once whatever the order of its notice and a recovery inquiry.

KIS notices carry neither a cumulative quantity nor a fill id, so the tracker must tell the
late notice of a fill that an inquiry already counted from a new fill (module doc of
`jts.adapters.kis.tracker`). Each test plays one ordering deterministically.
"""

from __future__ import annotations

import asyncio

from jts.adapters.kis.costs import KrxFillCosts
from jts.adapters.kis.frames import DataFrame
from jts.adapters.kis.parse import kst_ns
from jts.adapters.kis.tracker import OrderTracker
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.values import Price, Quantity
from tests.unit.adapters.kis.fakes import FakeTime
from tests.unit.adapters.kis.test_execution import NOW, Broker, make, submit
from tests.unit.adapters.kis.test_tracker import kinds, notice, row, setup
from tests.unit.adapters.kis.test_tracker_adopt import ACC, _fill, init, rebuilt
from tests.unit.adapters.kis.wire import notice_record, payload

QUERY_AT = kst_ns("20260302", "100010")  # when the recovery inquiry's answer was read


def fill_notice(qty: int, hhmmss: str, price: int = 70000):
    return notice(cntg_yn="2", acpt_yn="2", qty=qty, price=Price(price), hhmmss=hhmmss)


def fills(events: list[OrderEvent] | None) -> list[tuple[int, str]]:
    assert events is not None
    return [(int(e.last_qty.raw), str(e.trade_id)) for e in events if isinstance(e, OrderFilled)]


def test_recovery_first_then_the_late_notice_books_the_fill_once() -> None:
    tracker, order = setup()
    tracker.accepted(order, "1", QUERY_AT)
    # the fill happened at 10:00:05; the inquiry at 10:00:10 counted it before its notice came
    events = tracker.recover([row(tot_ccld_qty="10", tot_ccld_amt="700000", rmn_qty="0")], QUERY_AT)
    assert fills(events) == [(10, "20260302-0000000001-10")]
    assert order.closed
    assert tracker.notice(fill_notice(10, "100005"), QUERY_AT + 1) == []
    assert order.filled == 10


def test_notice_first_then_recovery_books_the_fill_once() -> None:
    tracker, order = setup()
    tracker.accepted(order, "1", QUERY_AT)
    first = tracker.notice(fill_notice(10, "100005"), QUERY_AT)
    assert fills(first) == [(10, "20260302-0000000001-10")]
    row_10 = row(tot_ccld_qty="10", tot_ccld_amt="700000", rmn_qty="0")
    assert tracker.recover([row_10], QUERY_AT + 1) == []
    assert order.filled == 10


def test_late_notices_of_several_recovered_fills_then_a_new_fill() -> None:
    tracker, order = setup(20)
    tracker.accepted(order, "1", QUERY_AT)
    assert fills(tracker.notice(fill_notice(2, "100001"), QUERY_AT)) == [
        (2, "20260302-0000000001-2")
    ]
    # KIS has 2 + 3 + 5 filled; the notices of the 3 and the 5 are still on the wire
    events = tracker.recover(
        [row(ord_qty="20", tot_ccld_qty="10", tot_ccld_amt="700000", rmn_qty="10")], QUERY_AT
    )
    assert fills(events) == [(8, "20260302-0000000001-10")]
    assert tracker.notice(fill_notice(3, "100006"), QUERY_AT) == []
    assert tracker.notice(fill_notice(5, "100009"), QUERY_AT) == []
    # a fill after the inquiry counts on from KIS's total
    later = tracker.notice(fill_notice(4, "100030"), QUERY_AT)
    assert fills(later) == [(4, "20260302-0000000001-14")]
    assert order.filled == 14


def test_notices_lost_in_a_gap_do_not_swallow_a_later_fill() -> None:
    tracker, order = setup(20)
    tracker.accepted(order, "1", QUERY_AT)
    # 6 filled while the WebSocket was down: their notices never come
    events = tracker.recover(
        [row(ord_qty="20", tot_ccld_qty="6", tot_ccld_amt="420000", rmn_qty="14")], QUERY_AT
    )
    assert fills(events) == [(6, "20260302-0000000001-6")]
    # a fill of the same size and price well after the inquiry is new
    assert fills(tracker.notice(fill_notice(6, "100200"), QUERY_AT)) == [
        (6, "20260302-0000000001-12")
    ]
    # the 6 that were never notified are written off: a further same-sized fill is new too
    assert fills(tracker.notice(fill_notice(6, "100201"), QUERY_AT)) == [
        (6, "20260302-0000000001-18")
    ]
    assert order.filled == 18


def test_a_notice_larger_than_the_unconfirmed_shares_is_a_new_fill() -> None:
    tracker, order = setup(20)
    tracker.accepted(order, "1", QUERY_AT)
    tracker.recover(
        [row(ord_qty="20", tot_ccld_qty="3", tot_ccld_amt="210000", rmn_qty="17")], QUERY_AT
    )
    # 5 shares cannot be the notice of a 3-share fill, even timed before the inquiry (an
    # inquiry lagging the matching engine): it is booked
    assert fills(tracker.notice(fill_notice(5, "100009"), QUERY_AT)) == [
        (5, "20260302-0000000001-8")
    ]


def test_a_doubtful_notice_absorbed_by_mistake_is_booked_by_the_next_recovery() -> None:
    tracker, order = setup(20)
    tracker.accepted(order, "1", QUERY_AT)
    # 4 filled in a gap (notice lost), then a new 4-share fill within the same second as the
    # inquiry: indistinguishable from the late notice, so it is absorbed...
    tracker.recover(
        [row(ord_qty="20", tot_ccld_qty="4", tot_ccld_amt="280000", rmn_qty="16")], QUERY_AT
    )
    assert tracker.notice(fill_notice(4, "100010"), QUERY_AT) == []
    # ...and the next inquiry, which sees 8, books it: late, but never twice and never lost
    events = tracker.recover(
        [row(ord_qty="20", tot_ccld_qty="8", tot_ccld_amt="560000", rmn_qty="12")],
        QUERY_AT + 5_000_000_000,
    )
    assert fills(events) == [(4, "20260302-0000000001-8")]


def test_a_restarted_client_ignores_the_late_notice_of_a_journaled_fill() -> None:
    first = init(10)
    tracker = OrderTracker(ACC, KrxFillCosts())
    adopted_at = kst_ns("20260302", "100000")
    tracked = tracker.adopt(rebuilt(first, _fill(first, 4, 4)), "00", adopted_at)
    assert tracked is not None
    # reconciliation booked the 4 (journal); their notice reaches the new session afterwards
    assert tracker.notice(fill_notice(4, "095959"), adopted_at) == []
    events = tracker.notice(fill_notice(6, "100003"), adopted_at)
    assert kinds(events) == ["OrderFilled"]
    assert events is not None
    assert events[0].last_qty == Quantity(6)
    assert tracked.closed


# ---- the execution client: exactly once in either order, and a doubtful notice is verified ---
def _inquiries(broker: Broker) -> int:
    return sum("inquire-daily-ccld" in r.url.path for r in broker.requests)


def _fill_frame(qty: int, hhmmss: str):
    record = notice_record(
        account_no="1234567801", odno="1", cntg_yn="2", acpt_yn="2", qty=qty, hhmmss=hhmmss
    )
    return DataFrame(False, "H0STCNI9", 1, payload(record))


async def test_client_recovery_then_late_notice_then_a_confirming_inquiry() -> None:
    broker = Broker()
    time = FakeTime(NOW)
    client, events = make(broker, time)
    submit(client)
    await client.drain()
    broker.rows[0].update(tot_ccld_qty="6", tot_ccld_amt="420000", rmn_qty="4")
    assert await client.recover() == 1  # the inquiry books the fill first
    inquiries = _inquiries(broker)
    client._on_notice_frame(_fill_frame(6, "100000"), NOW)  # its notice, late
    await asyncio.sleep(0)
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    assert client._metrics.late_notices.total() == 1
    assert client._verifying is not None
    await client._verifying  # the confirming inquiry (fake time: no real wait)
    assert _inquiries(broker) == inquiries + 1
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    await client.disconnect()


async def test_client_notice_then_recovery() -> None:
    broker = Broker()
    client, events = make(broker)
    submit(client)
    await client.drain()
    client._on_notice_frame(_fill_frame(4, "100002"), NOW)
    broker.rows[0].update(tot_ccld_qty="4", tot_ccld_amt="280000", rmn_qty="6")
    assert await client.recover() == 0
    assert kinds(events) == ["OrderAccepted", "OrderFilled"]
    assert client._verifying is None  # nothing was in doubt


async def test_client_a_new_fill_mistaken_for_a_late_notice_is_booked_by_the_check() -> None:
    broker = Broker()
    time = FakeTime(NOW)
    client, events = make(broker, time)
    submit(client)
    await client.drain()
    broker.rows[0].update(tot_ccld_qty="4", tot_ccld_amt="280000", rmn_qty="6")
    await client.recover()  # 4 filled in a gap: their notice is lost
    # a new 4-share fill in the same second: absorbed as the late notice...
    client._on_notice_frame(_fill_frame(4, "100000"), NOW)
    broker.rows[0].update(tot_ccld_qty="8", tot_ccld_amt="560000", rmn_qty="2")
    assert client._verifying is not None
    await client._verifying  # ...and booked by the check
    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert [(int(f.last_qty.raw), str(f.trade_id)) for f in fills] == [
        (4, "20260302-0000000001-4"),
        (4, "20260302-0000000001-8"),
    ]
    await client.disconnect()
