"""The relational schema: SQLAlchemy Core tables, one `MetaData`, named constraints.

These rows are storage shapes, not domain objects: `jts.storage.mappers` turns each row into the
domain type and back, so the domain never learns about columns and a schema change never leaks
into the kernel. The Alembic migrations in ``migrations/versions`` create exactly this schema
(a test compares them).

Conventions, on every table:

- exact numbers (prices, quantities, money) are `ExactDecimal`; there is no FLOAT column;
- timestamps are BIGINT nanoseconds since the epoch, UTC (``ts_*``), as everywhere in JTS;
- enums are stored as their text value, not as database ENUM types, so adding a member is not
  a migration;
- every constraint and index has a name from `NAMING_CONVENTION`, so a later migration can drop
  it by name on both databases (SQLite batch mode needs the name to find it).
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from jts.storage.types import ExactDecimal

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final = sa.MetaData(naming_convention=NAMING_CONVENTION)

#: An auto-increment 64-bit key. SQLite only auto-assigns ``INTEGER PRIMARY KEY`` (which is
#: 64-bit there); ``BIGINT PRIMARY KEY`` would need an explicit value on every insert.
BigSerial: Final = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: Every identifier column: above the longest id `jts.domain.identifiers` allows (a position id
#: 128, a strategy id 97, an account id 81), so the database never refuses a valid id.
_ID = 128
_CODE = 32  # enum values, currency codes, venues


def _ts(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


instruments: Final = sa.Table(
    "instruments",
    metadata,
    sa.Column("instrument_id", sa.String(_ID), primary_key=True),
    sa.Column("symbol", sa.String(_ID), nullable=False),
    sa.Column("venue", sa.String(_CODE), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("name_ko", sa.Text(), nullable=True),
    sa.Column("asset_class", sa.String(_CODE), nullable=False),
    sa.Column("kind", sa.String(_CODE), nullable=False),
    sa.Column("market", sa.String(_CODE), nullable=True),
    sa.Column("quote_currency", sa.String(_CODE), nullable=False),
    sa.Column("base_currency", sa.String(_CODE), nullable=True),
    sa.Column("price_precision", sa.SmallInteger(), nullable=False),
    sa.Column("size_precision", sa.SmallInteger(), nullable=False),
    sa.Column("lot_size", ExactDecimal(), nullable=False),
    sa.Column("min_quantity", ExactDecimal(), nullable=False),
    # in the quote currency (the domain enforces it), so no currency column of its own
    sa.Column("min_notional", ExactDecimal(), nullable=True),
    sa.Column("isin", sa.String(12), nullable=True),
    sa.Column("listing_date", sa.Date(), nullable=True),
    sa.Column("delisting_date", sa.Date(), nullable=True),
)
sa.Index(None, instruments.c.venue, instruments.c.symbol)


#: Snapshot of each order: query columns (status, strategy, filled quantity) for listings and
#: the UI, and ``events``, the order's full history, from which the `Order` is rebuilt exactly.
orders: Final = sa.Table(
    "orders",
    metadata,
    sa.Column("client_order_id", sa.String(_ID), primary_key=True),
    sa.Column("trader_id", sa.String(_ID), nullable=False),
    sa.Column("strategy_id", sa.String(_ID), nullable=False),
    sa.Column(
        "instrument_id",
        sa.String(_ID),
        sa.ForeignKey(instruments.c.instrument_id),
        nullable=False,
    ),
    sa.Column("account_id", sa.String(_ID), nullable=True),
    sa.Column("venue_order_id", sa.String(_ID), nullable=True),
    sa.Column("side", sa.String(_CODE), nullable=False),
    sa.Column("order_type", sa.String(_CODE), nullable=False),
    sa.Column("time_in_force", sa.String(_CODE), nullable=False),
    sa.Column("quantity", ExactDecimal(), nullable=False),
    sa.Column("price", ExactDecimal(), nullable=True),
    sa.Column("trigger_price", ExactDecimal(), nullable=True),
    sa.Column("filled_qty", ExactDecimal(), nullable=False),
    sa.Column("avg_px", ExactDecimal(), nullable=True),
    sa.Column("status", sa.String(_CODE), nullable=False),
    sa.Column("is_closed", sa.Boolean(), nullable=False),
    sa.Column("event_count", sa.Integer(), nullable=False),
    _ts("ts_init"),
    _ts("ts_last"),
    sa.Column("events", sa.Text(), nullable=False),
)
sa.Index(None, orders.c.strategy_id, orders.c.ts_init)
sa.Index(None, orders.c.is_closed, orders.c.ts_init)


#: The append-only journal. ``seq`` orders the whole journal (a restarted node replays from the
#: last one it saw); ``order_seq`` orders one order's events and is unique per order, so a
#: second writer or a replayed append cannot slip an event in twice. ``payload`` is the domain
#: codec's JSON for the event (readable in psql or the sqlite3 shell during an incident).
order_events: Final = sa.Table(
    "order_events",
    metadata,
    sa.Column("seq", BigSerial, primary_key=True, autoincrement=True),
    sa.Column("client_order_id", sa.String(_ID), nullable=False),
    sa.Column("order_seq", sa.Integer(), nullable=False),
    sa.Column("event_type", sa.String(_ID), nullable=False),
    _ts("ts_event"),
    _ts("ts_init"),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.UniqueConstraint("client_order_id", "order_seq"),
    sa.CheckConstraint("order_seq >= 1", name="order_seq_positive"),
    # AUTOINCREMENT: SQLite never reuses a sequence number, even of a row that is gone.
    sqlite_autoincrement=True,
)


#: One row per execution. A venue trade id is unique per order, not per venue: when two of our
#: own orders trade against each other, both sides carry the same venue trade id.
fills: Final = sa.Table(
    "fills",
    metadata,
    sa.Column("id", BigSerial, primary_key=True, autoincrement=True),
    sa.Column("client_order_id", sa.String(_ID), nullable=False),
    sa.Column("trade_id", sa.String(_ID), nullable=False),
    sa.Column("venue", sa.String(_CODE), nullable=False),
    sa.Column("venue_order_id", sa.String(_ID), nullable=False),
    sa.Column("trader_id", sa.String(_ID), nullable=False),
    sa.Column("strategy_id", sa.String(_ID), nullable=False),
    sa.Column(
        "instrument_id",
        sa.String(_ID),
        sa.ForeignKey(instruments.c.instrument_id),
        nullable=False,
    ),
    sa.Column("account_id", sa.String(_ID), nullable=True),
    sa.Column("position_id", sa.String(_ID), nullable=True),
    sa.Column("order_side", sa.String(_CODE), nullable=False),
    sa.Column("order_type", sa.String(_CODE), nullable=False),
    sa.Column("last_qty", ExactDecimal(), nullable=False),
    sa.Column("last_px", ExactDecimal(), nullable=False),
    sa.Column("currency", sa.String(_CODE), nullable=False),
    sa.Column("commission", ExactDecimal(), nullable=False),
    sa.Column("commission_currency", sa.String(_CODE), nullable=False),
    sa.Column("tax", ExactDecimal(), nullable=False),
    sa.Column("tax_currency", sa.String(_CODE), nullable=False),
    sa.Column("liquidity_side", sa.String(_CODE), nullable=False),
    _ts("ts_event"),
    _ts("ts_init"),
    sa.UniqueConstraint("client_order_id", "trade_id"),
)
sa.Index(None, fills.c.instrument_id, fills.c.strategy_id, fills.c.id)
sa.Index(None, fills.c.strategy_id, fills.c.ts_event)
sa.Index(None, fills.c.ts_event)


#: One row per netting position (instrument x strategy). A `Position` keeps its cost basis and
#: PnL as exact fractions, which no column type holds, so it is stored as its identity plus
#: ``fill_count``, and read back by replaying the first ``fill_count`` fills of its slot from
#: ``fills``. The other columns are a projection for queries and the UI, and a check: the
#: replayed position must match them.
positions: Final = sa.Table(
    "positions",
    metadata,
    sa.Column("position_id", sa.String(_ID), primary_key=True),
    sa.Column(
        "instrument_id",
        sa.String(_ID),
        sa.ForeignKey(instruments.c.instrument_id),
        nullable=False,
    ),
    sa.Column("strategy_id", sa.String(_ID), nullable=False),
    sa.Column("trader_id", sa.String(_ID), nullable=False),
    sa.Column("account_id", sa.String(_ID), nullable=True),
    sa.Column("currency", sa.String(_CODE), nullable=False),
    sa.Column("fill_count", sa.Integer(), nullable=False),
    sa.Column("side", sa.String(_CODE), nullable=False),
    sa.Column("signed_qty", ExactDecimal(), nullable=False),
    sa.Column("peak_qty", ExactDecimal(), nullable=False),
    sa.Column("avg_px_open", ExactDecimal(), nullable=True),
    sa.Column("avg_px_close", ExactDecimal(), nullable=True),
    sa.Column("realized_pnl", ExactDecimal(), nullable=False),
    sa.Column("entry", sa.String(_CODE), nullable=True),
    sa.Column("opening_order_id", sa.String(_ID), nullable=True),
    _ts("ts_opened", nullable=True),
    _ts("ts_closed", nullable=True),
    sa.UniqueConstraint("instrument_id", "strategy_id"),
    sa.CheckConstraint("fill_count >= 0", name="fill_count_not_negative"),
)
sa.Index(None, positions.c.strategy_id)


accounts: Final = sa.Table(
    "accounts",
    metadata,
    sa.Column("account_id", sa.String(_ID), primary_key=True),
    sa.Column("account_type", sa.String(_CODE), nullable=False),
    sa.Column("reported", sa.Boolean(), nullable=False),
    _ts("ts_event"),
    _ts("ts_init"),
)

#: One row per account and currency. ``ordinal`` keeps the order of `AccountState.balances`,
#: so a state reads back equal to the one saved.
balances: Final = sa.Table(
    "balances",
    metadata,
    sa.Column(
        "account_id",
        sa.String(_ID),
        sa.ForeignKey(accounts.c.account_id, ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("currency", sa.String(_CODE), primary_key=True),
    sa.Column("ordinal", sa.SmallInteger(), nullable=False),
    sa.Column("total", ExactDecimal(), nullable=False),
    sa.Column("locked", ExactDecimal(), nullable=False),
    sa.Column("free", ExactDecimal(), nullable=False),
    sa.Column("settled", ExactDecimal(), nullable=False),
    sa.Column("unsettled", ExactDecimal(), nullable=False),
)


audit_log: Final = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigSerial, primary_key=True, autoincrement=True),
    _ts("ts"),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(128), nullable=False),
    sa.Column("details", sa.JSON(), nullable=False),
    sqlite_autoincrement=True,
)
sa.Index(None, audit_log.c.actor, audit_log.c.id)
sa.Index(None, audit_log.c.action, audit_log.c.id)


#: One row per account and KST day (`jts.ports.repositories.DailySnapshot`): the books at the
#: close (or at the latest snapshot of a day still running). ``equity`` is stored for queries
#: and checked on reading: it must equal cash plus the positions' value.
daily_snapshots: Final = sa.Table(
    "daily_snapshots",
    metadata,
    sa.Column("account_id", sa.String(_ID), primary_key=True),
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("currency", sa.String(_CODE), nullable=False),
    sa.Column("cash_settled", ExactDecimal(), nullable=False),
    sa.Column("cash_unsettled", ExactDecimal(), nullable=False),
    sa.Column("positions_value", ExactDecimal(), nullable=False),
    sa.Column("equity", ExactDecimal(), nullable=False),
    sa.Column("realized_pnl", ExactDecimal(), nullable=False),
    sa.Column("unrealized_pnl", ExactDecimal(), nullable=False),
    sa.Column("commissions", ExactDecimal(), nullable=False),
    sa.Column("taxes", ExactDecimal(), nullable=False),
    sa.Column("fills", sa.Integer(), nullable=False),
    _ts("ts_taken"),
    sa.Column("reason", sa.String(_CODE), nullable=False),
    sa.CheckConstraint("fills >= 0", name="fills_not_negative"),
)
sa.Index(None, daily_snapshots.c.day)
