"""`Storage`: one database, its repositories, and units of work across them.

Built from a URL (or the default SQLite file under the data directory), it migrates the schema
to the version this code needs, or, with ``migrate=False``, refuses to run against any other
version, and then hands out the repositories of `jts.ports.repositories`. It implements the
`UnitOfWork` port.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.engine import URL

from jts.domain.codec import Codec
from jts.ports.repositories import (
    AccountRepository,
    AuditLog,
    DailySnapshotRepository,
    FillRepository,
    InstrumentRepository,
    OrderEventJournal,
    OrderRepository,
    PositionRepository,
)
from jts.storage import migrate as migrations
from jts.storage.checkpoint import WalCheckpointer
from jts.storage.engine import default_url, is_sqlite_memory, make_engine, parse_url
from jts.storage.mappers.events import JsonCodec
from jts.storage.repositories.accounts import SqlAccountRepository
from jts.storage.repositories.audit import SqlAuditLog
from jts.storage.repositories.fills import SqlFillRepository
from jts.storage.repositories.instruments import SqlInstrumentRepository
from jts.storage.repositories.journal import SqlOrderEventJournal
from jts.storage.repositories.orders import SqlOrderRepository
from jts.storage.repositories.positions import SqlPositionRepository
from jts.storage.repositories.scope import Scope
from jts.storage.repositories.snapshots import SqlDailySnapshotRepository


class Storage:
    """The repositories of one database, typed as their ports (so mypy checks that each
    implementation fits its protocol). Close it (or use it as a context manager) to release its
    connections; it owns the engine only when it made it (`open`)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        codec: JsonCodec | None = None,
        owns_engine: bool = False,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        self._engine = engine
        self._owns_engine = owns_engine
        self._checkpointer = checkpointer
        self._scope = Scope(engine)
        codec = Codec() if codec is None else codec
        self._instruments = SqlInstrumentRepository(self._scope)
        self._orders = SqlOrderRepository(self._scope, codec)
        self._journal = SqlOrderEventJournal(self._scope, codec)
        self._fills = SqlFillRepository(self._scope)
        self._positions = SqlPositionRepository(self._scope)
        self._accounts = SqlAccountRepository(self._scope)
        self._audit = SqlAuditLog(self._scope)
        self._daily_snapshots = SqlDailySnapshotRepository(self._scope)

    @classmethod
    def open(
        cls,
        url: str | URL | None = None,
        *,
        data_dir: Path | str | None = None,
        migrate: bool = True,
        codec: JsonCodec | None = None,
        synchronous_commit: bool = True,
    ) -> Storage:
        """Connect to ``url`` (default: ``<data_dir>/jts.db``) and bring the schema to head.

        With ``migrate=False`` the schema must already be at head (`StateError` otherwise):
        for deployments where migrations are a separate, deliberate step (`jts db upgrade`).
        ``synchronous_commit=False`` (PostgreSQL only) trades the last commits on a server
        crash for commit latency: see `jts.storage.engine`.

        A SQLite file is checkpointed by a thread of the storage's own, never inside a commit
        (`jts.storage.checkpoint`); `close` stops it.
        """
        resolved = default_url(data_dir) if url is None else parse_url(url)
        background = resolved.get_backend_name() == "sqlite" and not is_sqlite_memory(resolved)
        engine = make_engine(
            resolved,
            pg_synchronous_commit=synchronous_commit,
            sqlite_wal_autocheckpoint=not background,
        )
        checkpointer = None
        try:
            if migrate:
                migrations.upgrade(engine)
            else:
                migrations.require_head(engine)
            if background:
                assert resolved.database is not None
                checkpointer = WalCheckpointer(resolved.database)
                checkpointer.start()
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, codec=codec, owns_engine=True, checkpointer=checkpointer)

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    @property
    def instruments(self) -> InstrumentRepository:
        return self._instruments

    @property
    def orders(self) -> OrderRepository:
        return self._orders

    @property
    def journal(self) -> OrderEventJournal:
        return self._journal

    @property
    def fills(self) -> FillRepository:
        return self._fills

    @property
    def positions(self) -> PositionRepository:
        return self._positions

    @property
    def accounts(self) -> AccountRepository:
        return self._accounts

    @property
    def audit(self) -> AuditLog:
        return self._audit

    @property
    def daily_snapshots(self) -> DailySnapshotRepository:
        return self._daily_snapshots

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Repository calls in this block commit together, or not at all if it raises; a call
        refused inside it is undone alone (see `jts.storage.repositories.scope`)."""
        with self._scope.transaction():
            yield

    def close(self) -> None:
        self._journal.close()  # its held connection goes back to the pool before any dispose
        if self._checkpointer is not None:
            self._checkpointer.close()
        if self._owns_engine:
            self._engine.dispose()

    @property
    def checkpointer(self) -> WalCheckpointer | None:
        """The SQLite file's checkpoint thread (None on PostgreSQL and in-memory SQLite)."""
        return self._checkpointer

    def __enter__(self) -> Storage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
