"""All domain events in one import: order, position and account events.

The definitions live in `events_order`, `events_position` and `events_account` (split by
concept to keep modules small); import them from here.
"""

from __future__ import annotations

from typing import Final

from jts.domain.events_account import ACCOUNT_EVENT_TYPES, AccountBalance, AccountState
from jts.domain.events_order import (
    ORDER_EVENT_TYPES,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
    OrderTriggered,
    OrderUpdated,
    check_order_spec,
)
from jts.domain.events_position import (
    POSITION_EVENT_TYPES,
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from jts.domain.messages import Message

#: Every concrete event type (what the codec registers from this module).
EVENT_TYPES: Final[tuple[type[Message], ...]] = (
    *ORDER_EVENT_TYPES,
    *POSITION_EVENT_TYPES,
    *ACCOUNT_EVENT_TYPES,
)

__all__ = [
    "ACCOUNT_EVENT_TYPES",
    "EVENT_TYPES",
    "ORDER_EVENT_TYPES",
    "POSITION_EVENT_TYPES",
    "AccountBalance",
    "AccountState",
    "OrderAccepted",
    "OrderCancelRejected",
    "OrderCanceled",
    "OrderDenied",
    "OrderEvent",
    "OrderExpired",
    "OrderFilled",
    "OrderInitialized",
    "OrderModifyRejected",
    "OrderPendingCancel",
    "OrderPendingUpdate",
    "OrderRejected",
    "OrderSubmitted",
    "OrderTriggered",
    "OrderUpdated",
    "PositionChanged",
    "PositionClosed",
    "PositionEvent",
    "PositionOpened",
    "check_order_spec",
]
