"""Instruments (reference data) in the ``instruments`` table."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from jts.core.errors import UnknownInstrumentError
from jts.domain.identifiers import InstrumentId, Venue
from jts.domain.instruments import Instrument
from jts.ports.repositories import DuplicateInstrumentError
from jts.storage.mappers.instruments import instrument_from_row, instrument_to_row
from jts.storage.repositories.dialects import Violation, upsert, violation
from jts.storage.repositories.scope import Scope
from jts.storage.tables import instruments


class SqlInstrumentRepository:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add(self, instrument: Instrument) -> None:
        try:
            with self._scope.write() as conn:
                conn.execute(instruments.insert(), instrument_to_row(instrument))
        except sa.exc.IntegrityError as exc:
            if violation(exc) is Violation.UNIQUE:
                raise DuplicateInstrumentError(
                    f"instrument {instrument.id} is already stored; use upsert to replace it"
                ) from None
            raise

    def upsert(self, instrument: Instrument) -> None:
        self.upsert_many((instrument,))

    def upsert_many(self, items: Iterable[Instrument]) -> int:
        rows = {str(i.id): instrument_to_row(i) for i in items}  # the last of a repeated id wins
        if rows:
            with self._scope.write() as conn:
                statement = upsert(self._scope.dialect, instruments, ["instrument_id"])
                conn.execute(statement, list(rows.values()))
        return len(rows)

    def find(self, instrument_id: InstrumentId) -> Instrument | None:
        with self._scope.read() as conn:
            row = (
                conn.execute(
                    sa.select(instruments).where(instruments.c.instrument_id == instrument_id)
                )
                .mappings()
                .one_or_none()
            )
        return None if row is None else instrument_from_row(row)

    def get(self, instrument_id: InstrumentId) -> Instrument:
        found = self.find(instrument_id)
        if found is None:
            raise UnknownInstrumentError(f"instrument {instrument_id} is not stored")
        return found

    def list_all(self, venue: Venue | None = None) -> list[Instrument]:
        query = sa.select(instruments)
        if venue is not None:
            query = query.where(instruments.c.venue == venue)
        with self._scope.read() as conn:
            rows = conn.execute(query).mappings().all()
        # Sorted here, not in SQL: a PostgreSQL collation other than "C" would order the ids
        # differently from SQLite.
        return sorted((instrument_from_row(row) for row in rows), key=lambda i: str(i.id))

    def count(self) -> int:
        with self._scope.read() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(instruments)).scalar_one()
            )
