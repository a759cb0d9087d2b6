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
    FillRepository,
    InstrumentRepository,
    OrderEventJournal,
    OrderRepository,
    PositionRepository,
)
from jts.storage import migrate as migrations
from jts.storage.engine import make_engine
from jts.storage.mappers.events import JsonCodec
from jts.storage.repositories.accounts import SqlAccountRepository
from jts.storage.repositories.audit import SqlAuditLog
from jts.storage.repositories.fills import SqlFillRepository
from jts.storage.repositories.instruments import SqlInstrumentRepository
from jts.storage.repositories.journal import SqlOrderEventJournal
from jts.storage.repositories.orders import SqlOrderRepository
from jts.storage.repositories.positions import SqlPositionRepository
from jts.storage.repositories.scope import Scope


class Storage:
    """The repositories of one database, typed as their ports (so mypy checks that each
    implementation fits its protocol). Close it (or use it as a context manager) to release its
    connections; it owns the engine only when it made it (`open`)."""

    def __init__(
        self, engine: sa.Engine, *, codec: JsonCodec | None = None, owns_engine: bool = False
    ) -> None:
        self._engine = engine
        self._owns_engine = owns_engine
        self._scope = Scope(engine)
        codec = Codec() if codec is None else codec
        self._instruments = SqlInstrumentRepository(self._scope)
        self._orders = SqlOrderRepository(self._scope, codec)
        self._journal = SqlOrderEventJournal(self._scope, codec)
        self._fills = SqlFillRepository(self._scope)
        self._positions = SqlPositionRepository(self._scope)
        self._accounts = SqlAccountRepository(self._scope)
        self._audit = SqlAuditLog(self._scope)

    @classmethod
    def open(
        cls,
        url: str | URL | None = None,
        *,
        data_dir: Path | str | None = None,
        migrate: bool = True,
        codec: JsonCodec | None = None,
    ) -> Storage:
        """Connect to ``url`` (default: ``<data_dir>/jts.db``) and bring the schema to head.

        With ``migrate=False`` the schema must already be at head (`StateError` otherwise):
        for deployments where migrations are a separate, deliberate step (`jts db upgrade`).
        """
        engine = make_engine(url, data_dir=data_dir)
        try:
            if migrate:
                migrations.upgrade(engine)
            else:
                migrations.require_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, codec=codec, owns_engine=True)

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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Repository calls in this block commit together, or not at all if it raises; a call
        refused inside it is undone alone (see `jts.storage.repositories.scope`)."""
        with self._scope.transaction():
            yield

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Storage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
