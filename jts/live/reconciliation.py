"""Start-up recovery: rebuild every order from the journal, then close the gap to the venue.

The journal is the node's memory (the OMS writes it before anything is sent), so after a crash
`rebuild_orders` gives back every order the node ever sent, in the state it last knew. What the
venue did while the node was down (fills, cancels, acknowledgements the node never heard) comes
from its reports; `plan` compares the two and returns the venue events that close the gap. The
node feeds those events through the kernel like any venue event, so the OMS journals them and
the portfolio books them: recovery uses the one order path, never a side door.

Matching a report to an order: by client order id when the venue knows it, else by venue order
id (every id the order had, modifies included). An order the node submitted but never saw
acknowledged has no venue id yet; it is matched to an unclaimed venue order of the same
instrument, side and quantity placed after the submission (the KIS way of finding an order
whose answer was lost). Venue orders nobody claims are **external**: reported, never adopted
into a strategy, since no strategy asked for them.

Orders that never reached the venue: the OMS journals `OrderInitialized` and `OrderSubmitted`
before it hands the order to the adapter, so a crash in between leaves an order the venue never
saw, which would stay SUBMITTED forever. At start-up (``close_unsent``: the process that would
have sent it is gone) an order with no venue id that no report claims is closed through the
kernel with the reason `NEVER_SENT`: rejected if it was submitted, canceled if it was only
initialized or had a modify or cancel pending. Only orders inside the venue's report window
(``reports_since_ns``: KRX brokers report the current day) can be confirmed absent; a DAY order
from an earlier session is over at the venue whatever happened to it, so it is expired and
noted. Periodic reconciliation never does this: there, a submission may simply be in flight.

Fill reports may be aggregated per order (KIS reports one row per order with its cumulative
quantity, and its trade id is that of the last fill notice): the missing part is what the venue
filled beyond what the order knows, booked as one fill at the price that makes the order's
total notional equal the venue's.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jts.core.errors import JtsError
from jts.core.time import kst_date, kst_to_ns
from jts.domain.enums import OrderStatus, TimeInForce
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, TraderId, VenueOrderId
from jts.domain.orders import Order
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import Money, Price
from jts.live.messages import ReconciliationDifference
from jts.ports.repositories import OrderEventJournal

__all__ = [
    "NEVER_SENT",
    "PositionDifference",
    "ReconciliationPlan",
    "RecoveredJournal",
    "difference_events",
    "plan",
    "position_differences",
    "rebuild_orders",
    "report_window_start",
]

log = logging.getLogger(__name__)
#: How long before its submission a venue order may claim to be placed (clock skew).
SUBMIT_SKEW_NS = 120 * 1_000_000_000
#: The reason an order closed at start-up because the venue never got it carries.
NEVER_SENT = "never reached the venue"


def report_window_start(now_ns: int) -> int:
    """The first instant the venue's order reports cover: KRX brokers (KIS) list the orders of
    the current KST day."""
    return kst_to_ns(kst_date(now_ns))


@dataclass(slots=True)
class RecoveredJournal:
    """Orders rebuilt from the journal, and the histories that could not be replayed."""

    orders: list[Order] = field(default_factory=list)
    broken: dict[ClientOrderId, str] = field(default_factory=dict)
    last_sequence: int = 0
    #: Fills of the rebuilt orders in journal order: the order the portfolio applied them in,
    #: which a replay must keep (average cost and realised PnL depend on it).
    fills: list[OrderFilled] = field(default_factory=list)


def rebuild_orders(journal: OrderEventJournal) -> RecoveredJournal:
    """Replay the whole journal into orders (in the order they were first journaled).

    A history the order's transition table refuses is kept out and named in ``broken``: one
    corrupt order must not keep the node from recovering the others.
    """
    histories: dict[ClientOrderId, list[OrderEvent]] = {}
    fills: list[OrderFilled] = []
    result = RecoveredJournal()
    for record in journal.replay():
        event = record.event
        histories.setdefault(event.client_order_id, []).append(event)
        if isinstance(event, OrderFilled):
            fills.append(event)
        result.last_sequence = record.sequence
    for client_order_id, events in histories.items():
        try:
            result.orders.append(Order.rebuild(events))
        except JtsError as exc:
            result.broken[client_order_id] = str(exc)
            log.error("journal history of %s cannot be replayed: %s", client_order_id, exc)
    result.fills = [f for f in fills if f.client_order_id not in result.broken]
    return result


@dataclass(frozen=True, slots=True)
class PositionDifference:
    instrument_id: InstrumentId
    node_qty: Decimal
    venue_qty: Decimal

    def __str__(self) -> str:
        return f"{self.instrument_id}: node {self.node_qty}, venue {self.venue_qty}"


@dataclass(slots=True)
class ReconciliationPlan:
    """Venue events to apply (in order) and what could not be reconciled automatically."""

    events: list[OrderEvent] = field(default_factory=list)
    external: list[OrderStatusReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Orders closed because the venue never got them (their closing event is in ``events``).
    never_sent: list[ClientOrderId] = field(default_factory=list)

    @property
    def fills(self) -> int:
        return sum(isinstance(e, OrderFilled) for e in self.events)

    @property
    def differences(self) -> int:
        """Everything that differed: each event closes one gap, each external order is one."""
        return len(self.events) + len(self.external)


def _claim(
    order: Order, reports: Sequence[OrderStatusReport], claimed: set[VenueOrderId]
) -> OrderStatusReport | None:
    by_client = [r for r in reports if r.client_order_id == order.client_order_id]
    if by_client:
        return by_client[-1]
    ids = set(order.venue_order_ids)
    if ids:
        matches = [r for r in reports if r.venue_order_id in ids]
        # the order's current venue id wins (after a modify KIS moves the rest to a new one)
        current = [r for r in matches if r.venue_order_id == order.venue_order_id]
        found = current or matches
        return found[-1] if found else None
    submitted = order.ts_init - SUBMIT_SKEW_NS
    for report in reports:
        if (
            report.venue_order_id not in claimed
            and report.client_order_id is None
            and report.instrument_id == order.instrument_id
            and report.order_side is order.side
            and report.quantity == order.quantity
            and report.ts_accepted >= submitted
        ):
            return report
    return None


def _missing_fill(
    order: Order, report: OrderStatusReport, fills: Sequence[FillReport], now: int
) -> OrderFilled | None:
    """The part of the venue's filled quantity the order has not booked, as one fill."""
    missing = report.filled_qty.as_decimal() - order.filled_qty.as_decimal()
    if missing <= 0:
        return None
    instrument_fills = [f for f in fills if f.venue_order_id == report.venue_order_id]
    if not instrument_fills:
        raise JtsError(
            f"venue reports {report.filled_qty} filled for {order.client_order_id} but no fill "
            "report: price and costs of the missing fill are unknown"
        )
    last = instrument_fills[-1]
    if last.trade_id in order.trade_ids:
        return None
    venue_total = report.avg_px * report.filled_qty.as_decimal() if report.avg_px else None
    if venue_total is None:
        venue_total = sum(
            (f.last_px.as_decimal() * f.last_qty.as_decimal() for f in instrument_fills),
            Decimal(0),
        )
    px = (venue_total - order.filled_notional) / missing
    precision = last.last_px.precision
    price = Price(px.quantize(Decimal(1).scaleb(-precision)), precision)
    commission, tax = _missing_costs(order, last)
    return OrderFilled(
        trader_id=order.trader_id,
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
        account_id=report.account_id,
        venue_order_id=report.venue_order_id,
        trade_id=last.trade_id,
        order_side=order.side,
        order_type=order.order_type,
        last_qty=report.filled_qty - order.filled_qty,
        last_px=price,
        currency=last.currency,
        commission=commission,
        tax=tax,
        ts_event=report.ts_last,
        ts_init=now,
    )


