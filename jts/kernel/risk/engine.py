"""The risk engine: runs the pre-trade rules on every order and owns the kill switch.

Limits are per account with optional per-strategy tightening (`RiskLimits.merged`). The kill
switch, once tripped (by hand or by the daily loss limit), denies every new order with its
reason until `reset_kill_switch` is called explicitly; the kernel cancels open orders when it
trips.

Every order is checked, and cheaply: the merged limits of a (strategy, account) pair and the
rules that can deny anything under them (`rules.ACTIVE_WHEN`) are worked out once, and the
context leaves out only what no rule that runs reads (free cash for a sell, the session for
orders when trading hours are not checked). Custom rules always run and always get the full
context. The day's price limits and the KST trading date are cached per day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Protocol

from jts.core.clock import Clock
from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, NANOS_PER_SECOND, kst_date
from jts.domain.enums import OrderSide, OrderType
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import AccountId, InstrumentId, StrategyId
from jts.domain.instruments import AssetClass, Instrument
from jts.domain.price_limits import PriceLimits
from jts.domain.values import Price
from jts.kernel.cache import Cache
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.risk.rules import (
    ACTIVE_WHEN,
    DEFAULT_RULES,
    Denial,
    Rule,
    RuleContext,
    buying_power,
    open_order_limit,
    trading_hours,
)

log = logging.getLogger(__name__)

#: Answers whether an instrument trades at an instant (a session calendar); None = unknown.
SessionCheck = Callable[[InstrumentId, int], bool | None]

_KST_OFFSET_NS: Final = 9 * NANOS_PER_HOUR
_ZERO: Final = Decimal(0)
_LIMITS_KEPT: Final = 64  # daily limits cached: a few per instrument and day
#: rules whose reads are known (`_plan` leaves out what none of them needs); others get all
_KNOWN_RULES: Final = frozenset(DEFAULT_RULES)
_new_tuple: Final = tuple.__new__
# `check` fills the context's fields by position: a field added to `RuleContext` must be
# added there too
assert len(RuleContext._fields) == 14


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to run for one (strategy, account): the merged limits, the rules that can deny
    anything under them, and which costly context fields those rules read."""

    limits: RiskLimits
    rules: tuple[Rule, ...]
    full: bool  # a custom rule runs: build every field
    buying_power: bool
    trading_hours: bool
    exposure: bool
    open_orders: bool  # the open-order count is read


class PortfolioView(Protocol):
    """What the risk engine reads from the portfolio; the kernel's `Portfolio` provides it."""

    def position_qty(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        account_id: AccountId | None = None,
    ) -> Decimal: ...

    def position_values(self, account_id: AccountId | None) -> list[tuple[str, Decimal]]: ...

    def free_cash(
        self, account_id: AccountId | None, instrument_id: InstrumentId
    ) -> Decimal | None: ...


