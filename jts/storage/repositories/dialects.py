"""The two places where SQLite and PostgreSQL differ for the repositories: the upsert statement
and how a refused write tells which constraint it broke."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


class Violation(enum.Enum):
    UNIQUE = "unique"
    FOREIGN_KEY = "foreign key"
    CHECK = "check"
    OTHER = "other"


_PG_STATES = {"23505": Violation.UNIQUE, "23503": Violation.FOREIGN_KEY, "23514": Violation.CHECK}
_SQLITE_NAMES = {
    "SQLITE_CONSTRAINT_UNIQUE": Violation.UNIQUE,
    "SQLITE_CONSTRAINT_PRIMARYKEY": Violation.UNIQUE,
    "SQLITE_CONSTRAINT_FOREIGNKEY": Violation.FOREIGN_KEY,
    "SQLITE_CONSTRAINT_CHECK": Violation.CHECK,
}


def violation(error: sa.exc.IntegrityError) -> Violation:
    """Which kind of constraint the database refused the write for."""
    orig = error.orig
    state = getattr(orig, "sqlstate", None)
    if state is not None:
        return _PG_STATES.get(state, Violation.OTHER)
    return _SQLITE_NAMES.get(getattr(orig, "sqlite_errorname", ""), Violation.OTHER)


def upsert(dialect: str, table: sa.Table, keys: Sequence[str]) -> sa.Executable:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` setting every non-key column from the row.

    Execute it with the rows as parameters (not baked in with ``.values``), so SQLAlchemy caches
    one compiled statement and batches many rows into few round trips.
    """
    stmt: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    result: sa.Executable = stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return result
