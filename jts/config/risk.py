"""``[risk]``: pre-trade limits per account and per strategy, the real-time loss limits, and
how often risk metrics are computed.

The top-level keys are the limits of every account of the node. ``[risk.accounts.<id>]`` and
``[risk.strategies.<id>]`` tables can only tighten them (the smaller of each number wins, the
restricted lists add up, shorting needs every level to allow it), so a strategy's table can
never loosen what the account allows, and a typo cannot silently open a limit::

    [risk]
    max_order_qty = 100
    max_order_value = 10_000_000          # KRW, at the limit (or last) price
    max_position_qty = 500
    max_gross_exposure = 50_000_000
    max_open_orders = 20
    max_orders_per_second = 5
    price_band_pct = 5                    # fat finger: limit price within 5 % of the last
    restricted = ["000660.KRX"]
    daily_loss_limit = 500_000            # KRW, realised + unrealised + costs of the KST day
    daily_loss_limit_pct = 2              # % of the day's start equity
    max_drawdown_pct = 10                 # % below the peak equity

    [risk.metrics]
    interval_s = 60                       # equity sampled, metrics published
    window = 250                          # returns kept for VaR / ES / volatility

    [risk.accounts.KIS-12345678-01]
    max_order_value = 5_000_000

    [risk.strategies.SMACross-001]
    max_order_qty = 5

Amounts are in the instrument's quote currency (KRW for KRX); every ``_pct`` key is percent
(2.5 = 2.5 %). A limit left out is not enforced. Environment variables reach the top-level keys
(``JTS_RISK__MAX_ORDER_QTY=5``); per-account and per-strategy tables, whose names are case
sensitive, are set from the environment as JSON (``JTS_RISK__STRATEGIES='{"SMACross-001":
{"max_order_qty": 5}}'``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PlainSerializer, field_validator

from jts.config.components import ComponentConfig
from jts.domain.identifiers import AccountId, InstrumentId, StrategyId
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.risk.monitor import LossLimits

__all__ = ["RiskConfig", "RiskMetricsConfig", "TighteningLimitsConfig"]

_HUNDRED = Decimal(100)


def _number(value: Decimal) -> int | float | str:
    """How `jts config show` writes an exact number: an int when whole, a float when the float
    reads back as the same Decimal, else text (which loads back exactly)."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else str(value)


def _instrument(value: str) -> str:
    InstrumentId(value)  # a ParseError is a ValueError: reported under the list item's key
    return value


Amount = Annotated[
    Decimal, Field(gt=0, allow_inf_nan=False), PlainSerializer(_number, when_used="json")
]
Percent = Annotated[
    Decimal, Field(gt=0, le=100, allow_inf_nan=False), PlainSerializer(_number, when_used="json")
]
Count = Annotated[int, Field(ge=1)]
InstrumentText = Annotated[str, AfterValidator(_instrument)]


class _LimitTable(ComponentConfig):
    """The pre-trade limits a table at any level may set."""

    max_order_qty: Amount | None = None
    max_order_value: Amount | None = None
    max_position_qty: Amount | None = Field(
        default=None, description="per instrument, absolute, after the order"
    )
    max_gross_exposure: Amount | None = None
    max_net_exposure: Amount | None = None
    max_open_orders: Count | None = None
    max_orders_per_second: Count | None = None
    price_band_pct: Percent | None = Field(
        default=None, description="limit prices further than this from the last price are denied"
    )
    restricted: tuple[InstrumentText, ...] = ()

    def _limit_values(self) -> dict[str, Any]:
        band = self.price_band_pct
        return {
            "max_order_qty": self.max_order_qty,
            "max_order_value": self.max_order_value,
            "max_position_qty": self.max_position_qty,
            "max_gross_exposure": self.max_gross_exposure,
            "max_net_exposure": self.max_net_exposure,
            "max_open_orders": self.max_open_orders,
            "max_orders_per_second": self.max_orders_per_second,
            "price_band": None if band is None else band / _HUNDRED,
            "restricted": frozenset(InstrumentId(i) for i in self.restricted),
        }