def _missing_costs(order: Order, last: FillReport) -> tuple[Money, Money]:
    """Costs the venue charged beyond those already booked on the order (never negative)."""
    booked_commission = order.commissions.get(last.commission.currency)
    booked_tax = order.taxes.get(last.tax.currency)
    commission = last.commission
    tax = last.tax
    if booked_commission is not None and booked_commission.raw <= commission.raw:
        commission = commission - booked_commission
    if booked_tax is not None and booked_tax.raw <= tax.raw:
        tax = tax - booked_tax
    return commission, tax


def _closing_event(order: Order, report: OrderStatusReport, now: int) -> OrderEvent | None:
    status = report.order_status
    kind: type[OrderCanceled | OrderExpired | OrderRejected]
    extra: dict[str, Any] = {}
    reason = report.reason or "reconciled with the venue"
    if status is OrderStatus.CANCELED:
        kind, extra = OrderCanceled, {"venue_order_id": report.venue_order_id, "reason": reason}
    elif status is OrderStatus.EXPIRED:
        kind, extra = OrderExpired, {"venue_order_id": report.venue_order_id}
    elif status is OrderStatus.REJECTED:
        kind, extra = OrderRejected, {"reason": reason}
    else:
        return None
    return kind(
        trader_id=order.trader_id,
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
        account_id=report.account_id,
        ts_event=report.ts_last,
        ts_init=now,
        **extra,
    )


