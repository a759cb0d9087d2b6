"""What the roles of a split node say to each other over the bus, beyond the kernel's topics.

The kernel's topics (`jts.kernel.topics`) already carry the facts: market data
(``data.trades.<instrument>``...), order, position, account and risk events. A split node adds
the requests that cross from one role to another:

* ``commands.trading.<strategy_id>``: `SubmitOrder`, `ModifyOrder`, `CancelOrder` and
  `CancelAllOrders` from a strategy role to the execution role. Published, not requested: a
  command is a fact the execution role must still find after a crash (it reads them in a
  consumer group and acknowledges each only once it is journaled), and what became of it comes
  back as order events, which every interested role hears, not only the sender.
* ``events.reconciliation`` and ``events.connection``: `ReconciliationDifference`,
  `ConnectionLost` and `ConnectionRestored` (`jts.live.messages`), which the alerts hear.
* endpoints (request/response, answered at once, never replayed): ``execution.status`` (the
  execution role's account, so a strategy role knows where its orders go, and whether it is up)
  and ``market-data.subscribe`` (a strategy role asks the market-data role for a feed).
"""

from __future__ import annotations

from typing import Final

from jts.domain.identifiers import StrategyId

__all__ = [
    "ALL_COMMANDS",
    "ALL_MARKET_DATA",
    "ALL_ORDER_EVENTS",
    "CONNECTION_EVENTS",
    "EXECUTION_STATUS",
    "MARKET_DATA_SUBSCRIBE",
    "RECONCILIATION_EVENTS",
    "TRADES",
    "trading_commands",
]

#: Pattern of every trading command (the execution role's subscription).
ALL_COMMANDS: Final = "commands.trading.**"
#: Pattern of every order event (a strategy role's subscription).
ALL_ORDER_EVENTS: Final = "events.order.**"
#: Pattern of every trade tick (the execution role marks prices with them).
TRADES: Final = "data.trades.**"
#: Every market data topic.
ALL_MARKET_DATA: Final = "data.**"

#: Differences reconciliation found with the venue.
RECONCILIATION_EVENTS: Final = "events.reconciliation"
#: Venue connections lost and restored.
CONNECTION_EVENTS: Final = "events.connection"

EXECUTION_STATUS: Final = "execution.status"
MARKET_DATA_SUBSCRIBE: Final = "market-data.subscribe"


def trading_commands(strategy_id: StrategyId) -> str:
    return f"commands.trading.{strategy_id}"