class RiskEngine:
    def __init__(
        self,
        clock: Clock,
        cache: Cache,
        portfolio: PortfolioView,
        limits: RiskLimits | None = None,
        *,
        strategy_limits: dict[StrategyId, RiskLimits] | None = None,
        account_limits: dict[AccountId, RiskLimits] | None = None,
        rules: Sequence[Rule] = DEFAULT_RULES,
        session_check: SessionCheck | None = None,
    ) -> None:
        self._clock = clock
        self._cache = cache
        self._portfolio = portfolio
        self._limits = limits or RiskLimits()
        self._strategy_limits = dict(strategy_limits or {})
        self._account_limits = dict(account_limits or {})
        self._rules = tuple(rules)
        self._session_check = session_check
        self._recent: deque[int] = deque()
        self._base_prices: dict[InstrumentId, Price] = {}
        #: when each instrument's base price was last set officially (clock ns)
        self._official_at: dict[InstrumentId, int] = {}
        self._kill_reason: str | None = None
        self._plans: dict[tuple[StrategyId, AccountId | None], _Plan] = {}
        self._day_start = 0
        self._day_end = -1
        self._day: dt.date | None = None
        self._daily_limits: dict[tuple[InstrumentId, dt.date, Price], PriceLimits | None] = {}
        self._last_limits: tuple[Instrument, dt.date, Price, PriceLimits | None] | None = None
        self.denied = 0
        self.checked = 0

    # ---- kill switch ----------------------------------------------------------------------
    @property
    def kill_switch_reason(self) -> str | None:
        return self._kill_reason

    @property
    def is_killed(self) -> bool:
        return self._kill_reason is not None

    def trip_kill_switch(self, reason: str) -> bool:
        """Block new orders; returns False if it was already tripped (first reason kept)."""
        if self._kill_reason is not None:
            return False
        self._kill_reason = reason or "kill switch"
        log.warning("kill switch tripped: %s", self._kill_reason)
        return True

    def reset_kill_switch(self) -> None:
        if self._kill_reason is not None:
            log.warning("kill switch reset (was: %s)", self._kill_reason)
        self._kill_reason = None

    # ---- reference prices -------------------------------------------------------------------
    def set_base_price(self, instrument_id: InstrumentId, price: Price) -> None:
        """The day's official reference price (기준가) for daily limits: the venue's (a live
        node asks it at start and at each day roll), or one given by hand. It is stamped with
        the clock, so that the kernel's own guess for the same day never replaces it
        (`derive_base_price`)."""
        self._base_prices[instrument_id] = price
        self._official_at[instrument_id] = self._clock.timestamp_ns()

    def derive_base_price(
        self, instrument_id: InstrumentId, price: Price, day_start_ns: int
    ) -> bool:
        """The base price guessed from the previous session's last price, for the day that
        starts at ``day_start_ns``: taken unless an official one was set since that instant
        (a backtest has none, so it always takes the guess). Returns whether it was taken."""
        if self._official_at.get(instrument_id, -1) >= day_start_ns:
            return False
        self._base_prices[instrument_id] = price
        return True

    def base_price(self, instrument_id: InstrumentId) -> Price | None:
        return self._base_prices.get(instrument_id)

    # ---- checks ---------------------------------------------------------------------------
    def limits_for(self, strategy_id: StrategyId, account_id: AccountId | None) -> RiskLimits:
        limits = self._limits
        if account_id is not None:
            limits = limits.merged(self._account_limits.get(account_id))
        return limits.merged(self._strategy_limits.get(strategy_id))

    def _plan(self, strategy_id: StrategyId, account_id: AccountId | None) -> _Plan:
        limits = self.limits_for(strategy_id, account_id)
        rules = tuple(
            rule for rule in self._rules if rule not in ACTIVE_WHEN or ACTIVE_WHEN[rule](limits)
        )
        plan = _Plan(
            limits=limits,
            rules=rules,
            full=any(rule not in _KNOWN_RULES for rule in rules),
            buying_power=buying_power in rules,
            trading_hours=trading_hours in rules,
            exposure=limits.max_gross_exposure is not None or limits.max_net_exposure is not None,
            open_orders=open_order_limit in rules,
        )
        self._plans[strategy_id, account_id] = plan
        return plan

    def _trading_date(self, now: int) -> dt.date:
        """The KST date of ``now``, recomputed only when ``now`` leaves the cached day."""
        if not self._day_start <= now < self._day_end or self._day is None:
            self._day = kst_date(now)
            start = (now + _KST_OFFSET_NS) // NANOS_PER_DAY * NANOS_PER_DAY - _KST_OFFSET_NS
            self._day_start, self._day_end = start, start + NANOS_PER_DAY
        return self._day

    def _limits_around(
        self, instrument: Instrument, base: Price, date: dt.date
    ) -> PriceLimits | None:
        """The instrument's daily limits (cached); None where it has none."""
        last = self._last_limits
        if last is not None and last[0] is instrument and last[1] is date and last[2] is base:
            return last[3]  # the same objects as the previous order's (one day, one base)
        key = (instrument.id, date, base)
        found = self._limits_for(key, instrument, base, date)
        self._last_limits = (instrument, date, base, found)
        return found

    def _limits_for(
        self,
        key: tuple[InstrumentId, dt.date, Price],
        instrument: Instrument,
        base: Price,
        date: dt.date,
    ) -> PriceLimits | None:
        if key in self._daily_limits:
            return self._daily_limits[key]
        if len(self._daily_limits) >= _LIMITS_KEPT:
            self._daily_limits.clear()
        try:
            found: PriceLimits | None = instrument.daily_limits(base, date)
        except InvalidInputError:
            found = None  # no limits for this kind or venue: the rules say so themselves
        self._daily_limits[key] = found
        return found

    def check(self, order: OrderInitialized, account_id: AccountId | None = None) -> Denial | None:
        """Run every rule that can deny under the order's limits; the first denial wins.
        Never raises for a bad order."""
        self.checked += 1
        now = self._clock.timestamp_ns()
        if self._kill_reason is not None:
            self.denied += 1
            return Denial("kill_switch", f"trading is halted: {self._kill_reason}")
        instrument_id = order.instrument_id
        instrument = self._cache.find_instrument(instrument_id)
        if instrument is None:
            self.denied += 1
            return Denial("instrument", f"unknown instrument {instrument_id}")
        account = account_id or order.account_id
        plan = self._plans.get((order.strategy_id, account))
        if plan is None:
            plan = self._plan(order.strategy_id, account)
        window_start = now - NANOS_PER_SECOND
        recent = self._recent
        while recent and recent[0] <= window_start:
            recent.popleft()
        pending = _ZERO
        strategy_id = order.strategy_id
        for other in self._cache.iter_open_orders():
            if (
                other.instrument_id == instrument_id
                and other.strategy_id == strategy_id
                # an order not yet sent (no account) may go to this one: counted
                and (account is None or other.account_id is None or other.account_id == account)
            ):
                leaves = other.leaves_qty.as_decimal()
                pending += leaves if other.side is OrderSide.BUY else -leaves
        date = self._day
        if date is None or not self._day_start <= now < self._day_end:
            date = self._trading_date(now)
        base = (
            self._base_prices.get(instrument_id)
            if instrument.asset_class is AssetClass.EQUITY
            else None
        )
        full = plan.full
        buying = plan.buying_power and order.side is OrderSide.BUY
        # the named tuple's fields in order, made without its Python-level ``__new__`` (the
        # engine builds one context per order)
        ctx: RuleContext = _new_tuple(
            RuleContext,
            (
                order,
                instrument,
                plan.limits,
                date,
                self._cache.last_price(instrument_id),
                base,
                # the account's: shares held in another account cannot be sold from this one
                self._portfolio.position_qty(instrument_id, strategy_id, account),
                self._cache.open_order_count() if full or plan.open_orders else 0,
                pending,
                # marking every position costs; only exposure limits need it
                self._portfolio.position_values(account) if plan.exposure else (),
                # read by the buying-power rule alone, and only for buys
                self._portfolio.free_cash(account, instrument_id) if full or buying else None,
                len(recent),
                (
                    self._session_check(instrument_id, now)
                    if self._session_check is not None and (full or plan.trading_hours)
                    else None
                ),
                # a market buy reserves at the upper limit
                (
                    self._limits_around(instrument, base, date)
                    if base is not None
                    and (full or (buying and order.order_type is OrderType.MARKET))
                    else None
                ),
            ),
        )
        for rule in plan.rules:
            denial = rule(ctx)
            if denial is not None:
                self.denied += 1
                return denial
        recent.append(now)
        return None
