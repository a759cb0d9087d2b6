"""The node's database, opened as ``[database]`` says.

One function so that every role opens it the same way: the execution and ``all`` roles write
the journal through it, the strategy role reads instruments and orders, and a setting such as
``synchronous_commit`` must reach every session either of them uses.
"""

from __future__ import annotations

from jts.config import DatabaseConfig
from jts.storage import Storage

__all__ = ["open_storage"]


def open_storage(database: DatabaseConfig, *, migrate: bool = True) -> Storage:
    """`Storage.open` on ``database.url`` with ``database.synchronous_commit`` (PostgreSQL:
    whether a commit waits for its WAL flush; docs/operations.md)."""
    return Storage.open(
        database.url, migrate=migrate, synchronous_commit=database.synchronous_commit
    )
