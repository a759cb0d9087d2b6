"""Which connection and transaction a repository call runs on.

Every repository method is atomic by itself. `Scope.transaction` groups several calls, across
repositories, into one unit of work that commits or rolls back as a whole; calls made inside
it join it. The current unit of work is held in a `ContextVar`, so two threads, or two asyncio
tasks, using one `Storage` never see each other's transaction.

Inside a unit of work each write runs in a SAVEPOINT: a write the database refuses (a duplicate
fill, an unknown instrument) is undone alone and the unit of work stays usable. Without it,
PostgreSQL would poison the whole transaction on the first error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa

from jts.storage.engine import SQLITE_BEGIN_OPTION


class Scope:
    """Connections for the repositories of one `Storage` (one engine)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._current: ContextVar[sa.Connection | None] = ContextVar(
            f"jts_storage_tx_{id(self):x}", default=None
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def in_transaction(self) -> bool:
        """Whether a unit of work is open in this context (its writes must join it)."""
        return self._current.get() is not None

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A unit of work: commits when the block ends, rolls back if it raises.

        Nested calls join the outer unit of work. On SQLite the write lock is taken at BEGIN
        (``BEGIN IMMEDIATE``), so a unit of work that reads before it writes waits for another
        writer instead of failing halfway.
        """
        current = self._current.get()
        if current is not None:
            yield current
            return
        with self.engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                token = self._current.set(conn)
                try:
                    yield conn
                finally:
                    self._current.reset(token)

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One atomic write: its own transaction, or a savepoint inside the current one."""
        current = self._current.get()
        if current is None:
            with self.transaction() as conn:
                yield conn
            return
        with current.begin_nested():
            yield current

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for reading: the current unit of work's (it sees its own writes)."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        with self.engine.connect() as conn:
            yield conn
