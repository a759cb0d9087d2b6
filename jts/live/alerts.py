"""What a live node alerts on beyond the kernel's events: reconciliation differences and venue
connections lost and restored (`jts.live.messages`), mapped with the notify formatting.

The dispatcher lives in the adapters layer, which cannot know the live node's messages; the
node hands it `live_alert` as its mapper instead, and it falls back to `from_event` for
fills, denials, rejections and the kill switch.
"""

from __future__ import annotations

from jts.adapters.notify.formatting import (
    disconnect_alert,
    from_event,
    reconciliation_alert,
    reconnect_alert,
)
from jts.domain.messages import Message
from jts.kernel import topics
from jts.live.messages import ConnectionLost, ConnectionRestored, ReconciliationDifference
from jts.live.topics import ALL_ORDER_EVENTS, CONNECTION_EVENTS, RECONCILIATION_EVENTS
from jts.ports.notifier import Alert

__all__ = ["ALERT_TOPICS", "live_alert"]

#: Every topic whose messages `live_alert` turns into alerts.
ALERT_TOPICS = (ALL_ORDER_EVENTS, topics.risk_events(), RECONCILIATION_EVENTS, CONNECTION_EVENTS)


def live_alert(message: Message) -> Alert | None:
    if isinstance(message, ReconciliationDifference):
        return reconciliation_alert(
            account=str(message.account_id),
            subject=message.subject,
            ours=message.ours,
            venue=message.venue,
            ts_ns=message.ts_event,
            action=message.action,
        )
    if isinstance(message, ConnectionLost):
        return disconnect_alert(
            source=message.source, reason=message.reason, ts_ns=message.ts_event
        )
    if isinstance(message, ConnectionRestored):
        return reconnect_alert(
            source=message.source, ts_ns=message.ts_event, down_ns=message.down_ns
        )
    return from_event(message)
