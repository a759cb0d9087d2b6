"""Risk events: the kill switch is a fact everyone (API, UI, alerts, other nodes) must hear."""

from __future__ import annotations

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


RISK_EVENT_TYPES = (KillSwitchTripped, KillSwitchReset)
