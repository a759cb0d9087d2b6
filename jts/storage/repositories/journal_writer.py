"""The journal's append path: one INSERT and its commit on a DBAPI connection the journal holds.

The OMS appends twice per order before the order leaves the process, so an append is on the
tick-to-order path (issue 6). Through a pooled SQLAlchemy connection an append cost a checkout
ping, a ``SELECT max(order_seq)``, the INSERT and the COMMIT: four round trips on PostgreSQL
and ~30x the raw cost on SQLite. Here an append is one statement and its commit:

- PostgreSQL: the connection is in autocommit mode and the rows go in one multi-row ``INSERT
  ... RETURNING`` (prepared by psycopg), so an append is one round trip and has committed, with
  ``synchronous_commit`` as configured (on by default: flushed to the WAL) when it returns.
- SQLite: ``BEGIN IMMEDIATE``, the INSERTs, ``COMMIT``, all local calls on the held connection
  (WAL, the engine's ``synchronous`` setting).

No ping: a dead PostgreSQL connection shows itself as a disconnect error on the INSERT. Whether
the INSERT committed before the connection died cannot be known from the error, so the writer
asks a fresh connection: every row there, with the same payload, means it was written (its
sequences are returned, nothing is written twice); none there means nothing was, and the INSERT
is retried once on the fresh connection. The ``(client_order_id, order_seq)`` unique constraint
makes the retry safe even against a statement still running on the old server process: it can
only fail, never append an event twice. Anything else surfaces.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

import sqlalchemy as sa
from sqlalchemy.pool import PoolProxiedConnection

_SQLITE_INSERT: Final = (
    "INSERT INTO order_events (client_order_id, order_seq, event_type, ts_event, ts_init, payload)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_PG_INSERT_HEAD: Final = (
    "INSERT INTO order_events (client_order_id, order_seq, event_type, ts_event, ts_init, payload)"
    " VALUES "
)
_PG_INSERT_TAIL: Final = " RETURNING seq, client_order_id, order_seq"
_PG_ROW: Final = "(%s, %s, %s, %s, %s, %s)"
_SELECT_STORED: Final = {
    True: "SELECT seq, payload FROM order_events WHERE client_order_id = %s AND order_seq = %s",
    False: "SELECT seq, payload FROM order_events WHERE client_order_id = ? AND order_seq = ?",
}


class JournalRow(NamedTuple):
    client_order_id: str
    order_seq: int
    event_type: str
    ts_event: int
    ts_init: int
    payload: str


class JournalWriter:
    """Appends rows to ``order_events`` on one connection of ``engine``, taken at first use and
    kept until `close`. Safe to call from several threads (one append at a time)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._held: PoolProxiedConnection | None = None
        self._lock = threading.Lock()

    def insert(self, rows: Sequence[JournalRow]) -> list[int]:
        """Write ``rows`` in one transaction and return their journal sequences, in order.

        Raises SQLAlchemy's `DBAPIError` subclasses (`IntegrityError` for a refused row), as the
        pooled path did, with nothing written.
        """
        with self._lock:
            held = self._connection()
            try:
                return self._insert_on(held, rows)
            except self._dbapi_error() as exc:
                wrapped = self._wrap(exc, rows)
                if not wrapped.connection_invalidated:
                    raise wrapped from None
                self._drop(held)
                return self._recover(rows, wrapped)

    def close(self) -> None:
        """Give the held connection back to the engine's pool (or drop it if it broke)."""
        with self._lock:
            held, self._held = self._held, None
            if held is None:
                return
            try:
                if self._postgres:
                    held.driver_connection.autocommit = False  # type: ignore[union-attr]
            except Exception:
                held.invalidate()
                return
            held.close()

    # ---- the connection ---------------------------------------------------------------------
    def _connection(self) -> PoolProxiedConnection:
        if self._held is None:
            held = self._engine.raw_connection()
            if self._postgres:
                try:
                    held.driver_connection.autocommit = True  # type: ignore[union-attr]
                except BaseException:
                    held.close()
                    raise
            self._held = held
        return self._held

    def _drop(self, held: PoolProxiedConnection) -> None:
        self._held = None
        held.invalidate()

    def _dbapi_error(self) -> type[Exception]:
        error: type[Exception] = self._engine.dialect.loaded_dbapi.Error
        return error

    def _wrap(self, exc: Any, rows: Sequence[JournalRow]) -> sa.exc.DBAPIError:
        """The SQLAlchemy error the pooled path raised for this driver error (so callers, and
        the CLI's error reporting, see one kind of error), marked when the connection is dead."""
        held = self._held
        disconnect = held is not None and self._engine.dialect.is_disconnect(
            exc, held.driver_connection, None
        )
        wrapped = sa.exc.DBAPIError.instance(
            _PG_INSERT_HEAD + "..." if self._postgres else _SQLITE_INSERT,
            [tuple(r) for r in rows],
            exc,
            self._dbapi_error(),
            connection_invalidated=disconnect,
            dialect=self._engine.dialect,
        )
        assert isinstance(wrapped, sa.exc.DBAPIError)  # orig is always a DBAPI error here
        return wrapped

    # ---- after a disconnect -----------------------------------------------------------------
    def _recover(self, rows: Sequence[JournalRow], lost: sa.exc.DBAPIError) -> list[int]:
        """Find out on a fresh connection whether the lost INSERT committed; retry it once if
        it certainly did not. Any doubt raises ``lost``'s error, never a second append."""
        try:
            held = self._connection()
            stored = self._stored(held, rows)
        except self._dbapi_error() as exc:
            if self._held is not None:
                self._drop(self._held)
            raise self._wrap(exc, rows) from lost
        if all(s is not None for s in stored):
            return [s for s in stored if s is not None]
        if any(s is not None for s in stored):
            raise lost  # part of one statement cannot have committed: do not guess
        try:
            return self._insert_on(held, rows)
        except self._dbapi_error() as exc:
            wrapped = self._wrap(exc, rows)
            if wrapped.connection_invalidated:
                self._drop(held)
            raise wrapped from lost

    def _stored(self, held: PoolProxiedConnection, rows: Sequence[JournalRow]) -> list[int | None]:
        """Each row's sequence if the journal holds exactly it (same payload), else None."""
        cursor = held.cursor()
        try:
            found: list[int | None] = []
            query = _SELECT_STORED[self._postgres]
            for row in rows:
                cursor.execute(query, (row.client_order_id, row.order_seq))
                hit = cursor.fetchone()
                found.append(int(hit[0]) if hit is not None and hit[1] == row.payload else None)
            return found
        finally:
            cursor.close()

    # ---- the statement ----------------------------------------------------------------------
    def _insert_on(self, held: PoolProxiedConnection, rows: Sequence[JournalRow]) -> list[int]:
        if self._postgres:
            return _insert_postgres(held.driver_connection, rows)
        return _insert_sqlite(held.driver_connection, rows)


def _insert_postgres(conn: Any, rows: Sequence[JournalRow]) -> list[int]:
    """One statement in autocommit: atomic, committed when the answer arrives."""
    query = _PG_INSERT_HEAD + ", ".join([_PG_ROW] * len(rows)) + _PG_INSERT_TAIL
    params = [value for row in rows for value in row]
    with conn.cursor() as cursor:
        cursor.execute(query, params, prepare=True)
        returned = cursor.fetchall()
    # RETURNING's row order is not promised: match each row by its unique key.
    by_key = {(str(oid), int(n)): int(seq) for seq, oid, n in returned}
    return [by_key[(row.client_order_id, row.order_seq)] for row in rows]


def _insert_sqlite(conn: Any, rows: Sequence[JournalRow]) -> list[int]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` around the INSERTs; rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        sequences = [int(conn.execute(_SQLITE_INSERT, row).lastrowid) for row in rows]
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return sequences
