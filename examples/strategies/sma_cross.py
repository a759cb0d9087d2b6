"""SMA crossover: the reference strategy of the backtest benchmark.

When the fast SMA of the close crosses above the slow one, buy ``quantity`` shares at market;
when it crosses below, sell the whole position at market. Long only.
"""

from __future__ import annotations

from jts.domain.market_data import Bar
from jts.indicators import SMA
from jts.kernel.strategy import Strategy, StrategyParams


class SMACross(Strategy):
    class Params(StrategyParams):
        fast: int = 10
        slow: int = 30
        quantity: int = 10
        instrument: str = "005930.KRX"
        bar_type: str = ""  # default: 1-minute external bars of the instrument

    def on_start(self) -> None:
        if self.params.fast >= self.params.slow:
            raise ValueError(f"fast ({self.params.fast}) must be below slow ({self.params.slow})")
        bar_type = self.params.bar_type or f"{self.params.instrument}-1-MINUTE-LAST-EXTERNAL"
        self.bar_type = self.subscribe_bars(bar_type)
        self.fast = self.register_indicator(self.bar_type, SMA(period=self.params.fast))
        self.slow = self.register_indicator(self.bar_type, SMA(period=self.params.slow))
        self.above: bool | None = None

    def on_bar(self, bar: Bar) -> None:
        if not self.slow.ready:
            return
        diff = self.fast.value - self.slow.value
        # a tie keeps the last side: only a strict change of sign is a cross (as the DSL's
        # `crosses above` / `crosses below`, so the .py and .jts versions trade alike)
        above = self.above if diff == 0 else diff > 0
        if self.above is not None and above != self.above:
            instrument = bar.bar_type.instrument_id
            if above:
                self.buy(instrument, self.params.quantity)
            else:
                held = self.position_qty(instrument)
                if held > 0:
                    self.sell(instrument, held)
        self.above = above
