"""Daily snapshots: one row of books per account and KST day, for live performance analytics.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jts.storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AMOUNTS = (
    "cash_settled",
    "cash_unsettled",
    "positions_value",
    "equity",
    "realized_pnl",
    "unrealized_pnl",
    "commissions",
    "taxes",
)


def upgrade() -> None:
    op.create_table(
        "daily_snapshots",
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=32), nullable=False),
        *(sa.Column(name, jts.storage.types.ExactDecimal(), nullable=False) for name in _AMOUNTS),
        sa.Column("fills", sa.Integer(), nullable=False),
        sa.Column("ts_taken", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.CheckConstraint("fills >= 0", name=op.f("ck_daily_snapshots_fills_not_negative")),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_daily_snapshots")),
    )
    op.create_index(op.f("ix_daily_snapshots_day"), "daily_snapshots", ["day"])


def downgrade() -> None:
    op.drop_table("daily_snapshots")