class TighteningLimitsConfig(_LimitTable):
    """``[risk.accounts.<id>]`` / ``[risk.strategies.<id>]``: only tightens the account's
    limits. The on/off checks (ticks, daily limits, buying power, hours) are account-wide."""

    allow_short: bool | None = Field(
        default=None, description="false forbids shorting here; unset follows the account"
    )

    def to_limits(self) -> RiskLimits:
        # RiskLimits.merged ANDs allow_short: an unset table must not switch shorting off
        allow = True if self.allow_short is None else self.allow_short
        return RiskLimits(**self._limit_values(), allow_short=allow)


class RiskMetricsConfig(ComponentConfig):
    """How the node samples equity for VaR, expected shortfall and volatility, and publishes
    the ``RiskMetricsUpdated`` event."""

    interval_s: float = Field(
        default=60.0, gt=0, le=86_400, description="seconds between equity samples"
    )
    window: int = Field(default=250, ge=2, le=100_000, description="returns kept")
    publish: bool = Field(default=True, description="publish RiskMetricsUpdated on the bus")


class RiskConfig(_LimitTable):
    """The ``[risk]`` section (see the module docstring for an example)."""

    allow_short: bool = False
    check_ticks: bool = True
    check_daily_limits: bool = True
    check_buying_power: bool = True
    check_trading_hours: bool = False
    daily_loss_limit: Amount | None = Field(
        default=None,
        description="loss since the KST day's start (realised + unrealised + costs) that "
        "trips the kill switch",
    )
    daily_loss_limit_pct: Percent | None = None
    max_drawdown_pct: Percent | None = None
    metrics: RiskMetricsConfig = RiskMetricsConfig()
    accounts: dict[str, TighteningLimitsConfig] = Field(default_factory=dict)
    strategies: dict[str, TighteningLimitsConfig] = Field(default_factory=dict)

    @field_validator("accounts")
    @classmethod
    def _check_account_ids(
        cls, value: dict[str, TighteningLimitsConfig]
    ) -> dict[str, TighteningLimitsConfig]:
        for key in value:
            try:
                AccountId(key)
            except ValueError:
                raise ValueError(
                    f"{key!r} is not an account id: VENUE-NUMBER as the node logs it at start, "
                    "e.g. KIS-12345678-01"
                ) from None
        return value

    @field_validator("strategies")
    @classmethod
    def _check_strategy_ids(
        cls, value: dict[str, TighteningLimitsConfig]
    ) -> dict[str, TighteningLimitsConfig]:
        for key in value:
            try:
                StrategyId(key)
            except ValueError:
                raise ValueError(
                    f"{key!r} is not a strategy id: NAME-TAG, e.g. SMACross-001 (the class name "
                    "and -001 unless the strategy is given another id)"
                ) from None
        return value

    def limits(self, account_id: str | None = None) -> RiskLimits:
        """The account's pre-trade limits: the top-level keys, tightened by the account's
        table when there is one."""
        base = RiskLimits(
            **self._limit_values(),
            allow_short=self.allow_short,
            check_ticks=self.check_ticks,
            check_daily_limits=self.check_daily_limits,
            check_buying_power=self.check_buying_power,
            check_trading_hours=self.check_trading_hours,
        )
        table = self.accounts.get(account_id) if account_id is not None else None
        return base if table is None else base.merged(table.to_limits())

    def account_limits(self) -> dict[AccountId, RiskLimits]:
        """Per-account tightenings, as the kernel's ``account_limits`` takes them (merged over
        the top-level limits for the account an order is routed to)."""
        return {AccountId(key): table.to_limits() for key, table in self.accounts.items()}

    def strategy_limits(self) -> dict[StrategyId, RiskLimits]:
        """Per-strategy tightenings, as the kernel's ``strategy_limits`` takes them."""
        return {StrategyId(key): table.to_limits() for key, table in self.strategies.items()}

    def loss_limits(self) -> LossLimits:
        return LossLimits(
            daily_loss=self.daily_loss_limit,
            daily_loss_pct=self.daily_loss_limit_pct,
            max_drawdown_pct=self.max_drawdown_pct,
        )
