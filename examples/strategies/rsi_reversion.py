"""RSI mean reversion, long only.

Rules, evaluated on the close of every bar once the RSI has warmed up:

- **enter**: flat, no order working, and RSI(``period``) closes *below* ``lower`` (oversold):
  buy ``quantity`` shares at market. With ``trend_period`` > 0 the entry also needs the close
  above its SMA(``trend_period``): a dip inside an uptrend is bought, a falling knife is not.
- **exit**: long and RSI closes *above* ``upper`` (recovered to overbought): sell the whole
  position at market.

Long only because KRX retail accounts cannot short without a margin account. Orders fill at
the next bar's open in a backtest, so the decision uses only the bar that has closed.
Every order carries a tag (``entry`` / ``exit``) and a signal with the RSI that caused it, so
a run's orders can be audited against the indicator.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from jts.domain.market_data import Bar
from jts.domain.signals import SignalDirection
from jts.indicators import RSI, SMA
from jts.kernel.strategy import Strategy, StrategyParams


class RsiReversion(Strategy):
    class Params(StrategyParams):
        period: int = Field(14, ge=2)
        lower: float = Field(30.0, gt=0, lt=100)
        upper: float = Field(70.0, gt=0, lt=100)
        quantity: int = Field(10, ge=1)
        trend_period: int = Field(0, ge=0)  # 0: no trend filter
        instrument: str = "005930.KRX"
        bar_type: str = ""  # default: 1-minute external bars of the instrument

        @model_validator(mode="after")
        def _bands_ordered(self) -> Self:
            # an upper line at or below the lower one would buy and sell on the same reading
            if self.lower >= self.upper:
                raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
            if self.trend_period == 1:
                raise ValueError("trend_period must be 0 (off) or at least 2")
            return self

    def on_start(self) -> None:
        p = self.params
        self.bar_type = self.subscribe_bars(p.bar_type or f"{p.instrument}-1-MINUTE-LAST-EXTERNAL")
        self.rsi: RSI = self.register_indicator(self.bar_type, RSI(period=p.period))
        self.trend: SMA | None = (
            self.register_indicator(self.bar_type, SMA(period=p.trend_period))
            if p.trend_period
            else None
        )

    def _uptrend(self, close: float) -> bool:
        if self.trend is None:
            return True
        return self.trend.ready and close > self.trend.value

    def on_bar(self, bar: Bar) -> None:
        if not self.rsi.ready:
            return
        iid = bar.bar_type.instrument_id
        if self.open_orders(iid):
            return  # the last decision is still being worked: never stack orders
        rsi = self.rsi.value
        held = self.position_qty(iid)
        if held == 0 and rsi < self.params.lower and self._uptrend(bar.close.as_float()):
            self.emit_signal(
                iid, SignalDirection.LONG, reason=f"RSI {rsi:.2f} < {self.params.lower}"
            )
            self.buy(iid, self.params.quantity, tags=("entry",))
        elif held > 0 and rsi > self.params.upper:
            self.emit_signal(
                iid, SignalDirection.FLAT, reason=f"RSI {rsi:.2f} > {self.params.upper}"
            )
            self.sell(iid, held, tags=("exit",))
