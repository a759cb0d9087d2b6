"""A trading account's cash, per currency: settled, unsettled (T+2) and reserved for orders.

What counts (see `jts.domain.events_account` for the vocabulary): a KRX trade moves cash only
at settlement (D+2), but its proceeds may fund new purchases at once, so spending power is
``free = settled + unsettled - locked``; only settled cash not needed for pending payments can
be withdrawn. Settlement dates are business days of the exchange calendar, which the domain does
not know: whoever applies a fill says when it settles (``None`` = at once, as on crypto venues).

Open orders reserve cash (`reserve`), and a fill consumes its order's reservation by what the
fill costs in that currency, so spending the reserved money never counts twice. A CASH account
refuses anything that would leave ``free`` below zero in a currency whose free cash it lowers
(`InsufficientFundsError`, the account unchanged); a MARGIN account allows it (credit, 미수).

All amounts are integers at the currency's precision. A fill's value ``px x qty`` is exact on
KRX; where it is finer than the currency (crypto) it is rounded as the account was told
(``notional_rounding``, half away from zero by default) and that is the only rounding here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

from jts.core.errors import DuplicateFillError, InvalidInputError, StateError
from jts.domain.enums import AccountType, OrderSide
from jts.domain.events_account import AccountBalance, AccountState
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, TradeId
from jts.domain.values import MAX_PRECISION, Currency, Money, Quantity, Rounding


class InsufficientFundsError(StateError):
    """A CASH account was asked to spend or reserve more than it has free."""


_Movement = tuple[Currency, int, dt.date | None]  # currency, raw change, settlement date
_POW10: Final = tuple(10**i for i in range(2 * MAX_PRECISION + 1))


class Account:
    """Balances of one account; change them with `deposit`, `withdraw`, `reserve`, `release`,
    `apply_fill` and `settle`. Every refused change leaves the account as it was."""

    __slots__ = (
        "_account_id",
        "_account_type",
        "_applied",
        "_pending",
        "_reservations",
        "_rounding",
        "_settled",
    )

    def __init__(
        self,
        account_id: AccountId,
        account_type: AccountType = AccountType.CASH,
        *,
        notional_rounding: Rounding = Rounding.NEAREST,
    ) -> None:
        self._account_id = account_id
        self._account_type = account_type
        self._rounding = notional_rounding
        self._settled: dict[Currency, int] = {}
        self._pending: dict[Currency, dict[dt.date, int]] = {}
        self._reservations: dict[ClientOrderId, Money] = {}
        # trade ids already booked, per instrument (trade ids are unique per instrument)
        self._applied: dict[InstrumentId, set[TradeId]] = {}

    @property
    def account_id(self) -> AccountId:
        return self._account_id

    @property
    def account_type(self) -> AccountType:
        return self._account_type

    @property
    def allows_margin(self) -> bool:
        return self._account_type is AccountType.MARGIN

    # ---- read side --------------------------------------------------------------------------
    def currencies(self) -> tuple[Currency, ...]:
        """Every currency the account has ever held, pending or reserved, by code."""
        found = set(self._settled) | set(self._pending)
        found |= {m.currency for m in self._reservations.values()}
        return tuple(sorted(found, key=lambda c: c.code))

    def balance(self, currency: Currency) -> AccountBalance:
        return AccountBalance.of(
            Money.from_raw(self._settled.get(currency, 0), currency),
            Money.from_raw(sum(self._pending.get(currency, {}).values()), currency),
            Money.from_raw(self._locked_raw(currency), currency),
        )

    def balances(self) -> tuple[AccountBalance, ...]:
        return tuple(self.balance(c) for c in self.currencies())

    def total(self, currency: Currency) -> Money:
        """Settled plus unsettled (the hot-path read of `balance(...).total`)."""
        return Money.from_raw(self._total_raw(currency), currency)

    def free_raw(self, currency: Currency) -> int:
        """`free` as raw units of the currency, without building the `Money` (the risk
        engine reads it for every buy)."""
        return self._total_raw(currency) - self._locked_raw(currency)

    def total_raw(self, currency: Currency) -> int:
        """`total` as raw units of the currency, without building the `Money`."""
        return self._total_raw(currency)

    def free(self, currency: Currency) -> Money:
        """Total minus what open orders hold (the hot-path read of `balance(...).free`)."""
        return Money.from_raw(self._total_raw(currency) - self._locked_raw(currency), currency)

    def withdrawable(self, currency: Currency) -> Money:
        """Settled cash not needed for pending payments or open orders (never below zero)."""
        pending_out = sum(v for v in self._pending.get(currency, {}).values() if v < 0)
        raw = self._settled.get(currency, 0) + pending_out - self._locked_raw(currency)
        return Money.from_raw(max(raw, 0), currency)

    def unsettled_by_date(self, currency: Currency) -> dict[dt.date, Money]:
        """Pending settlements of a currency by settlement date (net of buys and sells)."""
        items = sorted(self._pending.get(currency, {}).items())
        return {day: Money.from_raw(raw, currency) for day, raw in items}

    def reserved(self, client_order_id: ClientOrderId) -> Money | None:
        return self._reservations.get(client_order_id)

    def to_state(self, ts_event: int, ts_init: int) -> AccountState:
        return AccountState(
            account_id=self._account_id,
            account_type=self._account_type,
            balances=self.balances(),
            reported=False,
            ts_event=ts_event,
            ts_init=ts_init,
        )

    def __repr__(self) -> str:
        parts = ", ".join(f"{b.currency}: free {b.free}" for b in self.balances())
        return f"Account({self._account_id}, {self._account_type.value}, {parts})"

    # ---- cash in and out --------------------------------------------------------------------
    def deposit(self, amount: Money) -> None:
        """Settled cash arrives (a transfer in, the opening balance)."""
        _require_positive("deposit", amount)
        self._settled[amount.currency] = self._settled.get(amount.currency, 0) + amount.raw

    def withdraw(self, amount: Money) -> None:
        """Settled cash leaves; never more than `withdrawable`, even on a margin account."""
        _require_positive("withdrawal", amount)
        available = self.withdrawable(amount.currency)
        if amount > available:
            raise InsufficientFundsError(
                f"account {self._account_id}: cannot withdraw {amount}, only {available} "
                "is settled and not needed for pending payments or open orders"
            )
        self._settled[amount.currency] -= amount.raw

    def settle(self, as_of: dt.date) -> dict[Currency, Money]:
        """Move everything due on or before ``as_of`` from unsettled to settled; returns the
        net amount settled per currency."""
        moved: dict[Currency, Money] = {}
        for currency, by_date in self._pending.items():
            due = [day for day in by_date if day <= as_of]
            if not due:
                continue
            net = sum(by_date.pop(day) for day in due)
            self._settled[currency] = self._settled.get(currency, 0) + net
            moved[currency] = Money.from_raw(net, currency)
        self._pending = {c: d for c, d in self._pending.items() if d}
        return moved

    # ---- reservations -----------------------------------------------------------------------
    def reserve(self, client_order_id: ClientOrderId, amount: Money) -> None:
        """Set the cash an open order holds back (replacing its previous reservation); zero
        releases it. A CASH account refuses a reservation its free cash cannot cover."""
        if amount.raw < 0:
            raise InvalidInputError(
                f"account {self._account_id}: reservation for order {client_order_id} cannot "
                f"be negative, got {amount}"
            )
        previous = self._reservations.get(client_order_id)
        if amount.raw == 0:
            self._reservations.pop(client_order_id, None)
            return
        if previous is not None and previous.currency != amount.currency:
            raise InvalidInputError(
                f"account {self._account_id}: order {client_order_id} already reserves "
                f"{previous}; release it before reserving {amount.currency}"
            )
        increase = amount.raw - (previous.raw if previous is not None else 0)
        if increase > 0 and not self.allows_margin:
            free = self.free(amount.currency)
            if free.raw < increase:
                raise InsufficientFundsError(
                    f"account {self._account_id}: cannot reserve {amount} for order "
                    f"{client_order_id}, free is {free}"
                    + (f" plus its current {previous}" if previous is not None else "")
                )
        self._reservations[client_order_id] = amount

    def release(self, client_order_id: ClientOrderId) -> Money | None:
        """Drop an order's reservation (order closed); returns what it held, if anything."""
        return self._reservations.pop(client_order_id, None)

    # ---- fills ------------------------------------------------------------------------------
    def apply_fill(
        self,
        fill: OrderFilled,
        *,
        settlement_date: dt.date | None = None,
        base_currency: Currency | None = None,
        allow_negative: bool = False,
    ) -> None:
        """Book a fill's cash: its value in the quote currency (paid on a buy, received on a
        sell), its commission and tax, and with ``base_currency`` (spot crypto) the bought or
        sold coins. Everything settles on ``settlement_date`` (None = now).

        A fill is a fact: the venue executed it whatever we think of our cash. The portfolio
        books venue fills with ``allow_negative=True`` (and raises an alarm) rather than lose
        them; without it a CASH account refuses a fill that would overdraw it."""
        applied = self._applied.get(fill.instrument_id)
        if applied is None:
            applied = self._applied[fill.instrument_id] = set()
        if fill.trade_id in applied:
            raise DuplicateFillError(
                f"account {self._account_id}: fill {fill.trade_id} of {fill.instrument_id} was "
                "already applied"
            )
        if (
            base_currency is None
            and not self._reservations
            and not fill.commission.raw
            and not fill.tax.raw
            and self._fill_one_movement(fill, settlement_date, allow_negative)
        ):
            applied.add(fill.trade_id)
            return
        movements = self._fill_movements(fill, base_currency, settlement_date)
        order_id = fill.client_order_id
        held = self._reservations.get(order_id)
        reservation = self._consumed_reservation(held, movements)
        if not self.allows_margin and not allow_negative:
            self._check_not_negative(fill, movements, held, reservation)
        # checked: nothing below can fail, so a refused fill changes nothing
        settled, pending = self._settled, self._pending
        for currency, raw, day in movements:
            if day is None:
                settled[currency] = settled.get(currency, 0) + raw
            else:
                by_date = pending.setdefault(currency, {})
                by_date[day] = by_date.get(day, 0) + raw
        if reservation is not None:
            if reservation.raw:
                self._reservations[order_id] = reservation
            else:
                self._reservations.pop(order_id, None)
        applied.add(fill.trade_id)

    def _fill_one_movement(
        self, fill: OrderFilled, day: dt.date | None, allow_negative: bool
    ) -> bool:
        """`apply_fill` for the common case of a fill that moves one currency (no fees, no
        coins, no reservation to consume), with the same rules and results as the general
        path, in fewer steps (a backtest books every fill). Returns False, changing nothing,
        when the value is not exact in the currency: the general path rounds it."""
        price, qty, currency = fill.last_px, fill.last_qty, fill.currency
        excess = price.precision + qty.precision - currency.precision
        if excess > 0:
            return False
        value = price.raw * qty.raw * _POW10[-excess]
        raw = -value if fill.order_side is OrderSide.BUY else value
        if raw < 0 and self._account_type is not AccountType.MARGIN and not allow_negative:
            total = self._total_raw(currency)
            if total + raw < 0:  # below zero and lower than before: the general check says
                self._check_not_negative(fill, [(currency, raw, day)], None, None)
        if day is None:
            settled = self._settled
            settled[currency] = settled.get(currency, 0) + raw
        else:
            by_date = self._pending.setdefault(currency, {})
            by_date[day] = by_date.get(day, 0) + raw
        return True

    def _fill_movements(
        self, fill: OrderFilled, base: Currency | None, day: dt.date | None
    ) -> list[_Movement]:
        value = fill.notional(self._rounding).raw
        buy = fill.order_side is OrderSide.BUY
        moves: list[_Movement] = [(fill.currency, -value if buy else value, day)]
        if fill.commission.raw:
            moves.append((fill.commission.currency, -fill.commission.raw, day))
        if fill.tax.raw:
            moves.append((fill.tax.currency, -fill.tax.raw, day))
        if base is not None:
            coins = _quantity_as_money(fill.last_qty, base, fill.trade_id)
            moves.append((base, coins if buy else -coins, day))
        return moves

    @staticmethod
    def _consumed_reservation(held: Money | None, movements: Iterable[_Movement]) -> Money | None:
        """The order's reservation ``held`` after this fill, or None if it has none."""
        if held is None:
            return None
        spent = -sum(raw for cur, raw, _ in movements if cur == held.currency and raw < 0)
        return Money.from_raw(max(held.raw - spent, 0), held.currency)

    def _check_not_negative(
        self,
        fill: OrderFilled,
        movements: list[_Movement],
        held: Money | None,
        reservation: Money | None,
    ) -> None:
        """Refuse a fill that would leave free cash negative in a currency whose free cash it
        lowers, computed from the balances as they are and the fill's movements."""
        nets: dict[Currency, int] = {}
        for cur, raw, _ in movements:
            nets[cur] = nets.get(cur, 0) + raw
        for currency, net in nets.items():
            total = self._total_raw(currency)
            locked_before = locked_after = self._locked_raw(currency)
            if held is not None and held.currency == currency:
                assert reservation is not None  # what is left of ``held``
                locked_after += reservation.raw - held.raw
            before = total - locked_before
            after = total + net - locked_after
            if after < 0 and after < before:
                raise InsufficientFundsError(
                    f"account {self._account_id}: fill {fill.trade_id} of order "
                    f"{fill.client_order_id} would leave free {currency} at "
                    f"{Money.from_raw(after, currency)} on a {self._account_type.value} account"
                )

    def _total_raw(self, currency: Currency) -> int:
        by_date = self._pending.get(currency)
        settled = self._settled.get(currency, 0)
        return settled if not by_date else settled + sum(by_date.values())

    def _locked_raw(self, currency: Currency) -> int:
        if not self._reservations:
            return 0
        return sum(m.raw for m in self._reservations.values() if m.currency == currency)


def _require_positive(what: str, amount: Money) -> None:
    if amount.raw <= 0:
        raise InvalidInputError(f"a {what} must be positive, got {amount}")


def _quantity_as_money(qty: Quantity, currency: Currency, trade_id: TradeId) -> int:
    if qty.precision > currency.precision and qty.raw % 10 ** (qty.precision - currency.precision):
        raise InvalidInputError(
            f"fill {trade_id}: quantity {qty} has more decimals than {currency} keeps "
            f"({currency.precision})"
        )
    return qty.raw_at(currency.precision)
