"""Alerts for the things people must hear about: fills, denials, kill-switch trips,
reconciliation differences, disconnects.

`from_event` maps the domain events the node publishes on the bus to alerts; facts that are not
(yet) bus events, such as a reconciliation difference or a dropped venue connection, have a
builder each (`reconciliation_alert`, `disconnect_alert`, `reconnect_alert`) for the component
that notices them.

De-duplication keys are chosen here, because only here is it known what "the same thing again"
means: a fill is keyed by its trade id (a fill redelivered by an at-least-once bus alerts once),
a denial by strategy, instrument and reason (a strategy retrying the same refused order every
bar alerts once per window), a reconciliation difference by what differs and both values (the
same difference found every 10 s alerts once; a changed difference alerts again).
"""

from __future__ import annotations

from jts.adapters.notify.render import format_money, format_number, format_price
from jts.domain.events_order import OrderDenied, OrderFilled, OrderRejected
from jts.domain.events_risk import KillSwitchReset, KillSwitchTripped
from jts.domain.messages import Message
from jts.domain.values import Rounding
from jts.ports.notifier import Alert, AlertKind, Severity

__all__ = [
    "disconnect_alert",
    "fill_alert",
    "from_event",
    "reconciliation_alert",
    "reconnect_alert",
]


def fill_alert(event: OrderFilled) -> Alert:
    """``BUY 10 005930.KRX @ 70,100 KRW`` with notional, commission and tax."""
    side = event.order_side.value
    price = format_price(event.last_px, event.currency)
    summary = f"{side} {format_number(event.last_qty)} {event.instrument_id} @ {price}"
    # Display only: KRW notionals are exact; a crypto notional is rounded to the currency's
    # precision, which is how the venue books it too.
    notional = format_money(event.notional(Rounding.NEAREST))
    fields = {
        "strategy": str(event.strategy_id),
        "order": str(event.client_order_id),
        "venue order": str(event.venue_order_id),
        "trade": str(event.trade_id),
        "notional": notional,
        "commission": format_money(event.commission),
        "tax": format_money(event.tax),
    }
    if event.account_id is not None:
        fields["account"] = str(event.account_id)
    return Alert(
        kind=AlertKind.FILL,
        severity=Severity.INFO,
        title=f"Filled: {summary}",
        body=f"{summary} (notional {notional})",
        key=f"fill:{event.client_order_id}:{event.trade_id}",
        ts_ns=event.ts_event,
        fields=fields,
    )


def _denial_alert(event: OrderDenied | OrderRejected, by: str) -> Alert:
    fields = {
        "strategy": str(event.strategy_id),
        "instrument": str(event.instrument_id),
        "order": str(event.client_order_id),
        "reason": event.reason,
    }
    if event.account_id is not None:
        fields["account"] = str(event.account_id)
    return Alert(
        kind=AlertKind.DENIAL,
        severity=Severity.WARNING,
        title=f"Order {by}: {event.instrument_id} ({event.strategy_id})",
        body=event.reason,
        key=f"{by}:{event.strategy_id}:{event.instrument_id}:{event.reason}",
        ts_ns=event.ts_event,
        fields=fields,
    )


def _kill_switch_tripped(event: KillSwitchTripped) -> Alert:
    return Alert(
        kind=AlertKind.KILL_SWITCH,
        severity=Severity.CRITICAL,
        title=f"Kill switch tripped on {event.trader_id}",
        body=(
            f"{event.reason}. New orders are blocked and open orders are being cancelled "
            "until the kill switch is reset."
        ),
        # ts_event in the key: the same trip redelivered alerts once, a later trip again.
        key=f"kill:{event.trader_id}:{event.ts_event}",
        ts_ns=event.ts_event,
        fields={"trader": str(event.trader_id), "reason": event.reason},
    )


def _kill_switch_reset(event: KillSwitchReset) -> Alert:
    # WARNING, not INFO: whoever was paged for the trip must also hear that trading resumed.
    return Alert(
        kind=AlertKind.KILL_SWITCH,
        severity=Severity.WARNING,
        title=f"Kill switch reset on {event.trader_id}",
        body=f"Trading is allowed again (it was tripped for: {event.previous_reason}).",
        key=f"kill-reset:{event.trader_id}:{event.ts_event}",
        ts_ns=event.ts_event,
        fields={"trader": str(event.trader_id), "previous reason": event.previous_reason},
    )


def from_event(message: Message) -> Alert | None:
    """The alert for a bus message, or None for messages nobody needs to be told about.

    Subscribe the dispatcher to ``events.order.**`` and ``events.risk``; order acceptances,
    cancels and the like return None (they are routine, and the UI shows them).
    """
    if isinstance(message, OrderFilled):
        return fill_alert(message)
    if isinstance(message, OrderDenied):
        return _denial_alert(message, "denied")
    if isinstance(message, OrderRejected):
        return _denial_alert(message, "rejected")
    if isinstance(message, KillSwitchTripped):
        return _kill_switch_tripped(message)
    if isinstance(message, KillSwitchReset):
        return _kill_switch_reset(message)
    return None


def reconciliation_alert(
    *,
    account: str,
    subject: str,
    ours: str,
    venue: str,
    ts_ns: int,
    action: str = "",
) -> Alert:
    """A difference between our journal and the venue's reports.

    ``subject`` names what differs (``position 005930.KRX``, ``order O-123``, ``cash KRW``);
    ``ours`` and ``venue`` are the two values as text (format amounts with
    `jts.adapters.notify.render`); ``action`` says what reconciliation did about it.
    """
    body = f"{subject}: ours {ours}, venue {venue}."
    if action:
        body += f" {action}"
    fields = {"account": account, "subject": subject, "ours": ours, "venue": venue}
    if action:
        fields["action"] = action
    return Alert(
        kind=AlertKind.RECONCILIATION,
        severity=Severity.WARNING,
        title=f"Reconciliation difference on {account}: {subject}",
        body=body,
        key=f"recon:{account}:{subject}:{ours}:{venue}",
        ts_ns=ts_ns,
        fields=fields,
    )


def disconnect_alert(*, source: str, reason: str, ts_ns: int, retrying: bool = True) -> Alert:
    """A connection to a venue or service dropped (market data WebSocket, order channel, bus).

    Keyed by source only: a connection flapping every few seconds alerts once per window.
    """
    then = "Reconnecting." if retrying else "Not reconnecting: manual action needed."
    return Alert(
        kind=AlertKind.DISCONNECT,
        severity=Severity.WARNING if retrying else Severity.ERROR,
        title=f"Disconnected: {source}",
        body=f"{reason}. {then}",
        key=f"disconnect:{source}",
        ts_ns=ts_ns,
        fields={"source": source, "reason": reason},
    )


def reconnect_alert(*, source: str, ts_ns: int, down_ns: int) -> Alert:
    """The connection is back after ``down_ns`` nanoseconds."""
    seconds = down_ns // 1_000_000_000
    return Alert(
        kind=AlertKind.DISCONNECT,
        severity=Severity.INFO,
        title=f"Reconnected: {source}",
        body=f"{source} is connected again after {seconds} s.",
        key=f"reconnect:{source}",
        ts_ns=ts_ns,
        fields={"source": source, "down for": f"{seconds} s"},
    )
