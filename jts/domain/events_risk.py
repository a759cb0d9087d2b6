"""Risk events: the kill switch is a fact everyone (API, UI, alerts, other nodes) must hear."""

from __future__ import annotations

from decimal import Decimal

from jts.domain.identifiers import TraderId
from jts.domain.messages import Message


class KillSwitchTripped(Message, frozen=True, kw_only=True):
    """New orders are blocked and open orders are being cancelled until an explicit reset."""

    trader_id: TraderId
    reason: str
    ts_event: int
    ts_init: int


class KillSwitchReset(Message, frozen=True, kw_only=True):
    trader_id: TraderId
    previous_reason: str
    ts_event: int
    ts_init: int


class RiskMetricsUpdated(Message, frozen=True, kw_only=True):
    """The real-time risk monitor's figures, published every ``risk.metrics.interval_s``.

    Money in ``currency``, exact; the statistics are fractions of equity per sampling period
    (VaR and expected shortfall as positive losses), None until enough returns exist.
    """

    trader_id: TraderId
    currency: str
    equity: Decimal
    daily_pnl: Decimal
    drawdown: Decimal
    max_drawdown_pct: Decimal
    gross_exposure: Decimal
    net_exposure: Decimal
    largest_position_share: float | None
    volatility: float | None
    var_95: float | None
    expected_shortfall_95: float | None
    var_99: float | None
    expected_shortfall_99: float | None
    returns: int
    ts_event: int
    ts_init: int


RISK_EVENT_TYPES = (KillSwitchTripped, KillSwitchReset, RiskMetricsUpdated)
