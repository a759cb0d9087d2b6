"""The risk engine: runs the pre-trade rules on every order and owns the kill switch.

Limits are per account with optional per-strategy tightening (`RiskLimits.merged`). The kill
switch, once tripped (by hand or by the daily loss limit), denies every new order with its
reason until `reset_kill_switch` is called explicitly; the kernel cancels open orders when it
trips.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol

from jts.core.clock import Clock
from jts.core.time import NANOS_PER_SECOND, kst_date
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import AccountId, InstrumentId, StrategyId
from jts.domain.instruments import AssetClass
from jts.domain.values import Price
from jts.kernel.cache import Cache
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.risk.rules import DEFAULT_RULES, Denial, Rule, RuleContext

log = logging.getLogger(__name__)

#: Answers whether an instrument trades at an instant (a session calendar); None = unknown.
SessionCheck = Callable[[InstrumentId, int], bool | None]


class PortfolioView(Protocol):
    """What the risk engine reads from the portfolio; the kernel's `Portfolio` provides it."""

    def position_qty(self, instrument_id: InstrumentId, strategy_id: StrategyId) -> Decimal: ...

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
        self._kill_reason: str | None = None
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
        """The day's reference price (기준가) for daily limits, set at each session start."""
        self._base_prices[instrument_id] = price

    def base_price(self, instrument_id: InstrumentId) -> Price | None:
        return self._base_prices.get(instrument_id)

    # ---- checks ---------------------------------------------------------------------------
    def limits_for(self, strategy_id: StrategyId, account_id: AccountId | None) -> RiskLimits:
        limits = self._limits
        if account_id is not None:
            limits = limits.merged(self._account_limits.get(account_id))
        return limits.merged(self._strategy_limits.get(strategy_id))

    def check(self, order: OrderInitialized, account_id: AccountId | None = None) -> Denial | None:
        """Run every rule; the first denial wins. Never raises for a bad order."""
        self.checked += 1
        now = self._clock.timestamp_ns()
        if self._kill_reason is not None:
            self.denied += 1
            return Denial("kill_switch", f"trading is halted: {self._kill_reason}")
        instrument = self._cache.find_instrument(order.instrument_id)
        if instrument is None:
            self.denied += 1
            return Denial("instrument", f"unknown instrument {order.instrument_id}")
        account = account_id or order.account_id
        limits = self.limits_for(order.strategy_id, account)
        window_start = now - NANOS_PER_SECOND
        recent = self._recent
        while recent and recent[0] <= window_start:
            recent.popleft()
        pending = Decimal(0)
        open_count = 0
        for other in self._cache.open_orders():
            open_count += 1
            if (
                other.instrument_id == order.instrument_id
                and other.strategy_id == order.strategy_id
            ):
                leaves = other.leaves_qty.as_decimal()
                pending += leaves if other.side is OrderSide.BUY else -leaves
        base = (
            self._base_prices.get(order.instrument_id)
            if instrument.asset_class is AssetClass.EQUITY
            else None
        )
        ctx = RuleContext(
            order=order,
            instrument=instrument,
            limits=limits,
            trading_date=kst_date(now),
            last_price=self._cache.last_price(order.instrument_id),
            base_price=base,
            position_qty=self._portfolio.position_qty(order.instrument_id, order.strategy_id),
            open_orders=open_count,
            pending_qty=pending,
            # marking every position costs; only exposure limits need it
            position_values=(
                self._portfolio.position_values(account)
                if limits.max_gross_exposure is not None or limits.max_net_exposure is not None
                else ()
            ),
            free_cash=self._portfolio.free_cash(account, order.instrument_id),
            orders_last_second=len(recent),
            in_trading_hours=(
                self._session_check(order.instrument_id, now) if self._session_check else None
            ),
        )
        for rule in self._rules:
            denial = rule(ctx)
            if denial is not None:
                self.denied += 1
                return denial
        recent.append(now)
        return None
