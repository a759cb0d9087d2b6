"""The strategy API: one `Strategy` class that runs unchanged in backtest, paper and live."""

from jts.kernel.strategy.params import StrategyParams
from jts.kernel.strategy.strategy import Strategy

__all__ = ["Strategy", "StrategyParams"]