def _unsent_event(
    order: Order, now: int, reports_since_ns: int | None, notes: list[str]
) -> OrderEvent | None:
    """The event that closes an order the venue does not know, if it cannot have reached it
    (see the module docstring); None leaves it alone."""
    status = order.status
    if order.venue_order_ids or order.filled_qty.is_positive():
        return None  # the venue answered once: it knows the order, whatever its report says
    if status is OrderStatus.INITIALIZED:
        reason = f"{NEVER_SENT}: the node stopped between journaling the order and sending it"
        return _local_close(OrderCanceled, order, now, reason=reason)
    if status not in (
        OrderStatus.SUBMITTED,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_UPDATE,
    ):
        return None
    if reports_since_ns is not None and order.ts_last < reports_since_ns:
        if order.time_in_force is not TimeInForce.DAY:
            return None
        notes.append(
            f"{order.client_order_id} ({status.value}) was sent before the venue's report "
            "window: its session is over, expired without knowing whether it reached the venue"
        )
        return _local_close(OrderExpired, order, now)
    reason = f"{NEVER_SENT}: not in its order reports after the restart"
    if status is OrderStatus.SUBMITTED:
        return _local_close(OrderRejected, order, now, reason=reason)
    return _local_close(OrderCanceled, order, now, reason=reason)


def _local_close(
    kind: type[OrderCanceled | OrderExpired | OrderRejected], order: Order, now: int, **extra: Any
) -> OrderEvent:
    return kind(
        trader_id=order.trader_id,
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
        account_id=order.account_id,
        ts_event=now,
        ts_init=now,
        **extra,
    )


