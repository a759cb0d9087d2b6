"""Risk limits: plain frozen data, one set per account and optionally per strategy.

A limit left as ``None`` is not enforced. Amounts are in the instrument's quote currency
(KRW for KRX), as exact integers of that currency's smallest unit or Decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from jts.domain.identifiers import InstrumentId


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_order_qty: Decimal | None = None
    max_order_value: Decimal | None = None
    max_position_qty: Decimal | None = None  # per instrument, absolute, after the order
    max_gross_exposure: Decimal | None = None  # sum of |position value| after the order
    max_net_exposure: Decimal | None = None  # |sum of signed position value| after the order
    max_open_orders: int | None = None
    max_orders_per_second: int | None = None
    #: Fat-finger band: refuse limit prices further than this fraction from the last price.
    price_band: Decimal | None = None
    check_ticks: bool = True
    check_daily_limits: bool = True
    check_buying_power: bool = True
    check_trading_hours: bool = False
    allow_short: bool = False
    restricted: frozenset[InstrumentId] = field(default_factory=frozenset)

    def merged(self, override: RiskLimits | None) -> RiskLimits:
        """Per-strategy limits tighten the account's: the smaller of each numeric limit."""
        if override is None:
            return self
        changes: dict[str, object] = {}
        for name in (
            "max_order_qty",
            "max_order_value",
            "max_position_qty",
            "max_gross_exposure",
            "max_net_exposure",
            "max_open_orders",
            "max_orders_per_second",
            "price_band",
        ):
            mine, theirs = getattr(self, name), getattr(override, name)
            if theirs is not None and (mine is None or theirs < mine):
                changes[name] = theirs
        changes["restricted"] = self.restricted | override.restricted
        changes["allow_short"] = self.allow_short and override.allow_short
        return replace(self, **changes)  # type: ignore[arg-type]
