"""Alembic environment for JTS: online only, on the connection `jts.storage.migrate` hands over.

The caller owns the connection and its transaction (see `jts.storage.migrate`), so this file
neither creates an engine nor reads a URL: the same code path migrates SQLite and PostgreSQL,
from the CLI, from `Storage.open` and from the tests.
"""

from __future__ import annotations

from alembic import context

from jts.core.errors import ConfigError
from jts.storage.tables import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or connection is None:
        raise ConfigError(
            "JTS migrations run online through jts.storage.migrate.upgrade/downgrade "
            "(or `jts db upgrade`), not through the alembic command line"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: autogenerate writes batch operations (copy-and-move).
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        user_module_prefix="jts.storage.types.",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
