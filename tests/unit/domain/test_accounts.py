"""Account cash: T+2 settlement, reservations for open orders, refusal to go negative."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.core.errors import DuplicateFillError, InvalidInputError
from jts.domain.accounts import Account, InsufficientFundsError
from jts.domain.enums import AccountType, OrderSide
from jts.domain.identifiers import ClientOrderId, InstrumentId
from jts.domain.values import BTC, KRW, USD, Money, Rounding
from tests.unit.domain.trading_builders import ACCOUNT, standalone_fill

BUY, SELL = OrderSide.BUY, OrderSide.SELL
D0 = dt.date(2026, 3, 2)
D2 = dt.date(2026, 3, 4)
O1 = ClientOrderId("O-0001")
O2 = ClientOrderId("O-0002")


def krw(amount: int) -> Money:
    return Money(amount, KRW)


def funded(amount: int = 10_000_000, kind: AccountType = AccountType.CASH) -> Account:
    account = Account(ACCOUNT, kind)
    account.deposit(krw(amount))
    return account


def state(account: Account) -> tuple[object, ...]:
    return (
        account.balances(),
        {c: account.unsettled_by_date(c) for c in account.currencies()},
        account.reserved(O1),
        account.reserved(O2),
    )


def test_deposit_and_withdraw_settled_cash() -> None:
    account = funded(1_000_000)
    balance = account.balance(KRW)
    assert (balance.total, balance.settled, balance.free) == (krw(1_000_000),) * 3
    account.withdraw(krw(400_000))
    assert account.balance(KRW).settled == krw(600_000)
    with pytest.raises(InsufficientFundsError, match=r"cannot withdraw 600001 KRW.*600000 KRW"):
        account.withdraw(krw(600_001))
    for bad in (krw(0), krw(-5)):
        with pytest.raises(InvalidInputError, match="must be positive"):
            account.deposit(bad)
    assert account.currencies() == (KRW,)
    assert account.balance(USD).total == Money(0, USD)


def test_buy_settles_two_days_later() -> None:
    account = funded()
    fill = standalone_fill(BUY, 100, 70000, "T-1", commission=krw(984))
    account.apply_fill(fill, settlement_date=D2)
    balance = account.balance(KRW)
    assert balance.settled == krw(10_000_000)
    assert balance.unsettled == krw(-7_000_984)
    assert balance.total == krw(2_999_016)
    assert balance.free == krw(2_999_016)
    assert account.withdrawable(KRW) == krw(2_999_016)
    assert account.unsettled_by_date(KRW) == {D2: krw(-7_000_984)}
    assert account.settle(D0) == {}
    assert account.settle(D2) == {KRW: krw(-7_000_984)}
    balance = account.balance(KRW)
    assert balance.settled == krw(2_999_016)
    assert balance.unsettled == krw(0)
    assert account.unsettled_by_date(KRW) == {}


def test_sale_proceeds_fund_purchases_before_settlement_but_cannot_be_withdrawn() -> None:
    account = funded(0 + 1)
    account.withdraw(krw(1))
    account.apply_fill(
        standalone_fill(SELL, 10, 70000, "T-1", commission=krw(98), tax=krw(1260)),
        settlement_date=D2,
    )
    proceeds = 700_000 - 98 - 1260
    assert account.balance(KRW).unsettled == krw(proceeds)
    assert account.free(KRW) == krw(proceeds)
    assert account.withdrawable(KRW) == krw(0)
    account.reserve(O2, krw(proceeds))  # buying with unsettled proceeds is allowed
    assert account.free(KRW) == krw(0)
    account.settle(D2)
    assert account.balance(KRW).settled == krw(proceeds)
    assert account.withdrawable(KRW) == krw(0)  # still reserved for O-0002
    account.release(O2)
    assert account.withdrawable(KRW) == krw(proceeds)


def test_reservations_lock_cash_and_replace_each_other() -> None:
    account = funded(1_000_000)
    account.reserve(O1, krw(700_000))
    assert account.balance(KRW).locked == krw(700_000)
    assert account.free(KRW) == krw(300_000)
    account.reserve(O1, krw(900_000))  # replaces, needs only 200,000 more
    assert account.free(KRW) == krw(100_000)
    with pytest.raises(InsufficientFundsError, match=r"O-0002.*free is 100000 KRW"):
        account.reserve(O2, krw(100_001))
    account.reserve(O1, krw(0))
    assert account.reserved(O1) is None
    assert account.free(KRW) == krw(1_000_000)


def test_reservation_refusals() -> None:
    account = funded(1_000_000)
    account.reserve(O1, krw(10))
    with pytest.raises(InvalidInputError, match="negative"):
        account.reserve(O1, krw(-1))
    with pytest.raises(InvalidInputError, match="release it"):
        account.reserve(O1, Money(1, USD))
    assert account.reserved(O1) == krw(10)
    assert account.release(O1) == krw(10)
    assert account.release(O1) is None


def test_withdrawal_respects_reservations_and_pending_payments() -> None:
    account = funded(1_000_000)
    account.reserve(O1, krw(300_000))
    account.apply_fill(
        standalone_fill(BUY, 1, 200_000, "T-1", order_id="O-0009"), settlement_date=D2
    )
    assert account.withdrawable(KRW) == krw(500_000)


def test_a_fill_consumes_its_order_reservation() -> None:
    account = funded(10_000_000)
    account.reserve(O1, krw(7_001_000))
    account.apply_fill(
        standalone_fill(BUY, 40, 70000, "T-1", commission=krw(394)), settlement_date=D2
    )
    assert account.reserved(O1) == krw(7_001_000 - 2_800_394)
    assert account.free(KRW) == krw(10_000_000 - 7_001_000)
    account.apply_fill(
        standalone_fill(BUY, 60, 70000, "T-2", commission=krw(590)), settlement_date=D2
    )
    # the reservation was 16 won more than the fills cost: held until the order is released
    assert account.reserved(O1) == krw(16)
    assert account.free(KRW) == krw(10_000_000 - 7_000_984 - 16)
    assert account.release(O1) == krw(16)
    assert account.free(KRW) == krw(10_000_000 - 7_000_984)


def test_a_fill_costing_more_than_the_reservation_uses_it_up() -> None:
    account = funded(10_000_000)
    account.reserve(O1, krw(100_000))
    account.apply_fill(standalone_fill(BUY, 2, 70000, "T-1"), settlement_date=D2)
    assert account.reserved(O1) is None
    assert account.free(KRW) == krw(10_000_000 - 140_000)


def test_cash_account_refuses_a_fill_it_cannot_pay_and_stays_unchanged() -> None:
    account = funded(1_000_000)
    account.reserve(O2, krw(500_000))
    before = state(account)
    with pytest.raises(InsufficientFundsError, match=r"T-1.*O-0001.*-200000 KRW.*CASH"):
        account.apply_fill(standalone_fill(BUY, 10, 70000, "T-1"), settlement_date=D2)
    assert state(account) == before
    # the same fact can still be applied once the money is there
    account.release(O2)
    account.apply_fill(standalone_fill(BUY, 10, 70000, "T-1"), settlement_date=D2)
    assert account.free(KRW) == krw(300_000)


def test_margin_account_may_go_negative() -> None:
    account = funded(1_000_000, AccountType.MARGIN)
    assert account.allows_margin
    account.reserve(O1, krw(5_000_000))
    account.apply_fill(standalone_fill(BUY, 100, 70000, "T-1"), settlement_date=D2)
    assert account.balance(KRW).total == krw(-6_000_000)
    with pytest.raises(InsufficientFundsError):
        account.withdraw(krw(1))


def test_the_same_fill_is_applied_once() -> None:
    account = funded()
    fill = standalone_fill(BUY, 1, 70000, "T-1")
    account.apply_fill(fill)
    with pytest.raises(DuplicateFillError, match="T-1"):
        account.apply_fill(fill)
    other = standalone_fill(BUY, 1, 70000, "T-1", instrument=InstrumentId("000660.KRX"))
    account.apply_fill(other)  # trade ids are per instrument
    assert account.balance(KRW).settled == krw(10_000_000 - 140_000)


def test_spot_crypto_moves_both_currencies_at_once() -> None:
    account = Account(ACCOUNT)
    account.deposit(krw(1_000_000))
    btc_id = InstrumentId("KRW-BTC.UPBIT")
    account.apply_fill(
        standalone_fill(BUY, "0.001", "95000000", "T-1", instrument=btc_id, commission=krw(48)),
        base_currency=BTC,
    )
    assert account.balance(KRW).settled == krw(1_000_000 - 95_000 - 48)
    assert account.balance(BTC).settled == Money("0.001", BTC)
    assert account.currencies() == (BTC, KRW)
    with pytest.raises(InsufficientFundsError, match="BTC"):
        account.apply_fill(
            standalone_fill(SELL, "0.002", "95000000", "T-2", instrument=btc_id),
            base_currency=BTC,
        )
    with pytest.raises(InvalidInputError, match="more decimals than BTC"):
        account.apply_fill(
            standalone_fill(SELL, "0.000000001", "95000000", "T-3", instrument=btc_id),
            base_currency=BTC,
        )


def test_crypto_fill_value_is_rounded_as_the_account_was_told() -> None:
    btc_id = InstrumentId("KRW-BTC.UPBIT")
    fill = standalone_fill(BUY, "0.00012345", "95000123", "T-1", instrument=btc_id)
    # value 11727.76518435 KRW
    down = Account(ACCOUNT, notional_rounding=Rounding.DOWN)
    down.deposit(krw(20_000))
    down.apply_fill(fill)
    assert down.balance(KRW).settled == krw(20_000 - 11_727)
    nearest = Account(ACCOUNT)
    nearest.deposit(krw(20_000))
    nearest.apply_fill(fill)
    assert nearest.balance(KRW).settled == krw(20_000 - 11_728)


def test_state_snapshot() -> None:
    account = funded(1_000_000)
    account.reserve(O1, krw(100_000))
    account.apply_fill(standalone_fill(SELL, 1, 70000, "T-1"), settlement_date=D2)
    snapshot = account.to_state(ts_event=5, ts_init=6)
    assert snapshot.account_id == ACCOUNT
    assert snapshot.account_type is AccountType.CASH
    assert not snapshot.reported
    (balance,) = snapshot.balances
    assert balance.settled == krw(1_000_000)
    assert balance.unsettled == krw(70_000)
    assert balance.locked == krw(100_000)
    assert balance.free == krw(970_000)
    assert "KIS-12345678-01" in repr(account)


def test_total_and_free_agree_with_balance() -> None:
    import datetime as dt

    from jts.domain.accounts import Account
    from jts.domain.identifiers import AccountId, ClientOrderId
    from jts.domain.values import KRW, Money

    account = Account(AccountId("SIM-1"))
    account.deposit(Money("1000000", KRW))
    account.reserve(ClientOrderId("O-1"), Money("250000", KRW))
    account._pending[KRW] = {dt.date(2024, 1, 4): -1000}
    balance = account.balance(KRW)
    assert account.total(KRW) == balance.total == Money("999000", KRW)
    assert account.free(KRW) == balance.free == Money("749000", KRW)


def _expected_after_fill(
    account: Account, side: OrderSide, value: int, fee: int, day: dt.date | None, order: str
) -> tuple[dict[dt.date | None, int], Money | None] | None:
    """The rules of a KRW fill written out from the balances alone: the settled/pending
    amounts after it and the order's reservation, or None where a CASH account refuses it."""
    buckets: dict[dt.date | None, int] = {None: account.balance(KRW).settled.raw}
    buckets.update({d: m.raw for d, m in account.unsettled_by_date(KRW).items()})
    cash = -value - fee if side is BUY else value - fee
    buckets[day] = buckets.get(day, 0) + cash
    held = account.reserved(ClientOrderId(order))
    locked = account.balance(KRW).locked.raw
    left = held
    if held is not None:
        spent = value + fee if side is BUY else fee
        left = krw(max(held.raw - spent, 0))
        locked += left.raw - held.raw
    free_before = account.free(KRW).raw
    free_after = sum(buckets.values()) - locked
    if free_after < 0 and free_after < free_before:
        return None
    return buckets, left


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([BUY, SELL]),
            st.integers(1, 30),  # shares
            st.integers(0, 500),  # commission
            st.sampled_from([None, D0, D2]),  # settlement date
            st.sampled_from(["O-0001", "O-0002"]),
            st.integers(0, 3_000_000),  # reserve this much for the order first (0: none)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_fills_book_or_refuse_exactly_as_the_rules_say(
    steps: list[tuple[OrderSide, int, int, dt.date | None, str, int]],
) -> None:
    """Random fills against reservations and pending settlements: every booked balance,
    every consumed reservation and every refusal is what the rules give, and a refused fill
    changes nothing."""
    account = funded(2_000_000)
    for n, (side, qty, fee, day, order, reserve) in enumerate(steps):
        if reserve:
            with contextlib.suppress(InsufficientFundsError):
                account.reserve(ClientOrderId(order), krw(reserve))
        expected = _expected_after_fill(account, side, qty * 70_000, fee, day, order)
        before = state(account)
        fill = standalone_fill(side, qty, 70000, f"T-{n}", order_id=order, commission=krw(fee))
        if expected is None:
            with pytest.raises(InsufficientFundsError):
                account.apply_fill(fill, settlement_date=day)
            assert state(account) == before
            continue
        account.apply_fill(fill, settlement_date=day)
        buckets, reservation = expected
        assert account.balance(KRW).settled.raw == buckets.pop(None)
        pending = {d: krw(v) for d, v in sorted(buckets.items()) if d is not None}
        assert account.unsettled_by_date(KRW) == {d: m for d, m in pending.items()}
        left = reservation if reservation is None or reservation.raw else None
        assert account.reserved(ClientOrderId(order)) == left


def test_single_currency_fills_book_as_the_general_path_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fills without fees, coins or reservations take a shorter path (a backtest books every
    fill); it must leave the account exactly as the general path does, refusals included."""
    fills = [
        (standalone_fill(BUY, 10, 70000, "T-1"), D2),
        (standalone_fill(SELL, 4, 71000, "T-2"), D2),
        (standalone_fill(BUY, 3, 69000, "T-3"), None),
        (standalone_fill(SELL, 9, 72000, "T-4"), D0),
    ]

    def run() -> tuple[object, ...]:
        account = funded(1_000_000)
        for one, day in fills:
            account.apply_fill(one, settlement_date=day)
        with pytest.raises(InsufficientFundsError, match="would leave free KRW"):
            account.apply_fill(standalone_fill(BUY, 100, 70000, "T-5"), settlement_date=D2)
        return state(account)

    taken: list[bool] = []
    shorter = Account._fill_one_movement

    def spy(self: Account, *args: object) -> bool:
        taken.append(True)
        return shorter(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Account, "_fill_one_movement", spy)
    fast = run()
    assert len(taken) == 5
    monkeypatch.setattr(Account, "_fill_one_movement", lambda *_: False)
    assert run() == fast
