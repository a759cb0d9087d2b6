"""The portfolio: every position and account of the node, exact, updated from fills.

Positions are netting positions per (instrument, strategy, account): shares bought in one
account can only be sold from that account, so a strategy routed to two accounts holds two
positions, and `position_qty` without an account is their sum. Accounts hold cash per currency,
settled and unsettled: a fill's cash settles on the date the `SettlementPolicy` names (T+2
business days for KRX equities, immediately for crypto) and `settle(date)` moves it.
Marking to market uses the cache's last prices; nothing here reads a clock or does I/O.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Container, Iterable
from decimal import Decimal

from jts.domain.accounts import Account, InsufficientFundsError
from jts.domain.events_order import OrderFilled
from jts.domain.events_position import PositionEvent
from jts.domain.identifiers import AccountId, InstrumentId, PositionId, StrategyId, TraderId
from jts.domain.instruments import AssetClass, Instrument
from jts.domain.positions import Position
from jts.domain.values import KRW, Currency, Money, Rounding
from jts.kernel.cache import Cache

log = logging.getLogger(__name__)

#: (instrument, fill time ns) -> the date the fill's cash settles, or None for "now".
SettlementPolicy = Callable[[Instrument, int], dt.date | None]


_ZERO = Decimal(0)
_Slot = tuple[InstrumentId, StrategyId, AccountId | None]


def immediate_settlement(instrument: Instrument, ts_ns: int) -> dt.date | None:
    return None


class Portfolio:
    def __init__(
        self,
        cache: Cache,
        trader_id: TraderId,
        *,
        base_currency: Currency = KRW,
        settlement: SettlementPolicy = immediate_settlement,
    ) -> None:
        self._cache = cache
        self._trader_id = trader_id
        self._base = base_currency
        self._settlement = settlement
        self._accounts: dict[AccountId, Account] = {}
        self._default_account: AccountId | None = None
        self._positions: dict[PositionId, Position] = {}
        self._by_instrument: dict[InstrumentId, list[Position]] = {}
        self._by_slot: dict[_Slot, Position] = {}
        #: (instrument, strategy) -> its positions in every account
        self._by_pair: dict[tuple[InstrumentId, StrategyId], list[Position]] = {}
        self.overdrafts = 0

    # ---- accounts -----------------------------------------------------------------------------
    def add_account(self, account: Account, *, default: bool = False) -> None:
        self._accounts[account.account_id] = account
        if default or self._default_account is None:
            self._default_account = account.account_id

    def holder(self, account_id: AccountId | None) -> AccountId | None:
        """The account that what was booked under ``account_id`` belongs to: that account, or
        the default one for what names none (fills of a venue that reports no account). The
        one rule for every per-account figure (cash, positions, exposure, snapshots)."""
        return account_id or self._default_account

    def account(self, account_id: AccountId | None = None) -> Account | None:
        key = self.holder(account_id)
        return None if key is None else self._accounts.get(key)

    def accounts(self) -> list[Account]:
        return list(self._accounts.values())

    def settle(self, as_of: dt.date) -> None:
        for account in self._accounts.values():
            account.settle(as_of)

    # ---- positions ----------------------------------------------------------------------------
    def position(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        account_id: AccountId | None = None,
    ) -> Position | None:
        """The strategy's position in the instrument held in ``account_id``; without one, the
        position in the default account, else the first one opened (`positions_of` has all)."""
        if account_id is not None:
            return self.position_held(instrument_id, strategy_id, account_id)
        held = self._by_pair.get((instrument_id, strategy_id))
        if not held:
            return None
        for position in held:
            if position.account_id == self._default_account:
                return position
        return held[0]

    def position_held(
        self, instrument_id: InstrumentId, strategy_id: StrategyId, account_id: AccountId | None
    ) -> Position | None:
        """Exactly the position booked under ``account_id`` (None: fills that named none)."""
        return self._by_slot.get((instrument_id, strategy_id, account_id))

    def positions_of(self, instrument_id: InstrumentId, strategy_id: StrategyId) -> list[Position]:
        """The strategy's positions in the instrument, one per account."""
        return list(self._by_pair.get((instrument_id, strategy_id), ()))

    def positions(self, *, open_only: bool = True) -> list[Position]:
        return [p for p in self._positions.values() if p.is_open or not open_only]

    def position_qty(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        account_id: AccountId | None = None,
    ) -> Decimal:
        """Signed quantity in ``account_id`` (the default account's includes what was booked
        naming no account, `holder`), or in all accounts together without one."""
        if account_id is not None:  # `position_held`, inlined: the risk check asks per order
            position = self._by_slot.get((instrument_id, strategy_id, account_id))
            qty = _ZERO if position is None else position.signed_qty
            if account_id == self._default_account:
                stray = self._by_slot.get((instrument_id, strategy_id, None))
                if stray is not None:
                    qty += stray.signed_qty
            return qty
        held = self._by_pair.get((instrument_id, strategy_id))
        if not held:
            return _ZERO
        if len(held) == 1:
            return held[0].signed_qty
        return sum((p.signed_qty for p in held), _ZERO)

    def net_qty(self, instrument_id: InstrumentId, account_id: AccountId | None = None) -> Decimal:
        """All strategies together (in one account, or in all): what the venue's books should
        show."""
        return sum(
            (
                p.signed_qty
                for p in self._by_instrument.get(instrument_id, ())
                if account_id is None or self.holder(p.account_id) == account_id
            ),
            _ZERO,
        )

    def apply_fill(
        self, fill: OrderFilled, *, kinds: Container[type[PositionEvent]] | None = None
    ) -> tuple[PositionEvent, ...]:
        """Book a fill on its position and its account; returns the position events (of
        ``kinds`` only, when given: see `Position.apply`)."""
        instrument = self._cache.instrument(fill.instrument_id)
        slot = (fill.instrument_id, fill.strategy_id, fill.account_id)
        position = self._by_slot.get(slot)
        if position is None:
            position = Position(
                fill.instrument_id,
                fill.strategy_id,
                self._trader_id,
                instrument.quote_currency,
                account_id=fill.account_id,
            )
            self._positions[position.position_id] = position
            self._by_instrument.setdefault(fill.instrument_id, []).append(position)
            self._by_slot[slot] = position
            self._by_pair.setdefault(slot[:2], []).append(position)
        events = position.apply(fill, kinds=kinds)
        key = self.holder(fill.account_id)
        account = None if key is None else self._accounts.get(key)
        if account is not None:
            base = instrument.base_currency if instrument.asset_class is AssetClass.CRYPTO else None
            day = self._settlement(instrument, fill.ts_event)
            try:
                account.apply_fill(fill, settlement_date=day, base_currency=base)
            except InsufficientFundsError as exc:
                # a fill is a fact: book it and raise the alarm instead of losing it
                self.overdrafts += 1
                log.error("fill booked on an overdrawn account: %s", exc)
                account.apply_fill(
                    fill, settlement_date=day, base_currency=base, allow_negative=True
                )
        return events

    # ---- valuation ----------------------------------------------------------------------------
    def _mark(self, position: Position) -> Money | None:
        last = self._cache.last_price(position.instrument_id)
        return None if last is None else position.notional_value(last)

    def position_values(self, account_id: AccountId | None) -> list[tuple[str, Decimal]]:
        """Signed market value of each open, marked position (of ``account_id``, or of every
        account without one): what the exposure limits of the risk check sum."""
        values: list[tuple[str, Decimal]] = []
        for position in self._positions.values():
            if not position.is_open:
                continue
            if account_id is not None and self.holder(position.account_id) != account_id:
                continue
            value = self._mark(position)
            if value is not None:
                sign = -1 if position.signed_qty < 0 else 1
                values.append((str(position.instrument_id), sign * value.as_decimal()))
        return values

    def free_cash(
        self, account_id: AccountId | None, instrument_id: InstrumentId
    ) -> Decimal | None:
        key = self.holder(account_id)
        account = None if key is None else self._accounts.get(key)
        instrument = self._cache.find_instrument(instrument_id)
        if account is None or instrument is None:
            return None
        currency = instrument.quote_currency
        raw = account.free_raw(currency)
        # as `Money.as_decimal` gives it
        if currency.precision == 0:
            return Decimal(raw)
        return Decimal(f"{raw}E-{currency.precision}")

    def unrealized_pnl(self, instrument_id: InstrumentId | None = None) -> Money:
        total = Money.zero(self._base)
        for position in self._iter(instrument_id):
            last = self._cache.last_price(position.instrument_id)
            if last is not None and position.is_open and position.currency == self._base:
                total = total + position.unrealized_pnl(last)
        return total

    def realized_pnl(self, instrument_id: InstrumentId | None = None) -> Money:
        total = Money.zero(self._base)
        for position in self._iter(instrument_id):
            if position.currency == self._base:
                total = total + position.realized_pnl
        return total

    def market_value(self, account_id: AccountId | None = None) -> Money:
        """Signed value of open positions in the base currency at last prices: of every
        account, or of ``account_id`` (positions that name no account are the default's)."""
        raw = 0
        for position in self._positions.values():
            if not position.is_open or position.currency != self._base:
                continue
            if account_id is not None and self.holder(position.account_id) != account_id:
                continue
            value = self._mark(position)
            if value is not None:
                raw += -value.raw if position.signed_qty < 0 else value.raw
        return Money.from_raw(raw, self._base)

    def cash(self, account_id: AccountId | None = None) -> Money:
        """Settled plus unsettled cash in the base currency."""
        account = self.account(account_id)
        if account is None:
            return Money.zero(self._base)
        return account.total(self._base)

    def total_cash(self) -> Money:
        """Every account's settled plus unsettled cash in the base currency: what the node's
        equity starts from when it trades several accounts."""
        raw = sum(account.total_raw(self._base) for account in self._accounts.values())
        return Money.from_raw(raw, self._base)

    def cash_raw(self, account_id: AccountId | None = None) -> int:
        """`cash` as raw units of the base currency (a backtest's equity curve re-reads the
        cash after every fill)."""
        key = self.holder(account_id)
        account = None if key is None else self._accounts.get(key)
        return 0 if account is None else account.total_raw(self._base)

    def equity(self, account_id: AccountId | None = None) -> Money:
        """Cash plus the market value of open positions (the base currency only): of one
        account, or of the whole node (every account's cash and positions) without one."""
        if account_id is None:
            return self.total_cash() + self.market_value()
        return self.cash(account_id) + self.market_value(account_id)

    def _iter(self, instrument_id: InstrumentId | None) -> Iterable[Position]:
        if instrument_id is None:
            return self._positions.values()
        return self._by_instrument.get(instrument_id, ())

    def round_value(self, amount: Decimal) -> Money:
        return Money.from_decimal(amount, self._base, Rounding.DOWN)
