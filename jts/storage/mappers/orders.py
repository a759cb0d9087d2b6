"""`Order` <-> a row of ``orders``.

The row's ``events`` column holds the order's whole history and is the only thing `Order` is
rebuilt from (`Order.rebuild`), so the order read back is the order saved, field for field.
The other columns are a projection for queries (open orders, a strategy's orders, the UI); they
are written from the order and never read back into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jts.domain.orders import Order
from jts.storage.mappers.events import JsonCodec, events_from_text, events_to_text
from jts.storage.mappers.exact import fixed_to_db


def order_to_row(codec: JsonCodec, order: Order) -> dict[str, Any]:
    return {
        "client_order_id": str(order.client_order_id),
        "trader_id": str(order.trader_id),
        "strategy_id": str(order.strategy_id),
        "instrument_id": str(order.instrument_id),
        "account_id": None if order.account_id is None else str(order.account_id),
        "venue_order_id": None if order.venue_order_id is None else str(order.venue_order_id),
        "side": order.side.value,
        "order_type": order.order_type.value,
        "time_in_force": order.time_in_force.value,
        "quantity": fixed_to_db(order.quantity),
        "price": None if order.price is None else fixed_to_db(order.price),
        "trigger_price": None if order.trigger_price is None else fixed_to_db(order.trigger_price),
        "filled_qty": fixed_to_db(order.filled_qty),
        "avg_px": order.avg_px,
        "status": order.status.value,
        "is_closed": order.is_closed,
        "event_count": order.event_count,
        "ts_init": order.ts_init,
        "ts_last": order.ts_last,
        "events": events_to_text(codec, order.events),
    }


def order_from_row(codec: JsonCodec, row: Mapping[Any, Any]) -> Order:
    return Order.rebuild(events_from_text(codec, row["events"]))
