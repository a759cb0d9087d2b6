"""`AccountState` <-> a row of ``accounts`` and its rows of ``balances``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jts.domain.enums import AccountType
from jts.domain.events_account import AccountBalance, AccountState
from jts.domain.identifiers import AccountId
from jts.storage.mappers.exact import currency_of, money_from_db, money_to_db

_AMOUNTS = ("total", "locked", "free", "settled", "unsettled")


def account_to_row(state: AccountState) -> dict[str, Any]:
    return {
        "account_id": str(state.account_id),
        "account_type": state.account_type.value,
        "reported": state.reported,
        "ts_event": state.ts_event,
        "ts_init": state.ts_init,
    }


def balance_rows(state: AccountState) -> list[dict[str, Any]]:
    rows = []
    for ordinal, balance in enumerate(state.balances):
        row: dict[str, Any] = {
            "account_id": str(state.account_id),
            "currency": balance.currency.code,
            "ordinal": ordinal,
        }
        row.update({name: money_to_db(getattr(balance, name)) for name in _AMOUNTS})
        rows.append(row)
    return rows


def account_from_rows(
    account: Mapping[Any, Any], balances: Sequence[Mapping[Any, Any]]
) -> AccountState:
    """Rebuild the state; ``balances`` in ``ordinal`` order. The domain re-checks the
    invariants (free = total - locked, total = settled + unsettled) on the way."""
    items = []
    for row in balances:
        currency = currency_of(row["currency"])
        amounts = {name: money_from_db(row[name], currency.code) for name in _AMOUNTS}
        items.append(AccountBalance(currency=currency, **amounts))
    return AccountState(
        account_id=AccountId(account["account_id"]),
        account_type=AccountType(account["account_type"]),
        balances=tuple(items),
        reported=bool(account["reported"]),
        ts_event=account["ts_event"],
        ts_init=account["ts_init"],
    )
