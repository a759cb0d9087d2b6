"""Daily snapshots in ``daily_snapshots``: one row per account and KST day, never moved back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from jts.domain.identifiers import AccountId
from jts.ports.repositories import DailySnapshot, StaleSnapshotError, UnknownSnapshotError
from jts.storage.mappers.snapshots import snapshot_from_row, snapshot_to_row
from jts.storage.repositories.scope import Scope
from jts.storage.tables import daily_snapshots

_KEYS = ("account_id", "day")


def _upsert_unless_newer(dialect: str) -> sa.Executable:
    """Insert, or update the day's row only if it was not taken later than this one: one
    statement, so two writers cannot both pass a check made before either wrote."""
    stmt: Any = (
        postgresql.insert(daily_snapshots)
        if dialect == "postgresql"
        else sqlite.insert(daily_snapshots)
    )
    updates = {
        c.name: stmt.excluded[c.name] for c in daily_snapshots.columns if c.name not in _KEYS
    }
    # RETURNING tells whether a row was written: rowcount is not reliable for an upsert
    # (psycopg reports -1)
    result: sa.Executable = stmt.on_conflict_do_update(
        index_elements=list(_KEYS),
        set_=updates,
        where=daily_snapshots.c.ts_taken <= stmt.excluded.ts_taken,
    ).returning(daily_snapshots.c.ts_taken)
    return result


class SqlDailySnapshotRepository:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self._upsert = _upsert_unless_newer(scope.dialect)

    def save(self, snapshot: DailySnapshot) -> None:
        row = snapshot_to_row(snapshot)
        with self._scope.write() as conn:
            written = conn.execute(self._upsert, row).first()
            if written is None:
                stored = conn.execute(
                    sa.select(daily_snapshots.c.ts_taken).where(*self._key(snapshot))
                ).scalar_one()
                raise StaleSnapshotError(
                    f"daily snapshot of {snapshot.account_id} on {snapshot.day} taken at "
                    f"{snapshot.ts_taken} is older than the stored one ({stored}); not saved"
                )

    def find(self, account_id: AccountId, day: dt.date) -> DailySnapshot | None:
        found = self._select(
            sa.and_(daily_snapshots.c.account_id == account_id, daily_snapshots.c.day == day)
        )
        return found[0] if found else None

    def get(self, account_id: AccountId, day: dt.date) -> DailySnapshot:
        found = self.find(account_id, day)
        if found is None:
            raise UnknownSnapshotError(f"no daily snapshot of {account_id} on {day} is stored")
        return found

    def query(
        self,
        *,
        account_id: AccountId | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[DailySnapshot]:
        conditions: list[sa.ColumnElement[bool]] = []
        if account_id is not None:
            conditions.append(daily_snapshots.c.account_id == account_id)
        if start is not None:
            conditions.append(daily_snapshots.c.day >= start)
        if end is not None:
            conditions.append(daily_snapshots.c.day <= end)
        return self._select(sa.and_(sa.true(), *conditions))

    def _select(self, condition: sa.ColumnElement[bool]) -> list[DailySnapshot]:
        query = sa.select(daily_snapshots).where(condition)
        with self._scope.read() as conn:
            rows = conn.execute(query).mappings().all()
        snapshots = [snapshot_from_row(row) for row in rows]
        # sorted here, not in SQL, so both databases agree whatever PostgreSQL's collation
        return sorted(snapshots, key=lambda s: (s.day, str(s.account_id)))

    @staticmethod
    def _key(snapshot: DailySnapshot) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            daily_snapshots.c.account_id == snapshot.account_id,
            daily_snapshots.c.day == snapshot.day,
        )
