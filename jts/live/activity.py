"""Human-readable trading activity on the console: every order event and position change.

Subscribed to the bus like any outside consumer (the kernel publishes after the OMS journaled
the event and the portfolio booked it), so what the console shows is exactly what the node
recorded, in the order it recorded it.
"""

from __future__ import annotations

from typing import Any

from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderInitialized,
    OrderRejected,
)
from jts.domain.events_position import PositionEvent
from jts.domain.events_risk import KillSwitchReset, KillSwitchTripped
from jts.domain.messages import Message
from jts.ports.bus import MessageBus

__all__ = ["ActivityLog"]


class ActivityLog:
    """Logs order, position and risk events; counts them per kind (tests, the summary)."""

    def __init__(self, log: Any) -> None:
        self._log = log
        self.counts: dict[str, int] = {}

    def attach(self, bus: MessageBus) -> None:
        bus.subscribe("events.order.**", self.on_event)
        bus.subscribe("events.position.**", self.on_event)
        bus.subscribe("events.risk", self.on_event)

    def on_event(self, message: Message) -> None:
        kind = type(message).__name__
        self.counts[kind] = self.counts.get(kind, 0) + 1
        log = self._log
        if isinstance(message, OrderInitialized):
            log.info(
                "order",
                id=str(message.client_order_id),
                side=message.side.value,
                qty=str(message.quantity),
                instrument=str(message.instrument_id),
                type=message.order_type.value,
            )
        elif isinstance(message, OrderAccepted):
            log.info(
                "accepted", id=str(message.client_order_id), venue_id=str(message.venue_order_id)
            )
        elif isinstance(message, OrderFilled):
            log.info(
                "filled",
                id=str(message.client_order_id),
                side=message.order_side.value,
                qty=str(message.last_qty),
                px=str(message.last_px),
                commission=str(message.commission),
                tax=str(message.tax),
            )
        elif isinstance(message, OrderDenied | OrderRejected):
            log.warning(kind, id=str(message.client_order_id), reason=message.reason)
        elif isinstance(message, OrderCanceled):
            log.info("canceled", id=str(message.client_order_id), reason=message.reason)
        elif isinstance(message, PositionEvent):
            log.info(
                "position",
                instrument=str(message.instrument_id),
                strategy=str(message.strategy_id),
                qty=str(message.signed_qty),
            )
        elif isinstance(message, KillSwitchTripped | KillSwitchReset):
            log.warning(kind, detail=str(message))
        else:
            log.debug(kind, id=str(getattr(message, "client_order_id", "")))
