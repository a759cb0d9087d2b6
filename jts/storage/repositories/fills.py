"""Fills in the ``fills`` table: each execution once, never doubled."""

from __future__ import annotations

import sqlalchemy as sa

from jts.core.errors import DuplicateFillError, UnknownInstrumentError
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import ClientOrderId, InstrumentId, StrategyId
from jts.storage.mappers.fills import fill_from_row, fill_to_row
from jts.storage.repositories.dialects import Violation, violation
from jts.storage.repositories.scope import Scope
from jts.storage.tables import fills


class SqlFillRepository:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add(self, fill: OrderFilled) -> None:
        try:
            with self._scope.write() as conn:
                conn.execute(fills.insert(), fill_to_row(fill))
        except sa.exc.IntegrityError as exc:
            kind = violation(exc)
            if kind is Violation.UNIQUE:
                raise DuplicateFillError(
                    f"fill {fill.trade_id} of order {fill.client_order_id} is already stored; "
                    "a fill is recorded once"
                ) from None
            if kind is Violation.FOREIGN_KEY:
                raise UnknownInstrumentError(
                    f"fill {fill.trade_id} of order {fill.client_order_id} is for instrument "
                    f"{fill.instrument_id}, which is not stored"
                ) from None
            raise

    def for_order(self, client_order_id: ClientOrderId) -> list[OrderFilled]:
        return self._select(fills.c.client_order_id == client_order_id, order_by=fills.c.id)

    def query(
        self,
        *,
        instrument_id: InstrumentId | None = None,
        strategy_id: StrategyId | None = None,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> list[OrderFilled]:
        conditions: list[sa.ColumnElement[bool]] = []
        if instrument_id is not None:
            conditions.append(fills.c.instrument_id == instrument_id)
        if strategy_id is not None:
            conditions.append(fills.c.strategy_id == strategy_id)
        if start_ns is not None:
            conditions.append(fills.c.ts_event >= start_ns)
        if end_ns is not None:
            conditions.append(fills.c.ts_event < end_ns)
        return self._select(
            sa.and_(sa.true(), *conditions), order_by=(fills.c.ts_event, fills.c.id)
        )

    def count(self) -> int:
        with self._scope.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(fills)).scalar_one())

    def _select(
        self,
        condition: sa.ColumnElement[bool],
        *,
        order_by: sa.ColumnElement[object] | tuple[sa.ColumnElement[object], ...],
        limit: int | None = None,
    ) -> list[OrderFilled]:
        ordering = order_by if isinstance(order_by, tuple) else (order_by,)
        query = sa.select(fills).where(condition).order_by(*ordering)
        if limit is not None:
            query = query.limit(limit)
        with self._scope.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [fill_from_row(row) for row in rows]
