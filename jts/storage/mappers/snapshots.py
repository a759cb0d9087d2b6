"""`DailySnapshot` <-> a row of ``daily_snapshots``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from jts.core.errors import StateError
from jts.domain.identifiers import AccountId
from jts.ports.repositories import DailySnapshot, SnapshotReason
from jts.storage.mappers.exact import currency_of, money_from_db, money_to_db

_AMOUNTS = (
    "cash_settled",
    "cash_unsettled",
    "positions_value",
    "realized_pnl",
    "unrealized_pnl",
    "commissions",
    "taxes",
)


def snapshot_to_row(snapshot: DailySnapshot) -> dict[str, Any]:
    row: dict[str, Any] = {
        "account_id": str(snapshot.account_id),
        "day": snapshot.day,
        "currency": snapshot.currency.code,
        "equity": money_to_db(snapshot.equity),
        "fills": snapshot.fills,
        "ts_taken": snapshot.ts_taken,
        "reason": snapshot.reason.value,
    }
    row.update({name: money_to_db(getattr(snapshot, name)) for name in _AMOUNTS})
    return row


def snapshot_from_row(row: Mapping[Any, Any]) -> DailySnapshot:
    """Rebuild the snapshot; a stored equity that is not cash plus positions is refused."""
    code = currency_of(row["currency"]).code
    day = row["day"]
    if isinstance(day, dt.datetime):  # some drivers widen DATE
        day = day.date()
    snapshot = DailySnapshot(
        account_id=AccountId(row["account_id"]),
        day=day,
        fills=int(row["fills"]),
        ts_taken=int(row["ts_taken"]),
        reason=SnapshotReason(row["reason"]),
        **{name: money_from_db(row[name], code) for name in _AMOUNTS},
    )
    stored = money_from_db(row["equity"], code)
    if stored != snapshot.equity:
        raise StateError(
            f"daily snapshot of {snapshot.account_id} on {snapshot.day}: stored equity {stored} "
            f"is not cash {snapshot.cash} plus positions {snapshot.positions_value}"
        )
    return snapshot
