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
from jts.domain.enums import OrderStatus
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from jts.domain.identifiers import ClientOrderId, InstrumentId, VenueOrderId
from jts.domain.orders import Order
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import Money, Price
from jts.ports.repositories import OrderEventJournal

__all__ = [
    "PositionDifference",
    "ReconciliationPlan",
    "RecoveredJournal",
    "plan",
    "position_differences",
    "rebuild_orders",
]

log = logging.getLogger(__name__)
#: How long before its submission a venue order may claim to be placed (clock skew).
SUBMIT_SKEW_NS = 120 * 1_000_000_000


@dataclass(slots=True)
class RecoveredJournal:
    """Orders rebuilt from the journal, and the histories that could not be replayed."""

    orders: list[Order] = field(default_factory=list)
    broken: dict[ClientOrderId, str] = field(default_factory=dict)
    last_sequence: int = 0


def rebuild_orders(journal: OrderEventJournal) -> RecoveredJournal:
    """Replay the whole journal into orders (in the order they were first journaled).

    A history the order's transition table refuses is kept out and named in ``broken``: one
    corrupt order must not keep the node from recovering the others.
    """
    histories: dict[ClientOrderId, list[OrderEvent]] = {}
    result = RecoveredJournal()
    for record in journal.replay():
        histories.setdefault(record.event.client_order_id, []).append(record.event)
        result.last_sequence = record.sequence
    for client_order_id, events in histories.items():
        try:
            result.orders.append(Order.rebuild(events))
        except JtsError as exc:
            result.broken[client_order_id] = str(exc)
            log.error("journal history of %s cannot be replayed: %s", client_order_id, exc)
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


def plan(
    orders: Iterable[Order],
    status_reports: Sequence[OrderStatusReport],
    fill_reports: Sequence[FillReport],
    *,
    now: int,
) -> ReconciliationPlan:
    """The venue events that bring ``orders`` (rebuilt, not yet closed) in line with the venue.

    Per order: an acknowledgement it missed, the fills it missed, and the venue's closing status
    (cancelled, expired, rejected) if it is closed there. Orders the venue does not report are
    left alone (a venue reports one day's orders; older ones are closed anyway) but noted.
    """
    result = ReconciliationPlan()
    claimed: set[VenueOrderId] = set()
    fills_by_venue: dict[VenueOrderId, list[FillReport]] = defaultdict(list)
    for fill in fill_reports:
        fills_by_venue[fill.venue_order_id].append(fill)
    for order in orders:
        if order.is_closed:
            claimed.update(order.venue_order_ids)
            continue
        report = _claim(order, status_reports, claimed)
        if report is None:
            if order.status is not OrderStatus.INITIALIZED:
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