def plan(
    orders: Iterable[Order],
    status_reports: Sequence[OrderStatusReport],
    fill_reports: Sequence[FillReport],
    *,
    now: int,
    close_unsent: bool = False,
    reports_since_ns: int | None = None,
) -> ReconciliationPlan:
    """The venue events that bring ``orders`` in line with the venue. Pass every order the node
    knows, closed ones included: their venue ids are never claimed by an unanswered submission.

    Per order: an acknowledgement it missed, the fills it missed, and the venue's closing status
    (cancelled, expired, rejected) if it is closed there. Orders the venue does not report are
    left alone (a venue reports one day's orders; older ones are closed anyway) but noted;
    with ``close_unsent`` (start-up only), those the venue never acknowledged are closed as
    never sent (module docstring), ``reports_since_ns`` being the start of the venue's window.
    """
    result = ReconciliationPlan()
    known = list(orders)
    # every venue id the node knows is taken before any unanswered submission looks for its
    # venue order: a closed order's venue order must never be claimed by another
    claimed: set[VenueOrderId] = {vid for order in known for vid in order.venue_order_ids}
    fills_by_venue: dict[VenueOrderId, list[FillReport]] = defaultdict(list)
    for fill in fill_reports:
        fills_by_venue[fill.venue_order_id].append(fill)
    for order in known:
        if order.is_closed:
            continue
        report = _claim(order, status_reports, claimed)
        if report is None:
            unsent = (
                _unsent_event(order, now, reports_since_ns, result.notes) if close_unsent else None
            )
            if unsent is not None:
                result.events.append(unsent)
                result.never_sent.append(order.client_order_id)
            elif order.status is not OrderStatus.INITIALIZED:
                result.notes.append(f"{order.client_order_id} ({order.status.value}) not reported")
            continue
        claimed.add(report.venue_order_id)
        if order.venue_order_id is None and order.status is OrderStatus.SUBMITTED:
            result.events.append(
                OrderAccepted(
                    trader_id=order.trader_id,
                    strategy_id=order.strategy_id,
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    account_id=report.account_id,
                    venue_order_id=report.venue_order_id,
                    ts_event=report.ts_accepted,
                    ts_init=now,
                )
            )
        try:
            missing = _missing_fill(order, report, fills_by_venue[report.venue_order_id], now)
        except JtsError as exc:
            result.notes.append(str(exc))
            missing = None
        if missing is not None:
            result.events.append(missing)
        closing = _closing_event(order, report, now)
        if closing is not None:
            result.events.append(closing)
    for report in status_reports:
        unclaimed = report.venue_order_id not in claimed and report.client_order_id is None
        if unclaimed and not report.order_status.is_closed:
            result.external.append(report)
    return result


def position_differences(
    node_qty: dict[InstrumentId, Decimal], reports: Iterable[PositionReport]
) -> list[PositionDifference]:
    """Instruments whose net quantity in the node differs from the venue's holding.

    Only instruments the node trades (``node_qty`` keys, zero included) are compared: a holding
    the account had before JTS is the venue's business, not a difference.
    """
    venue: dict[InstrumentId, Decimal] = defaultdict(Decimal)
    for report in reports:
        venue[report.instrument_id] += report.signed_qty
    found = []
    for instrument_id, qty in sorted(node_qty.items(), key=lambda item: str(item[0])):
        held = venue.get(instrument_id, Decimal(0))
        if held != qty:
            found.append(PositionDifference(instrument_id, qty, held))
    return found


def difference_events(
    plan: ReconciliationPlan,
    positions: Iterable[PositionDifference],
    *,
    trader_id: TraderId,
    account_id: AccountId,
    now: int,
) -> list[ReconciliationDifference]:
    """What people must hear of a reconciliation: fills the node missed, orders it closed as
    never sent, external orders and position differences. Missed acknowledgements and cancels
    are routine catching up and only logged."""
    found: list[tuple[str, str, str, str]] = []
    for event in plan.events:
        if isinstance(event, OrderFilled):
            venue = f"filled {event.last_qty} @ {event.last_px}"
            found.append(
                (f"order {event.client_order_id}", "fill not booked", venue, "fill booked")
            )
    for client_order_id in plan.never_sent:
        found.append((f"order {client_order_id}", "sent", "not received", "closed as never sent"))
    for report in plan.external:
        venue = (
            f"{report.order_side.value} {report.quantity} {report.instrument_id} "
            f"{report.order_status.value}"
        )
        found.append(
            (f"venue order {report.venue_order_id}", "unknown", venue, "flagged as external")
        )
    for difference in positions:
        found.append(
            (
                f"position {difference.instrument_id}",
                str(difference.node_qty),
                str(difference.venue_qty),
                "logged; the node's books are left as they are",
            )
        )
    return [
        ReconciliationDifference(
            trader_id=trader_id,
            account_id=account_id,
            subject=subject,
            ours=ours,
            venue=venue,
            action=action,
            ts_event=now,
            ts_init=now,
        )
        for subject, ours, venue, action in found
    ]
