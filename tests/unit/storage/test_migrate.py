from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from jts.core.errors import ConfigError, StateError
from jts.storage import migrate
from jts.storage.engine import make_engine
from jts.storage.tables import metadata


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _schema_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_revisions_are_a_single_line_from_base_to_head() -> None:
    revisions = migrate.revisions()
    assert revisions
    assert revisions[-1] == migrate.head()
    assert len(set(revisions)) == len(revisions)


def test_migrations_ship_inside_the_package() -> None:
    assert migrate.MIGRATIONS_DIR.parent.name == "storage"
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert (migrate.MIGRATIONS_DIR / "script.py.mako").is_file()
    # a package, so setuptools installs the revision modules
    assert (migrate.MIGRATIONS_DIR / "versions" / "__init__.py").is_file()


def test_empty_database_has_no_revision(db_url: str) -> None:
    assert migrate.current(db_url) is None
    with pytest.raises(StateError, match="jts db upgrade"):
        migrate.require_head(db_url)


def test_head_schema_equals_the_table_metadata(db_url: str) -> None:
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head()
    migrate.require_head(db_url)
    assert _tables(db_url) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}
    assert _schema_diff(db_url) == []


def test_schema_comparison_sees_a_difference(db_url: str) -> None:
    """The equality above means something: a schema that drifted from the metadata differs."""
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_fills_ts_event")
    finally:
        engine.dispose()
    diff = _schema_diff(db_url)
    assert [entry[0] for entry in diff] == ["add_index"]  # type: ignore[index]


def test_constraints_carry_their_conventional_names(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("fills")["name"] == "pk_fills"
        uniques = {u["name"] for u in inspector.get_unique_constraints("fills")}
        assert uniques == {"uq_fills_client_order_id_trade_id"}
        fks = {fk["name"] for fk in inspector.get_foreign_keys("fills")}
        assert fks == {"fk_fills_instrument_id_instruments"}
        checks = {c["name"] for c in inspector.get_check_constraints("order_events")}
        assert checks == {"ck_order_events_order_seq_positive"}
    finally:
        engine.dispose()


def test_a_later_migration_can_drop_a_constraint_by_name(db_url: str) -> None:
    """What a future revision will do: find a constraint by its name, on both databases
    (batch mode on SQLite, which copies the table)."""
    from alembic.operations import Operations

    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            ops = Operations(MigrationContext.configure(conn))
            with ops.batch_alter_table("fills") as batch:
                batch.drop_constraint("uq_fills_client_order_id_trade_id", type_="unique")
        assert sa.inspect(engine).get_unique_constraints("fills") == []
    finally:
        engine.dispose()


def test_every_revision_goes_up_down_and_up_again(db_url: str) -> None:
    previous = "base"
    for revision in migrate.revisions():
        migrate.upgrade(db_url, revision)
        assert migrate.current(db_url) == revision
        migrate.downgrade(db_url, previous)
        assert migrate.current(db_url) == (None if previous == "base" else previous)
        migrate.upgrade(db_url, revision)
        assert migrate.current(db_url) == revision
        previous = revision
    assert _schema_diff(db_url) == []


def test_downgrade_to_base_leaves_nothing_behind(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.downgrade(db_url, "base")
    assert _tables(db_url) <= {"alembic_version"}
    if db_url.startswith("postgresql"):
        engine = make_engine(db_url)
        try:
            with engine.connect() as conn:
                functions = (
                    conn.exec_driver_sql(
                        "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                        "WHERE nspname = current_schema()"
                    )
                    .scalars()
                    .all()
                )
            assert functions == []
        finally:
            engine.dispose()


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)
    assert migrate.current(db_url) == migrate.head()


def test_a_failing_upgrade_changes_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE audit_log (x INTEGER)")  # in the way of 0001
        with pytest.raises(sa.exc.DBAPIError):
            migrate.upgrade(engine)
        assert migrate.current(engine) is None
        assert set(sa.inspect(engine).get_table_names()) == {"audit_log"}
    finally:
        engine.dispose()


def test_upgrade_accepts_an_engine_and_leaves_it_usable(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        with engine.connect() as conn:  # foreign keys were switched back on after migrating
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_unknown_revision_is_refused(db_url: str) -> None:
    with pytest.raises(Exception, match="nope"):
        migrate.upgrade(db_url, "nope")
    assert migrate.current(db_url) is None


def test_alembic_without_a_connection_is_refused_clearly() -> None:
    with pytest.raises(ConfigError, match=r"jts\.storage\.migrate"):
        command.upgrade(migrate.alembic_config(), "head")


@pytest.mark.parametrize("table", ["order_events", "audit_log"])
def test_journal_and_audit_log_refuse_update_and_delete(db_url: str, table: str) -> None:
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    insert = {
        "order_events": "INSERT INTO order_events (client_order_id, order_seq, event_type, "
        "ts_event, ts_init, payload) VALUES ('O-1', 1, 'OrderInitialized', 1, 1, '{}')",
        "audit_log": "INSERT INTO audit_log (ts, actor, action, details) "
        "VALUES (1, 'me', 'test', '{}')",
    }[table]
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(insert)
        statements = [
            f"UPDATE {table} SET ts_init = 2"
            if table == "order_events"
            else f"UPDATE {table} SET ts = 2",
            f"DELETE FROM {table}",
        ]
        if engine.dialect.name == "postgresql":
            statements.append(f"TRUNCATE {table}")
        for statement in statements:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.exec_driver_sql(statement)
        with engine.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 1
    finally:
        engine.dispose()
