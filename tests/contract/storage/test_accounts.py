from __future__ import annotations

import pytest

from jts.core.errors import InvalidInputError
from jts.domain.enums import AccountType
from jts.domain.events_account import AccountBalance, AccountState
from jts.domain.identifiers import AccountId
from jts.domain.values import KRW, USDT, Money
from jts.ports.repositories import AccountRepository, UnknownAccountError
from jts.storage import Storage
from tests.contract.storage.builders import T0, account_state


def _exactly(a: AccountState, b: AccountState) -> None:
    assert a == b
    for x, y in zip(a.balances, b.balances, strict=True):
        for name in ("total", "locked", "free", "settled", "unsettled"):
            assert str(getattr(x, name)) == str(getattr(y, name))


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.accounts, AccountRepository)


def test_state_round_trips_exactly_with_balances_in_order(storage: Storage) -> None:
    state = account_state()
    storage.accounts.save(state)
    _exactly(storage.accounts.get(state.account_id), state)


def test_saving_replaces_the_state_and_drops_missing_balances(storage: Storage) -> None:
    storage.accounts.save(account_state())
    newer = AccountState(
        account_id=account_state().account_id,
        account_type=AccountType.MARGIN,
        balances=(AccountBalance.of(settled=Money("0.1", USDT) + Money("0.2", USDT)),),
        reported=False,
        ts_event=T0 + 100,
        ts_init=T0 + 101,
    )
    storage.accounts.save(newer)
    back = storage.accounts.get(newer.account_id)
    _exactly(back, newer)
    assert str(back.balances[0].total) == "0.300000 USDT"


def test_account_without_balances(storage: Storage) -> None:
    empty = AccountState(
        account_id=AccountId("UPBIT-main"),
        account_type=AccountType.CASH,
        balances=(),
        reported=True,
        ts_event=T0,
        ts_init=T0,
    )
    storage.accounts.save(empty)
    assert storage.accounts.get(empty.account_id) == empty
    assert storage.accounts.list_all() == [empty]


def test_get_unknown_raises_and_find_returns_none(storage: Storage) -> None:
    with pytest.raises(UnknownAccountError, match="KIS-00000000-01"):
        storage.accounts.get(AccountId("KIS-00000000-01"))
    assert storage.accounts.find(AccountId("KIS-00000000-01")) is None


def test_list_all_is_sorted_by_id(storage: Storage) -> None:
    ids = ["SIM-002", "KIS-12345678-01", "SIM-001"]
    for text in ids:
        storage.accounts.save(account_state(AccountId(text)))
    states = storage.accounts.list_all()
    assert [str(s.account_id) for s in states] == sorted(ids)
    for state in states:
        _exactly(state, account_state(state.account_id))


def test_a_stored_balance_that_breaks_the_invariants_is_reported(storage: Storage) -> None:
    state = account_state()
    storage.accounts.save(state)
    with storage.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE balances SET free = '1' WHERE currency = 'KRW'")
    with pytest.raises(InvalidInputError, match="free"):
        storage.accounts.get(state.account_id)


def test_balances_in_krw_keep_18_digits(storage: Storage) -> None:
    state = account_state()
    storage.accounts.save(state)
    krw = storage.accounts.get(state.account_id).balance(KRW)
    assert krw is not None
    assert str(krw.settled) == "123456789012345678 KRW"
