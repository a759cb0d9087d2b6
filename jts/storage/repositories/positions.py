"""Positions in ``positions``, replayed from ``fills`` (see `jts.storage.mappers.positions`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jts.core.errors import InvalidInputError, StateError
from jts.domain.enums import PositionSide
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId, PositionId, StrategyId, TradeId
from jts.domain.positions import Position
from jts.ports.repositories import UnknownPositionError
from jts.storage.mappers.fills import fill_from_row
from jts.storage.mappers.positions import position_from_row, position_to_row
from jts.storage.repositories.dialects import Violation, upsert, violation
from jts.storage.repositories.scope import Scope
from jts.storage.tables import fills, positions


class SqlPositionRepository:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def save(self, position: Position) -> None:
        applied = position.trade_ids
        if not applied:
            raise InvalidInputError(
                f"position {position.position_id} has no fills; "
                "a position is stored from its first fill on"
            )
        try:
            with self._scope.write() as conn:
                # only the trade ids are compared: mapping every fill of a long-lived slot
                # into a domain object would make each save slower as history grows
                stored = self._slot_trade_ids(
                    conn, position.instrument_id, position.strategy_id, len(applied)
                )
                if set(stored) != applied:
                    raise StateError(
                        f"position {position.position_id} applied {len(applied)} fills, but the "
                        f"first {len(applied)} stored fills of {position.instrument_id} / "
                        f"{position.strategy_id} ({len(stored)} found) are not those; store every "
                        "fill (FillRepository.add) before saving the position that applied it"
                    )
                (first,) = self._slot_fills(conn, position.instrument_id, position.strategy_id, 1)
                row = position_to_row(position, first)
                conn.execute(upsert(self._scope.dialect, positions, ["position_id"]), row)
        except sa.exc.IntegrityError as exc:
            kind = violation(exc)
            if kind is Violation.UNIQUE:
                raise StateError(
                    f"position {position.position_id}: another position id is stored for "
                    f"{position.instrument_id} / {position.strategy_id} "
                    "(one netting position per slot)"
                ) from None
            raise

    def find(self, position_id: PositionId) -> Position | None:
        found = self._load(positions.c.position_id == position_id)
        return found[0] if found else None

    def get(self, position_id: PositionId) -> Position:
        found = self.find(position_id)
        if found is None:
            raise UnknownPositionError(f"position {position_id} is not stored")
        return found

    def list_open(self) -> list[Position]:
        return self._load(positions.c.side != PositionSide.FLAT.value)

    def list_by_strategy(self, strategy_id: StrategyId) -> list[Position]:
        return self._load(positions.c.strategy_id == strategy_id)

    def _load(self, condition: sa.ColumnElement[bool]) -> list[Position]:
        with self._scope.read() as conn:
            rows: list[Any] = list(
                conn.execute(sa.select(positions).where(condition)).mappings().all()
            )
            replayed = [
                position_from_row(
                    row,
                    self._slot_fills(
                        conn, row["instrument_id"], row["strategy_id"], row["fill_count"]
                    ),
                )
                for row in rows
            ]
        return sorted(replayed, key=lambda p: str(p.position_id))

    @staticmethod
    def _slot_trade_ids(
        conn: sa.Connection, instrument_id: InstrumentId, strategy_id: StrategyId, limit: int
    ) -> list[TradeId]:
        query = (
            sa.select(fills.c.trade_id)
            .where(fills.c.instrument_id == instrument_id, fills.c.strategy_id == strategy_id)
            .order_by(fills.c.id)
            .limit(limit)
        )
        return [TradeId(value) for value in conn.execute(query).scalars()]

    @staticmethod
    def _slot_fills(
        conn: sa.Connection, instrument_id: InstrumentId, strategy_id: StrategyId, limit: int
    ) -> list[OrderFilled]:
        query = (
            sa.select(fills)
            .where(fills.c.instrument_id == instrument_id, fills.c.strategy_id == strategy_id)
            .order_by(fills.c.id)
            .limit(limit)
        )
        return [fill_from_row(row) for row in conn.execute(query).mappings().all()]
