"""The journal's append path when the connection fails: a dead PostgreSQL connection is
replaced and the append retried once only when the database shows it was not written; any
other failure surfaces with nothing written and the journal usable afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from jts.domain.orders import Order
from jts.domain.values import Quantity
from jts.storage import Storage
from jts.storage.repositories import journal_writer
from tests.contract.storage.backends import pg_schema
from tests.contract.storage.builders import accepted, initialized, samsung, submitted


def _order() -> Order:
    order = Order(initialized(samsung(), quantity=Quantity(10)))
    order.apply(submitted(order))
    order.apply(accepted(order))
    return order


@pytest.fixture
def pg_storage(postgres_url: str) -> Iterator[Storage]:
    with pg_schema(postgres_url) as url, Storage.open(url) as storage:
        yield storage


def _kill_journal_connection(storage: Storage) -> int:
    """Terminate the server process of the connection that last ran a journal INSERT."""
    with storage.engine.connect() as conn:
        killed = conn.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND query LIKE 'INSERT INTO order_events%%'"
        ).scalar_one()
    return int(killed)


@pytest.mark.postgres
def test_a_dead_connection_is_replaced_and_the_append_retried(pg_storage: Storage) -> None:
    order = _order()
    pg_storage.journal.append(order.events[0], order_seq=1)
    assert _kill_journal_connection(pg_storage) == 1
    pg_storage.journal.append(order.events[1], order_seq=2)
    pg_storage.journal.append(order.events[2], order_seq=3)
    assert pg_storage.journal.events_for(order.client_order_id) == list(order.events)


@pytest.mark.postgres
def test_an_append_whose_answer_was_lost_is_not_written_twice(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The INSERT committed, then the connection died before the answer came back."""
    import psycopg

    real = journal_writer._insert_postgres
    calls: list[int] = []

    def commit_then_lose_the_answer(conn: Any, rows: Any) -> list[int]:
        calls.append(len(rows))
        real(conn, rows)
        conn.close()
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    order = _order()
    monkeypatch.setattr(journal_writer, "_insert_postgres", commit_then_lose_the_answer)
    sequences = pg_storage.journal.append_many(order.events[:2], order_seqs=[1, 2])
    monkeypatch.setattr(journal_writer, "_insert_postgres", real)
    assert calls == [2]  # found written on a fresh connection: not sent again
    records = list(pg_storage.journal.replay())
    assert [r.sequence for r in records] == sequences
    assert [r.event for r in records] == list(order.events[:2])
    pg_storage.journal.append(order.events[2], order_seq=3)


@pytest.mark.postgres
def test_an_append_lost_twice_surfaces_after_one_retry(
    pg_storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    calls: list[int] = []

    def lose_the_connection(conn: Any, rows: Any) -> list[int]:
        calls.append(len(rows))
        conn.close()
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    order = _order()
    monkeypatch.setattr(journal_writer, "_insert_postgres", lose_the_connection)
    with pytest.raises(sa.exc.OperationalError) as raised:
        pg_storage.journal.append(order.events[0], order_seq=1)
    monkeypatch.undo()
    assert raised.value.connection_invalidated
    assert calls == [1, 1]  # the first try and one retry, no more
    assert pg_storage.journal.last_sequence() == 0
    pg_storage.journal.append(order.events[0], order_seq=1)
    assert pg_storage.journal.events_for(order.client_order_id) == [order.events[0]]


def test_a_refused_statement_surfaces_without_a_retry(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure with the connection alive (a lock timeout, a cancelled statement) is not a
    lost connection: nothing was written, so it surfaces and the next append starts clean."""
    with Storage.open(db_url) as storage:
        dbapi = storage.engine.dialect.loaded_dbapi
        name = (
            "_insert_postgres" if storage.engine.dialect.name == "postgresql" else "_insert_sqlite"
        )
        calls: list[int] = []

        def refuse(conn: Any, rows: Any) -> list[int]:
            calls.append(len(rows))
            raise dbapi.OperationalError("database is locked")

        order = _order()
        monkeypatch.setattr(journal_writer, name, refuse)
        with pytest.raises(sa.exc.OperationalError, match="database is locked") as raised:
            storage.journal.append(order.events[0], order_seq=1)
        monkeypatch.undo()
        assert not raised.value.connection_invalidated
        assert calls == [1]
        assert storage.journal.last_sequence() == 0
        storage.journal.append_many(order.events, order_seqs=[1, 2, 3])
        assert storage.journal.events_for(order.client_order_id) == list(order.events)


def test_a_batch_refused_halfway_writes_nothing(db_url: str) -> None:
    """A batch whose second row breaks the unique constraint leaves the first row unwritten."""
    from jts.ports.repositories import JournalSequenceError

    with Storage.open(db_url) as storage:
        order = _order()
        other = Storage(storage.engine)
        try:
            storage.journal.append(order.events[0], order_seq=1)
            other.journal.append(order.events[1], order_seq=2)
            fresh = _order()
            with pytest.raises(JournalSequenceError, match="another writer"):
                # storage remembers order_seq 2 as free: only the constraint can refuse it
                storage.journal.append_many([fresh.events[0], order.events[1]], order_seqs=[1, 2])
        finally:
            other.close()
        assert storage.journal.events_for(fresh.client_order_id) == []
