"""The execution client's memory of its orders, and the rules that turn what KIS says into events.

Pure logic, no I/O: `execution` feeds it REST answers, WebSocket notices and recovered rows, and
emits whatever events it returns. Keeping the rules here makes each one testable alone.

How KIS behaves, and what follows for the events:

- An order gets an order number (ODNO). A modify moves the remainder to a **new** ODNO; a
  cancel is a request with its own ODNO. All numbers of one order map to one client order id.
- The acknowledgement of anything may come twice (the REST answer and a notice, in either
  order) or only once; each fact is emitted once: `OrderAccepted` on the first of the two,
  `OrderUpdated`/`OrderCanceled` for a request when the first of its answers arrives.
- A notice may arrive before the REST answer that names its ODNO (KIS sends the notice while it
  processes the order): it is an *orphan* until the number is known, then replayed in order.
- Fills are counted per ODNO. A fill's trade id is ``<date>-<ODNO>-<cumulative qty>`` (see
  `parse.fill_trade_id`). Recovery after a gap compares KIS's cumulative quantity per ODNO with
  what notices said, emits the difference as one fill at the exact average price of the
  difference, and resynchronises the notice counter to KIS's total.
- A notice carries no cumulative quantity and no fill id, so a notice still on the wire when a
  recovery inquiry already counted its fill would look like a new fill. Each ODNO therefore
  remembers how many of its booked shares no notice has confirmed yet and until when the
  inquiry vouched for its total: a fill notice timed before that instant (plus a clock slack)
  that fits into the unconfirmed shares is the late notice of a booked fill and changes
  nothing; a later one is a new fill, and the shares still unconfirmed then will never be
  notified (a notice stream is ordered), so they are written off. When in doubt the notice is
  absorbed: a fill missed that way is booked by the next inquiry (the execution client runs one
  shortly after every absorbed notice), while a fill counted twice could never be taken back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeVar

from jts.adapters.kis.costs import FillCosts
from jts.adapters.kis.errors import KisProtocolError
from jts.adapters.kis.parse import fill_trade_id, int_field, is_request_row, kst_ns
from jts.adapters.kis.parse_stream import KisNotice, normalize_odno
from jts.adapters.kis.schemas import DailyCcldRow
from jts.core.time import KST, ns_to_dt
from jts.domain.enums import LiquiditySide
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderRejected,
    OrderUpdated,
)
from jts.domain.identifiers import AccountId, ClientOrderId, VenueOrderId
from jts.domain.orders import Order
from jts.domain.values import KRW, Price, Quantity

__all__ = ["OrderTracker", "PendingRequest", "TrackedOrder"]

_log = logging.getLogger(__name__)
_E = TypeVar("_E", bound=OrderEvent)
_EXACT_DIGITS = 8
#: KIS stamps fills in whole seconds with its own clock: a notice up to this much after the
#: local time of an inquiry may still describe a fill that inquiry counted.
NOTICE_CLOCK_SLACK_NS = 1_000_000_000


@dataclass(slots=True)
class PendingRequest:
    """A modify or cancel sent and not yet answered. ``quantity``/``price`` are the order's
    terms once it is done; ``cancel_qty`` what a cancel takes away; ``target_odno`` the order
    number it was sent for; ``for_modify`` marks a partial cancel that implements a quantity
    reduction (its refusal is a modify rejection)."""

    kind: Literal["modify", "cancel"]
    quantity: Quantity
    price: Price | None = None
    cancel_qty: int = 0
    request_odno: str | None = None
    target_odno: str | None = None
    for_modify: bool = False
    done: bool = False


@dataclass(slots=True)
class TrackedOrder:
    init: OrderInitialized
    account_id: AccountId
    ord_dvsn: str
    ord_dt: str
    submitted_ns: int
    quantity: Quantity
    price: Price | None
    branch: str = ""
    venue_ids: list[str] = field(default_factory=list)
    current: str | None = None
    cum: dict[str, int] = field(default_factory=dict)
    amount: dict[str, int] = field(default_factory=dict)
    #: per ODNO: shares that fill notices reported (``cum`` minus this = booked from inquiries
    #: or the journal and not yet confirmed by a notice)
    noticed: dict[str, int] = field(default_factory=dict)
    #: per ODNO: local time (ns) up to which an inquiry or the journal vouched for ``cum``
    booked_through: dict[str, int] = field(default_factory=dict)
    accepted: bool = False
    closed: bool = False
    pending: PendingRequest | None = None

    @property
    def client_order_id(self) -> ClientOrderId:
        return self.init.client_order_id

    @property
    def filled(self) -> int:
        return sum(self.cum.values())

    @property
    def leaves(self) -> int:
        return max(int(self.quantity.raw) - self.filled, 0)


class OrderTracker:
    """All orders of one account that this client sent (or was told about)."""

    def __init__(self, account_id: AccountId, costs: FillCosts) -> None:
        self._account_id = account_id
        self._costs = costs
        self.orders: dict[ClientOrderId, TrackedOrder] = {}
        self.by_odno: dict[str, TrackedOrder] = {}
        self.requests: dict[str, TrackedOrder] = {}
        self.orphans: dict[str, list[tuple[KisNotice, int]]] = {}
        #: fill notices taken for late news of booked shares (the caller verifies them)
        self.late_notices = 0

    @property
    def costs(self) -> FillCosts:
        """The fee schedule fills are charged with (reports use it too)."""
        return self._costs

    # ---- registry -----------------------------------------------------------------------------
    def add(self, order: TrackedOrder) -> None:
        self.orders[order.client_order_id] = order
        for odno in order.venue_ids:
            self.by_odno[odno] = order

    def adopt(self, order: Order, ord_dvsn: str, ts: int | None = None) -> TrackedOrder | None:
        """Track an order this client sent before a restart, rebuilt from the node's journal.

        Without it a restarted client knows none of its working orders: their notices would be
        orphans and a cancel would be refused as "not working at KIS". The per-ODNO fill
        counters are rebuilt from the order's journaled fills, because the next fill's trade id
        (``<date>-<ODNO>-<cumulative>``) must continue the count the journal already holds;
        otherwise a fill would get a new trade id and be booked twice. Orders that are closed,
        never acknowledged (no ODNO to follow; reconciliation settles them) or already tracked
        are left alone: returns None. ``ts`` (now) marks the journal's fills as booked through
        that instant, so a notice of one of them still on its way is not booked again.
        """
        if order.is_closed or not order.venue_order_ids:
            return None
        if order.client_order_id in self.orders:
            return None
        cum: dict[str, int] = {}
        amount: dict[str, int] = {}
        accepted_ns: int | None = None
        for event in order.events:
            if isinstance(event, OrderAccepted) and accepted_ns is None:
                accepted_ns = event.ts_event
            if isinstance(event, OrderFilled) and event.venue_order_id is not None:
                odno = normalize_odno(str(event.venue_order_id))
                qty = int(event.last_qty.as_decimal())
                cum[odno] = cum.get(odno, 0) + qty
                amount[odno] = amount.get(odno, 0) + _won(event.last_px) * qty
        submitted = order.init.ts_init
        tracked = TrackedOrder(
            init=order.init,
            account_id=order.account_id or self._account_id,
            ord_dvsn=ord_dvsn,
            ord_dt=kst_today(accepted_ns if accepted_ns is not None else submitted),
            submitted_ns=submitted,
            quantity=order.quantity,
            price=order.price,
            venue_ids=[normalize_odno(str(v)) for v in order.venue_order_ids],
            cum=cum,
            amount=amount,
            booked_through=dict.fromkeys(cum, ts) if ts is not None else {},
            accepted=True,
        )
        tracked.current = normalize_odno(str(order.venue_order_id or order.venue_order_ids[-1]))
        self.add(tracked)
        return tracked

    def bind(self, order: TrackedOrder, odno: str, *, current: bool = True) -> None:
        odno = normalize_odno(odno)
        if odno not in order.venue_ids:
            order.venue_ids.append(odno)
        self.by_odno[odno] = order
        if current:
            order.current = odno

    def open_orders(self) -> list[TrackedOrder]:
        return [o for o in self.orders.values() if not o.closed]

    def client_id_of(self, odno: str) -> ClientOrderId | None:
        order = self.by_odno.get(normalize_odno(odno)) or self.requests.get(normalize_odno(odno))
        return None if order is None else order.client_order_id

    # ---- event construction -------------------------------------------------------------------
    def _event(
        self, kind: type[_E], order: TrackedOrder, ts_event: int, ts: int, **fields: Any
    ) -> _E:
        init = order.init
        return kind(
            trader_id=init.trader_id,
            strategy_id=init.strategy_id,
            instrument_id=init.instrument_id,
            client_order_id=init.client_order_id,
            account_id=order.account_id,
            ts_event=ts_event,
            ts_init=ts,
            **fields,
        )

    def _when(self, order: TrackedOrder, hhmmss: str, ts: int) -> int:
        """A KIS HHMMSS of the order's day as ns; ``ts`` when KIS sent none or nonsense."""
        try:
            return kst_ns(order.ord_dt, hhmmss) if hhmmss.strip() else ts
        except KisProtocolError:
            return ts

    # ---- acknowledgements ---------------------------------------------------------------------
    def accepted(
        self, order: TrackedOrder, odno: str, ts: int, ts_event: int | None = None
    ) -> list[OrderEvent]:
        odno = normalize_odno(odno)
        if not order.venue_ids:
            self.bind(order, odno)
        events: list[OrderEvent] = []
        if not order.accepted and not order.closed:
            order.accepted = True
            events.append(
                self._event(
                    OrderAccepted,
                    order,
                    ts_event if ts_event is not None else ts,
                    ts,
                    venue_order_id=VenueOrderId(order.venue_ids[0]),
                )
            )
        return events + self.replay_orphans(odno, ts)

    def rejected(self, order: TrackedOrder, reason: str, ts: int) -> list[OrderEvent]:
        if order.closed or order.accepted:
            return []
        order.closed = True
        return [self._event(OrderRejected, order, ts, ts, reason=reason or "rejected by KIS")]

    def request_acked(
        self, order: TrackedOrder, request_odno: str, ts: int, ts_event: int | None = None
    ) -> list[OrderEvent]:
        """The pending modify/cancel was accepted by KIS (REST answer, notice or recovery)."""
        pending = order.pending
        request_odno = normalize_odno(request_odno)
        if pending is None:
            return []
        pending.request_odno = request_odno
        when = ts if ts_event is None else ts_event
        events: list[OrderEvent] = []
        if pending.kind == "modify":
            self.bind(order, request_odno)
            if not pending.done:
                pending.done = True
                order.quantity, order.price = pending.quantity, pending.price or order.price
                events.append(
                    self._event(
                        OrderUpdated,
                        order,
                        when,
                        ts,
                        quantity=order.quantity,
                        price=pending.price,
                        venue_order_id=VenueOrderId(request_odno),
                    )
                )
        else:
            self.requests[request_odno] = order
            if not pending.done:
                pending.done = True
                events += self._reduce(order, pending.cancel_qty, when, ts, "canceled by request")
        order.pending = None
        return events + self.replay_orphans(request_odno, ts)

    def request_rejected(self, order: TrackedOrder, reason: str, ts: int) -> list[OrderEvent]:
        pending, order.pending = order.pending, None
        if order.leaves == 0 and order.filled:
            order.closed = True  # a request that lost the race with the last fill
        if pending is None or pending.done:
            return []
        modify = pending.kind == "modify" or pending.for_modify
        kind = OrderModifyRejected if modify else OrderCancelRejected
        current = VenueOrderId(order.current) if order.current else None
        return [self._event(kind, order, ts, ts, reason=reason, venue_order_id=current)]

    def _reduce(
        self, order: TrackedOrder, qty: int, ts_event: int, ts: int, reason: str
    ) -> list[OrderEvent]:
        """``qty`` of the open remainder is gone: cancelled if nothing is left, else smaller."""
        if order.closed:
            return []
        leaves = order.leaves
        if leaves == 0:
            order.closed = True  # filled meanwhile: nothing was left to cancel
            return []
        current = VenueOrderId(order.current) if order.current else None
        if qty >= leaves:
            order.closed = True
            order.quantity = Quantity.from_raw(order.filled, 0) if order.filled else order.quantity
            return [
                self._event(
                    OrderCanceled, order, ts_event, ts, venue_order_id=current, reason=reason
                )
            ]
        order.quantity = Quantity.from_raw(int(order.quantity.raw) - qty, 0)
        return [
            self._event(
                OrderUpdated, order, ts_event, ts, quantity=order.quantity, venue_order_id=current
            )
        ]

    # ---- fills --------------------------------------------------------------------------------
    def fill(
        self, order: TrackedOrder, odno: str, qty: int, price: Price, *, ts_event: int, ts: int
    ) -> list[OrderEvent]:
        """A fill notice of ``qty`` at ``price`` on ``odno``."""
        odno = normalize_odno(odno)
        events: list[OrderEvent] = []
        if not order.accepted:
            events += self.accepted(
                order, order.venue_ids[0] if order.venue_ids else odno, ts, ts_event
            )
        if qty <= 0:
            return events
        before = order.cum.get(odno, 0)
        cum = before + qty
        order.cum[odno] = cum
        order.amount[odno] = order.amount.get(odno, 0) + _won(price) * qty
        events.append(self._filled(order, odno, qty, price, cum=cum, ts_event=ts_event, ts=ts))
        if order.leaves == 0 and order.pending is None:
            order.closed = True
        return events

    def _filled(
        self,
        order: TrackedOrder,
        odno: str,
        qty: int,
        price: Price,
        *,
        cum: int,
        ts_event: int,
        ts: int,
    ) -> OrderFilled:
        quantity = Quantity.from_raw(qty, 0)
        trade_date = ns_to_dt(ts_event, KST).date()
        commission, tax = self._costs(
            order.init.side, price, quantity, order.init.instrument_id, trade_date
        )
        return self._event(
            OrderFilled,
            order,
            ts_event,
            ts,
            venue_order_id=VenueOrderId(odno),
            trade_id=fill_trade_id(order.ord_dt, odno, cum),
            order_side=order.init.side,
            order_type=order.init.order_type,
            last_qty=quantity,
            last_px=price,
            currency=KRW,
            commission=commission,
            tax=tax,
            liquidity_side=LiquiditySide.NONE,
        )

    # ---- notices ------------------------------------------------------------------------------
    def notice(self, notice: KisNotice, ts: int) -> list[OrderEvent] | None:
        """Events for one notice; None when its order number is not known (yet)."""
        order = self.by_odno.get(notice.odno) or self.requests.get(notice.odno)
        if order is None and notice.rctf_cls in ("1", "2"):
            order = self.by_odno.get(notice.orig_odno)
        if order is None:
            return None
        when = self._when(order, notice.hhmmss, ts)
        if notice.is_fill:
            if notice.price is None:
                _log.warning("KIS fill notice without a price for %s ignored", notice.odno)
                return []
            if self._already_booked(order, notice.odno, notice.qty, when):
                return []  # booking shares implies the acceptance was emitted then
            order.noticed[notice.odno] = order.noticed.get(notice.odno, 0) + notice.qty
            return self.fill(order, notice.odno, notice.qty, notice.price, ts_event=when, ts=ts)
        if notice.rejected:
            reason = f"KIS refused ({notice.symbol} {notice.ord_dvsn})"
            if notice.rctf_cls == "0":
                return self.rejected(order, reason, ts)
            return self.request_rejected(order, reason, ts)
        if notice.acpt_yn == "3":  # IOC/FOK remainder cancelled by the exchange
            return self.accepted(order, notice.odno, ts, when) + self._reduce(
                order, notice.qty, when, ts, "IOC/FOK remainder canceled by the exchange"
            )
        if notice.rctf_cls == "0":
            return self.accepted(order, notice.odno, ts, when)
        if order.pending is not None:
            if order.pending.request_odno is None or order.pending.request_odno == notice.odno:
                return self.request_acked(order, notice.odno, ts, when)
            return []
        if notice.odno in order.venue_ids or notice.odno in self.requests:
            return []  # an acknowledgement we already turned into an event
        return self._foreign_request(order, notice, when, ts)

    def _already_booked(self, order: TrackedOrder, odno: str, qty: int, when: int) -> bool:
        """Whether a fill notice of ``qty`` at ``when`` is late news of shares an inquiry (or the
        journal) already booked; see the module doc. Updates the confirmation count."""
        booked = order.cum.get(odno, 0)
        noticed = order.noticed.get(odno, 0)
        through = order.booked_through.get(odno)
        if qty <= 0 or booked <= noticed or through is None:
            return False
        if qty <= booked - noticed and when < through + NOTICE_CLOCK_SLACK_NS:
            order.noticed[odno] = noticed + qty
            self.late_notices += 1
            _log.info("KIS late fill notice of %d on %s was already booked by recovery", qty, odno)
            return True
        if when >= through + NOTICE_CLOCK_SLACK_NS:
            # a fill after the inquiry: notices of the booked shares would have come before it
            order.noticed[odno] = booked
        return False

    def _foreign_request(
        self, order: TrackedOrder, notice: KisNotice, when: int, ts: int
    ) -> list[OrderEvent]:
        """A modify/cancel nobody here sent (a person in HTS): follow it all the same."""
        if notice.rctf_cls == "2":
            self.requests[notice.odno] = order
            return self._reduce(order, notice.qty, when, ts, "canceled outside JTS")
        self.bind(order, notice.odno)
        price = notice.order_price if order.init.order_type.requires_price else None
        if price is not None:
            order.price = price
        return [
            self._event(
                OrderUpdated,
                order,
                when,
                ts,
                quantity=order.quantity,
                price=price,
                venue_order_id=VenueOrderId(notice.odno),
            )
        ]

    def hold_orphan(self, notice: KisNotice, ts: int) -> None:
        self.orphans.setdefault(notice.odno, []).append((notice, ts))

    def replay_orphans(self, odno: str, ts: int) -> list[OrderEvent]:
        events: list[OrderEvent] = []
        for notice, _ in self.orphans.pop(odno, []):
            events += self.notice(notice, ts) or []
        return events

    def expire_orphans(self, older_than_ns: int) -> list[KisNotice]:
        """Forget notices nobody claimed in time (orders placed elsewhere); returns them."""
        expired: list[KisNotice] = []
        for odno in list(self.orphans):
            kept = [(n, t) for n, t in self.orphans[odno] if t >= older_than_ns]
            expired += [n for n, t in self.orphans[odno] if t < older_than_ns]
            if kept:
                self.orphans[odno] = kept
            else:
                del self.orphans[odno]
        return expired

    # ---- recovery -----------------------------------------------------------------------------
    def recover(self, rows: Iterable[DailyCcldRow], ts: int) -> list[OrderEvent]:
        """Reconcile with KIS's daily orders after a gap (see module doc)."""
        rows = list(rows)
        events: list[OrderEvent] = []
        # pass 1: requests we did not hear back about (modify rows carry the remainder now)
        for row in rows:
            odno = normalize_odno(row.odno)
            orig = normalize_odno(row.orgn_odno) if row.orgn_odno.strip() else ""
            if odno in self.by_odno or odno in self.requests or not orig:
                continue
            order = self.by_odno.get(orig)
            if order is None or order.closed:
                continue
            when = self._when(order, row.ord_tmd, ts)
            if order.pending is not None and order.pending.request_odno in (None, odno):
                events += self.request_acked(order, odno, ts, when)
            elif is_request_row(row):
                self.requests[odno] = order
            else:
                self.bind(order, odno)
        # pass 2: fills and remainders
        for row in rows:
            odno = normalize_odno(row.odno)
            order = self.by_odno.get(odno)
            if order is None or is_request_row(row):
                continue
            if not order.accepted and not order.closed:
                events += self.accepted(order, order.venue_ids[0], ts)
            events += self._recover_fills(order, row, ts)
            remaining = int_field(row.rmn_qty, "rmn_qty", default=-1)
            if (
                odno == order.current
                and remaining == 0
                and order.pending is None
                and not order.closed
                and order.leaves > 0
            ):
                when = self._when(order, row.ord_tmd, ts)
                events += self._reduce(
                    order, order.leaves, when, ts, "remainder gone at KIS (found on recovery)"
                )
        return events

    def _recover_fills(self, order: TrackedOrder, row: DailyCcldRow, ts: int) -> list[OrderEvent]:
        odno = normalize_odno(row.odno)
        total = int_field(row.tot_ccld_qty, "tot_ccld_qty", default=0)
        known = order.cum.get(odno, 0)
        order.booked_through[odno] = max(order.booked_through.get(odno, ts), ts)
        if total <= known:
            return []
        amount = int_field(row.tot_ccld_amt, "tot_ccld_amt", default=0)
        qty = total - known
        if amount:
            price = _average(amount - order.amount.get(odno, 0), qty)
        else:
            price = Price(row.avg_prvs.strip() or "0")
        order.cum[odno] = total
        order.amount[odno] = amount or order.amount.get(odno, 0) + _won(price) * qty
        if price.raw <= 0:
            _log.error("KIS recovery of %s: no usable price for %d shares", odno, qty)
            return []
        when = self._when(order, row.ord_tmd, ts)
        if order.leaves == 0 and order.pending is None:
            order.closed = True
        return [self._filled(order, odno, qty, price, cum=total, ts_event=when, ts=ts)]


def _won(price: Price) -> int:
    """Whole won of a notice price (KRX prices are integers; a fraction would be dropped)."""
    return int(price.as_decimal())


def _average(amount: int, qty: int) -> Price:
    """``amount / qty`` exactly when it terminates within 8 decimals, else rounded to 4."""
    value = Decimal(amount) / Decimal(qty)
    for digits in range(_EXACT_DIGITS + 1):
        scaled = value.scaleb(digits)
        if scaled == scaled.to_integral_value():
            return Price(value.quantize(Decimal(1).scaleb(-digits)))
    return Price(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def kst_today(ts_ns: int) -> str:
    return ns_to_dt(ts_ns, KST).strftime("%Y%m%d")


def kst_date(ts_ns: int) -> dt.date:
    return ns_to_dt(ts_ns, KST).date()
