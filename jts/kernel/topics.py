"""Bus topics the kernel publishes on (syntax in `jts.ports.bus`).

Strategies inside the kernel are called directly, in a fixed order; the bus carries the same
facts to everyone outside it (API, UI, recorders, other processes).
"""

from __future__ import annotations

from jts.domain.identifiers import AccountId, InstrumentId, StrategyId
from jts.domain.market_data import BarType


def order_events(instrument_id: InstrumentId) -> str:
    return f"events.order.{instrument_id}"


def position_events(instrument_id: InstrumentId) -> str:
    return f"events.position.{instrument_id}"


def account_events(account_id: AccountId) -> str:
    return f"events.account.{account_id}"


def signals(strategy_id: StrategyId) -> str:
    return f"events.signal.{strategy_id}"


def risk_events() -> str:
    return "events.risk"


def risk_metrics() -> str:
    """Periodic figures, apart from `risk_events` so alert and console subscribers of the kill
    switch do not receive them."""
    return "events.risk.metrics"


def trades(instrument_id: InstrumentId) -> str:
    return f"data.trades.{instrument_id}"


def quotes(instrument_id: InstrumentId) -> str:
    return f"data.quotes.{instrument_id}"


def bars(bar_type: BarType) -> str:
    return f"data.bars.{bar_type}"


def books(instrument_id: InstrumentId) -> str:
    return f"data.book.{instrument_id}"
