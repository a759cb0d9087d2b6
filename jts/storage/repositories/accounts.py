"""Account states in ``accounts`` and ``balances``: the latest state of each account."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from jts.domain.events_account import AccountState
from jts.domain.identifiers import AccountId
from jts.ports.repositories import UnknownAccountError
from jts.storage.mappers.accounts import account_from_rows, account_to_row, balance_rows
from jts.storage.repositories.dialects import upsert
from jts.storage.repositories.scope import Scope
from jts.storage.tables import accounts, balances

#: An account with its balances in one statement, so a reader never pairs an account row with
#: balances from another commit (two statements could, under READ COMMITTED).
_JOINED: Any = (
    sa.select(accounts, *(c for c in balances.columns if c.name != "account_id"))
    .select_from(accounts.outerjoin(balances))
    .order_by(balances.c.ordinal)
)


class SqlAccountRepository:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def save(self, state: AccountState) -> None:
        rows = balance_rows(state)
        with self._scope.write() as conn:
            conn.execute(
                upsert(self._scope.dialect, accounts, ["account_id"]), account_to_row(state)
            )
            conn.execute(balances.delete().where(balances.c.account_id == state.account_id))
            if rows:
                conn.execute(balances.insert(), rows)

    def find(self, account_id: AccountId) -> AccountState | None:
        states = self._load(_JOINED.where(accounts.c.account_id == account_id))
        return states[0] if states else None

    def get(self, account_id: AccountId) -> AccountState:
        found = self.find(account_id)
        if found is None:
            raise UnknownAccountError(f"account {account_id} is not stored")
        return found

    def list_all(self) -> list[AccountState]:
        return sorted(self._load(_JOINED), key=lambda s: str(s.account_id))

    def _load(self, query: sa.Select[Any]) -> list[AccountState]:
        with self._scope.read() as conn:
            rows = conn.execute(query).mappings().all()
        grouped: dict[str, tuple[sa.RowMapping, list[sa.RowMapping]]] = {}
        for row in rows:
            _, items = grouped.setdefault(row["account_id"], (row, []))
            if row["currency"] is not None:  # an account without balances joins to NULLs
                items.append(row)
        return [account_from_rows(head, items) for head, items in grouped.values()]
