"""A strategy that trades on a clock of ticks, so a test knows how often orders come."""

from __future__ import annotations

from jts.domain.market_data import TradeTick
from jts.kernel.strategy import Strategy, StrategyParams


class Alternate(Strategy):
    """Every ``every`` trade ticks one share at market, buy and sell in turn (never short),
    ``orders`` times, then nothing (so a test can wait until every order is done)."""

    class Params(StrategyParams):
        instrument: str = "005930.KRX"
        every: int = 20
        orders: int = 1_000_000

    def on_start(self) -> None:
        self.subscribe_trade_ticks(self.params.instrument)
        self.ticks = 0
        self.sent = 0

    def on_trade_tick(self, tick: TradeTick) -> None:
        self.ticks += 1
        if self.ticks % self.params.every or self.sent >= self.params.orders:
            return
        self.sent += 1
        if self.sent % 2:
            self.buy(tick.instrument_id, 1)
        else:
            self.sell(tick.instrument_id, 1)
