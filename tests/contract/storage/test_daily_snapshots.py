"""Daily snapshots: one row per account and KST day, exact, never moved back in time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jts.core.errors import CurrencyMismatchError, InvalidInputError, StateError
from jts.domain.identifiers import AccountId
from jts.domain.values import BTC, KRW, Money
from jts.ports.repositories import (
    DailySnapshot,
    DailySnapshotRepository,
    SnapshotReason,
    StaleSnapshotError,
    UnknownSnapshotError,
)
from jts.storage import Storage
from tests.contract.storage.builders import ACCOUNT, T0

DAY = dt.date(2024, 1, 2)


def snapshot(
    day: dt.date = DAY,
    *,
    account: AccountId = ACCOUNT,
    cash: str = "100000000",
    value: str = "7050000",
    ts: int = T0,
    reason: SnapshotReason = SnapshotReason.CLOSE,
) -> DailySnapshot:
    return DailySnapshot(
        account_id=account,
        day=day,
        cash_settled=Money(cash, KRW),
        cash_unsettled=Money("-705105", KRW),
        positions_value=Money(value, KRW),
        realized_pnl=Money("12345", KRW),
        unrealized_pnl=Money("-1000", KRW),
        commissions=Money("105", KRW),
        taxes=Money("0", KRW),
        fills=3,
        ts_taken=ts,
        reason=reason,
    )


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.daily_snapshots, DailySnapshotRepository)


def test_round_trips_exactly(storage: Storage) -> None:
    big = snapshot(cash="123456789012345678")
    storage.daily_snapshots.save(big)
    back = storage.daily_snapshots.get(ACCOUNT, DAY)
    assert back == big
    assert str(back.equity) == str(big.equity) == "123456789018690573 KRW"


def test_crypto_amounts_keep_their_decimals(storage: Storage) -> None:
    coins = DailySnapshot(
        account_id=AccountId("UPBIT-main"),
        day=DAY,
        cash_settled=Money("0.1", BTC) + Money("0.2", BTC),
        cash_unsettled=Money(0, BTC),
        positions_value=Money("0.00000001", BTC),
        realized_pnl=Money(0, BTC),
        unrealized_pnl=Money(0, BTC),
        commissions=Money("0.00000015", BTC),
        taxes=Money(0, BTC),
        fills=0,
        ts_taken=T0,
        reason=SnapshotReason.DEMAND,
    )
    storage.daily_snapshots.save(coins)
    back = storage.daily_snapshots.get(coins.account_id, DAY)
    assert str(back.equity) == "0.30000001 BTC"
    assert back == coins


def test_a_later_snapshot_of_the_day_replaces_the_row(storage: Storage) -> None:
    storage.daily_snapshots.save(snapshot(ts=T0, reason=SnapshotReason.DEMAND))
    storage.daily_snapshots.save(snapshot(value="7100000", ts=T0 + 5))
    (only,) = storage.daily_snapshots.query()
    assert only.positions_value == Money("7100000", KRW)
    assert only.reason is SnapshotReason.CLOSE


def test_an_older_snapshot_is_refused_and_the_newer_kept(storage: Storage) -> None:
    newer = snapshot(value="7100000", ts=T0 + 5)
    storage.daily_snapshots.save(newer)
    with pytest.raises(StaleSnapshotError, match="older"):
        storage.daily_snapshots.save(snapshot(ts=T0))
    assert storage.daily_snapshots.get(ACCOUNT, DAY) == newer


def test_saving_the_stored_snapshot_again_is_a_no_op(storage: Storage) -> None:
    """What a replay after a restart does: nothing changes, nothing is refused."""
    storage.daily_snapshots.save(snapshot())
    storage.daily_snapshots.save(snapshot())
    assert storage.daily_snapshots.query() == [snapshot()]


def test_a_stale_save_inside_a_unit_of_work_is_undone_alone(storage: Storage) -> None:
    storage.daily_snapshots.save(snapshot(ts=T0 + 5))
    other_day = snapshot(DAY + dt.timedelta(days=1))
    with storage.transaction():
        with pytest.raises(StaleSnapshotError):
            storage.daily_snapshots.save(snapshot(ts=T0))
        storage.daily_snapshots.save(other_day)
    assert [s.day for s in storage.daily_snapshots.query()] == [DAY, other_day.day]


def test_query_filters_by_account_and_inclusive_days(storage: Storage) -> None:
    other = AccountId("SIM-002")
    days = [DAY + dt.timedelta(days=i) for i in range(5)]
    for day in days:
        storage.daily_snapshots.save(snapshot(day, account=other))
        storage.daily_snapshots.save(snapshot(day))
    everything = storage.daily_snapshots.query()
    assert [(s.day, str(s.account_id)) for s in everything] == [
        (day, str(account)) for day in days for account in sorted([ACCOUNT, other], key=str)
    ]
    window = storage.daily_snapshots.query(account_id=ACCOUNT, start=days[1], end=days[3])
    assert [s.day for s in window] == days[1:4]
    assert storage.daily_snapshots.query(end=DAY - dt.timedelta(days=1)) == []


def test_get_unknown_raises_and_find_returns_none(storage: Storage) -> None:
    with pytest.raises(UnknownSnapshotError, match="2024-01-02"):
        storage.daily_snapshots.get(ACCOUNT, DAY)
    assert storage.daily_snapshots.find(ACCOUNT, DAY) is None


def test_stored_equity_that_does_not_add_up_is_reported(storage: Storage) -> None:
    storage.daily_snapshots.save(snapshot())
    with storage.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE daily_snapshots SET equity = '1'")
    with pytest.raises(StateError, match="equity"):
        storage.daily_snapshots.get(ACCOUNT, DAY)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"day": dt.datetime(2024, 1, 2, 15, 30, tzinfo=dt.UTC)}, InvalidInputError),
        ({"taxes": Money(0, BTC)}, CurrencyMismatchError),
        ({"fills": -1}, InvalidInputError),
        ({"ts_taken": 1.5}, InvalidInputError),
        ({"reason": "close"}, InvalidInputError),
        ({"commissions": Decimal(1)}, InvalidInputError),
    ],
)
def test_malformed_snapshots_are_refused_before_storage(change: dict, error: type) -> None:
    fields = {name: getattr(snapshot(), name) for name in DailySnapshot.__dataclass_fields__}
    with pytest.raises(error):
        DailySnapshot(**{**fields, **change})
