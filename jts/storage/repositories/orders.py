"""Order snapshots in ``orders``: one row per client order id, replaced as the order changes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jts.core.errors import UnknownInstrumentError
from jts.domain.identifiers import ClientOrderId, StrategyId
from jts.domain.orders import Order
from jts.ports.repositories import OrderConflictError, StaleSnapshotError, UnknownOrderError
from jts.storage.mappers.events import JsonCodec, first_event_from_text
from jts.storage.mappers.orders import order_from_row, order_to_row
from jts.storage.repositories.dialects import Violation, violation
from jts.storage.repositories.scope import Scope
from jts.storage.tables import orders

#: Parameters passed at execution (not baked in with ``.values``): one cached statement.
_UPDATE = orders.update().where(orders.c.client_order_id == sa.bindparam("_key"))


class SqlOrderRepository:
    def __init__(self, scope: Scope, codec: JsonCodec) -> None:
        self._scope = scope
        self._codec = codec

    def save(self, order: Order) -> None:
        row = order_to_row(self._codec, order)
        try:
            with self._scope.write() as conn:
                stored = conn.execute(
                    sa.select(orders.c.event_count, orders.c.events).where(
                        orders.c.client_order_id == order.client_order_id
                    )
                ).one_or_none()
                if stored is None:
                    conn.execute(orders.insert(), row)
                    return
                if stored.event_count == order.event_count and stored.events == row["events"]:
                    return  # the same snapshot again (a replay after a restart): nothing to do
                self._check_continues(order, stored.event_count, stored.events)
                conn.execute(_UPDATE, {**row, "_key": row["client_order_id"]})
        except sa.exc.IntegrityError as exc:
            if violation(exc) is Violation.FOREIGN_KEY:
                raise UnknownInstrumentError(
                    f"order {order.client_order_id} is for instrument {order.instrument_id}, "
                    "which is not stored"
                ) from None
            raise

    def _check_continues(self, order: Order, stored_count: int, stored_events: str) -> None:
        """A snapshot may only move forward along the same order's history."""
        if stored_count > order.event_count:
            raise StaleSnapshotError(
                f"order {order.client_order_id}: the stored snapshot has {stored_count} events, "
                f"this one {order.event_count}; an older snapshot is not saved over a newer one"
            )
        if first_event_from_text(self._codec, stored_events) != order.init:
            raise OrderConflictError(
                f"order {order.client_order_id}: a different order (another OrderInitialized) is "
                "stored under this client order id"
            )

    def find(self, client_order_id: ClientOrderId) -> Order | None:
        found = self._load(orders.c.client_order_id == client_order_id)
        return found[0] if found else None

    def get(self, client_order_id: ClientOrderId) -> Order:
        found = self.find(client_order_id)
        if found is None:
            raise UnknownOrderError(f"order {client_order_id} is not stored")
        return found

    def list_open(self) -> list[Order]:
        return self._load(orders.c.is_closed == sa.false())

    def list_by_strategy(self, strategy_id: StrategyId, *, open_only: bool = False) -> list[Order]:
        condition = orders.c.strategy_id == strategy_id
        if open_only:
            condition = sa.and_(condition, orders.c.is_closed == sa.false())
        return self._load(condition)

    def event_counts(self) -> dict[ClientOrderId, int]:
        query = sa.select(orders.c.client_order_id, orders.c.event_count)
        with self._scope.read() as conn:
            return {ClientOrderId(key): int(n) for key, n in conn.execute(query).all()}

    def count(self) -> int:
        with self._scope.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one())

    def _load(self, condition: sa.ColumnElement[bool]) -> list[Order]:
        query = sa.select(orders.c.ts_init, orders.c.client_order_id, orders.c.events).where(
            condition
        )
        with self._scope.read() as conn:
            rows: list[Any] = list(conn.execute(query).mappings().all())
        # Sorted here, not in SQL, so both databases agree whatever PostgreSQL's collation.
        rows.sort(key=lambda r: (r["ts_init"], r["client_order_id"]))
        return [order_from_row(self._codec, row) for row in rows]
