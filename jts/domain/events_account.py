"""Account state: cash per currency, as we computed it or as the venue reported it.

Korean equities settle T+2, so cash has two views: ``settled`` (on deposit now, withdrawable)
and ``unsettled`` (trades done but not yet settled: sale proceeds to come, purchases to pay).
Sale proceeds may be spent on new purchases before they settle, so buying power is based on
``total = settled + unsettled``; ``locked`` is what open orders reserve and ``free`` what is left.
"""

from __future__ import annotations

from typing import Final

import msgspec

from jts.core.errors import CurrencyMismatchError, InvalidInputError
from jts.domain.enums import AccountType
from jts.domain.events_order import check_timestamp
from jts.domain.identifiers import AccountId
from jts.domain.messages import Message
from jts.domain.values import Currency, Money


class AccountBalance(msgspec.Struct, frozen=True, kw_only=True):
    """One currency's balance. Invariants: ``free = total - locked`` and
    ``total = settled + unsettled``, all in ``currency``; checked on creation and on decode."""

    currency: Currency
    total: Money
    locked: Money
    free: Money
    settled: Money
    unsettled: Money

    def __post_init__(self) -> None:
        for name in ("total", "locked", "free", "settled", "unsettled"):
            amount: Money = getattr(self, name)
            if amount.currency != self.currency:
                raise CurrencyMismatchError(
                    f"{name} {amount} is not in the balance currency {self.currency}"
                )
        if self.locked.raw < 0:
            raise InvalidInputError(f"locked cannot be negative, got {self.locked}")
        if self.free != self.total - self.locked:
            raise InvalidInputError(
                f"free {self.free} is not total {self.total} - locked {self.locked}"
            )
        if self.total != self.settled + self.unsettled:
            raise InvalidInputError(
                f"total {self.total} is not settled {self.settled} + unsettled {self.unsettled}"
            )

    @classmethod
    def of(
        cls, settled: Money, unsettled: Money | None = None, locked: Money | None = None
    ) -> AccountBalance:
        """Build from the independent parts; ``total`` and ``free`` follow."""
        currency = settled.currency
        unsettled = Money.zero(currency) if unsettled is None else unsettled
        locked = Money.zero(currency) if locked is None else locked
        total = settled + unsettled
        return cls(
            currency=currency,
            total=total,
            locked=locked,
            free=total - locked,
            settled=settled,
            unsettled=unsettled,
        )


class AccountState(Message, frozen=True, kw_only=True):
    """All balances of an account at ``ts_event``. ``reported`` is True when the venue said so
    (reconciliation input) and False when JTS computed it from fills."""

    account_id: AccountId
    account_type: AccountType
    balances: tuple[AccountBalance, ...]
    reported: bool
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        where = f"state of account {self.account_id}"
        check_timestamp("ts_event", self.ts_event, where)
        check_timestamp("ts_init", self.ts_init, where)
        codes = [b.currency.code for b in self.balances]
        if len(codes) != len(set(codes)):
            raise InvalidInputError(
                f"account {self.account_id} state lists a currency twice: {sorted(codes)}"
            )

    def balance(self, currency: Currency) -> AccountBalance | None:
        for item in self.balances:
            if item.currency == currency:
                return item
        return None


ACCOUNT_EVENT_TYPES: Final[tuple[type[Message], ...]] = (AccountState,)
