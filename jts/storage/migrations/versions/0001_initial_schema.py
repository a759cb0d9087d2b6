"""Initial schema: instruments, orders, the order event journal, fills, positions, accounts
and balances, and the audit log.

The journal and the audit log are append-only at the database level: triggers refuse UPDATE
and DELETE (and TRUNCATE on PostgreSQL), so neither a bug nor a hand-typed statement can
rewrite history. Dropping the tables (downgrade) is still possible.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jts.storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = 128  # every identifier column
_APPEND_ONLY = ("order_events", "audit_log")
_PG_REFUSE_FUNCTION = "jts_refuse_change"


def _big_serial() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _exact() -> jts.storage.types.ExactDecimal:
    return jts.storage.types.ExactDecimal()


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("instrument_id", sa.String(length=_ID), nullable=False),
        sa.Column("symbol", sa.String(length=_ID), nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_ko", sa.Text(), nullable=True),
        sa.Column("asset_class", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("market", sa.String(length=32), nullable=True),
        sa.Column("quote_currency", sa.String(length=32), nullable=False),
        sa.Column("base_currency", sa.String(length=32), nullable=True),
        sa.Column("price_precision", sa.SmallInteger(), nullable=False),
        sa.Column("size_precision", sa.SmallInteger(), nullable=False),
        sa.Column("lot_size", _exact(), nullable=False),
        sa.Column("min_quantity", _exact(), nullable=False),
        sa.Column("min_notional", _exact(), nullable=True),
        sa.Column("isin", sa.String(length=12), nullable=True),
        sa.Column("listing_date", sa.Date(), nullable=True),
        sa.Column("delisting_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("instrument_id", name=op.f("pk_instruments")),
    )
    op.create_index(op.f("ix_instruments_venue_symbol"), "instruments", ["venue", "symbol"])

    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(length=_ID), nullable=False),
        sa.Column("trader_id", sa.String(length=_ID), nullable=False),
        sa.Column("strategy_id", sa.String(length=_ID), nullable=False),
        sa.Column("instrument_id", sa.String(length=_ID), nullable=False),
        sa.Column("account_id", sa.String(length=_ID), nullable=True),
        sa.Column("venue_order_id", sa.String(length=_ID), nullable=True),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("order_type", sa.String(length=32), nullable=False),
        sa.Column("time_in_force", sa.String(length=32), nullable=False),
        sa.Column("quantity", _exact(), nullable=False),
        sa.Column("price", _exact(), nullable=True),
        sa.Column("trigger_price", _exact(), nullable=True),
        sa.Column("filled_qty", _exact(), nullable=False),
        sa.Column("avg_px", _exact(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("is_closed", sa.Boolean(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.Column("ts_last", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.instrument_id"],
            name=op.f("fk_orders_instrument_id_instruments"),
        ),
        sa.PrimaryKeyConstraint("client_order_id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_strategy_id_ts_init"), "orders", ["strategy_id", "ts_init"])
    op.create_index(op.f("ix_orders_is_closed_ts_init"), "orders", ["is_closed", "ts_init"])

    op.create_table(
        "order_events",
        sa.Column("seq", _big_serial(), autoincrement=True, nullable=False),
        sa.Column("client_order_id", sa.String(length=_ID), nullable=False),
        sa.Column("order_seq", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=_ID), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.CheckConstraint("order_seq >= 1", name=op.f("ck_order_events_order_seq_positive")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_order_events")),
        sa.UniqueConstraint(
            "client_order_id",
            "order_seq",
            name=op.f("uq_order_events_client_order_id_order_seq"),
        ),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "fills",
        sa.Column("id", _big_serial(), autoincrement=True, nullable=False),
        sa.Column("client_order_id", sa.String(length=_ID), nullable=False),
        sa.Column("trade_id", sa.String(length=_ID), nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("venue_order_id", sa.String(length=_ID), nullable=False),
        sa.Column("trader_id", sa.String(length=_ID), nullable=False),
        sa.Column("strategy_id", sa.String(length=_ID), nullable=False),
        sa.Column("instrument_id", sa.String(length=_ID), nullable=False),
        sa.Column("account_id", sa.String(length=_ID), nullable=True),
        sa.Column("position_id", sa.String(length=_ID), nullable=True),
        sa.Column("order_side", sa.String(length=32), nullable=False),
        sa.Column("order_type", sa.String(length=32), nullable=False),
        sa.Column("last_qty", _exact(), nullable=False),
        sa.Column("last_px", _exact(), nullable=False),
        sa.Column("currency", sa.String(length=32), nullable=False),
        sa.Column("commission", _exact(), nullable=False),
        sa.Column("commission_currency", sa.String(length=32), nullable=False),
        sa.Column("tax", _exact(), nullable=False),
        sa.Column("tax_currency", sa.String(length=32), nullable=False),
        sa.Column("liquidity_side", sa.String(length=32), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.instrument_id"],
            name=op.f("fk_fills_instrument_id_instruments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.UniqueConstraint(
            "client_order_id", "trade_id", name=op.f("uq_fills_client_order_id_trade_id")
        ),
    )
    op.create_index(
        op.f("ix_fills_instrument_id_strategy_id_id"),
        "fills",
        ["instrument_id", "strategy_id", "id"],
    )
    op.create_index(op.f("ix_fills_strategy_id_ts_event"), "fills", ["strategy_id", "ts_event"])
    op.create_index(op.f("ix_fills_ts_event"), "fills", ["ts_event"])

    op.create_table(
        "positions",
        sa.Column("position_id", sa.String(length=_ID), nullable=False),
        sa.Column("instrument_id", sa.String(length=_ID), nullable=False),
        sa.Column("strategy_id", sa.String(length=_ID), nullable=False),
        sa.Column("trader_id", sa.String(length=_ID), nullable=False),
        sa.Column("account_id", sa.String(length=_ID), nullable=True),
        sa.Column("currency", sa.String(length=32), nullable=False),
        sa.Column("fill_count", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=False),
        sa.Column("signed_qty", _exact(), nullable=False),
        sa.Column("peak_qty", _exact(), nullable=False),
        sa.Column("avg_px_open", _exact(), nullable=True),
        sa.Column("avg_px_close", _exact(), nullable=True),
        sa.Column("realized_pnl", _exact(), nullable=False),
        sa.Column("entry", sa.String(length=32), nullable=True),
        sa.Column("opening_order_id", sa.String(length=_ID), nullable=True),
        sa.Column("ts_opened", sa.BigInteger(), nullable=True),
        sa.Column("ts_closed", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("fill_count >= 0", name=op.f("ck_positions_fill_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.instrument_id"],
            name=op.f("fk_positions_instrument_id_instruments"),
        ),
        sa.PrimaryKeyConstraint("position_id", name=op.f("pk_positions")),
        sa.UniqueConstraint(
            "instrument_id", "strategy_id", name=op.f("uq_positions_instrument_id_strategy_id")
        ),
    )
    op.create_index(op.f("ix_positions_strategy_id"), "positions", ["strategy_id"])

    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=_ID), nullable=False),
        sa.Column("account_type", sa.String(length=32), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "balances",
        sa.Column("account_id", sa.String(length=_ID), nullable=False),
        sa.Column("currency", sa.String(length=32), nullable=False),
        sa.Column("ordinal", sa.SmallInteger(), nullable=False),
        sa.Column("total", _exact(), nullable=False),
        sa.Column("locked", _exact(), nullable=False),
        sa.Column("free", _exact(), nullable=False),
        sa.Column("settled", _exact(), nullable=False),
        sa.Column("unsettled", _exact(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_balances_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "currency", name=op.f("pk_balances")),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", _big_serial(), autoincrement=True, nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor", "id"])
    op.create_index(op.f("ix_audit_log_action_id"), "audit_log", ["action", "id"])

    _create_append_only_triggers()


def downgrade() -> None:
    # Dropping a table drops its triggers; the PostgreSQL trigger function stays behind.
    op.drop_table("audit_log")
    op.drop_table("balances")
    op.drop_table("accounts")
    op.drop_table("positions")
    op.drop_table("fills")
    op.drop_table("order_events")
    op.drop_table("orders")
    op.drop_table("instruments")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_PG_REFUSE_FUNCTION}()")


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {_PG_REFUSE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END
            $$
            """
        )
        for table in _APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_PG_REFUSE_FUNCTION}()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_REFUSE_FUNCTION}()"
            )
        return
    for table in _APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )
