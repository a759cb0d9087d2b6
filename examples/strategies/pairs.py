"""Pairs (spread) trading on two instruments: long one leg, short the other, equal value.

Rules, on every bar time once both instruments have their bar for it:

- **hedge ratio**: ``hedge_ratio`` when given (> 0), else the slope of a least-squares
  regression of log(``first``) on log(``second``) over the last ``window`` bars, re-estimated
  every bar;
- **spread** = log(first) - ratio x log(second); its **z-score** is taken over the last
  ``window`` spreads (population standard deviation, `jts.indicators.ZScore`);
- **enter** when flat and ``|z| > entry``: z above means ``first`` is rich against ``second``,
  so sell ``first`` short and buy ``second``; z below, the mirror image. Both legs go out in the
  same bar, each sized to ``leg_value`` KRW at the bar's close (whole shares, rounded down), so
  the pair is market neutral in value rather than in ratio;
- **exit** when ``|z| < exit``: both legs are closed at market, together.

Short selling: the spread needs a short leg, and on KRX a short sale needs a margin or
stock-borrowing account (and the uptick rule where it applies); a plain retail account cannot
do it. The strategy therefore needs ``RiskLimits(allow_short=True)``; where the risk engine
denies the short leg, the long leg is not sent (the short leg goes first for that reason), so
the strategy never holds a naked, one-legged position. Orders are tagged ``entry`` / ``exit``.
"""

from __future__ import annotations

import math
from collections import deque
from decimal import ROUND_FLOOR, Decimal
from typing import Self

import numpy as np
from pydantic import Field, model_validator

from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import Bar
from jts.domain.signals import SignalDirection
from jts.indicators import ZScore
from jts.kernel.strategy import Strategy, StrategyParams


def regression_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y on x; 0 when x does not move (no hedge can be estimated)."""
    dx = x - x.mean()
    denominator = float(np.dot(dx, dx))
    return float(np.dot(dx, y - y.mean())) / denominator if denominator > 0.0 else 0.0


class PairsTrading(Strategy):
    class Params(StrategyParams):
        first: str = "005930.KRX"
        second: str = "000660.KRX"
        window: int = Field(60, ge=3)
        hedge_ratio: float = Field(0.0, ge=0)  # 0: rolling regression
        entry: float = Field(2.0, gt=0)
        exit: float = Field(0.5, ge=0)
        leg_value: int = Field(10_000_000, ge=1)  # KRW per leg
        bar_spec: str = "1-MINUTE-LAST-EXTERNAL"

        @model_validator(mode="after")
        def _consistent(self) -> Self:
            if self.first == self.second:
                raise ValueError(f"first and second must differ, both are {self.first}")
            if self.exit >= self.entry:
                raise ValueError(f"exit ({self.exit}) must be below entry ({self.entry})")
            return self

    def on_start(self) -> None:
        p = self.params
        self.a = InstrumentId(p.first)
        self.b = InstrumentId(p.second)
        self.subscribe_bars(f"{self.a}-{p.bar_spec}")
        self.subscribe_bars(f"{self.b}-{p.bar_spec}")
        self.log_a: deque[float] = deque(maxlen=p.window)
        self.log_b: deque[float] = deque(maxlen=p.window)
        self.zscore = ZScore(period=p.window)
        self.closes: dict[InstrumentId, Bar] = {}
        self.ts = -1

    def on_bar(self, bar: Bar) -> None:
        if bar.ts_event != self.ts:
            self.ts = bar.ts_event
            self.closes = {}
        self.closes[bar.bar_type.instrument_id] = bar
        if self.a in self.closes and self.b in self.closes:
            self.on_pair(self.closes[self.a], self.closes[self.b])

    def hedge(self) -> float | None:
        if self.params.hedge_ratio:
            return float(self.params.hedge_ratio)
        if len(self.log_a) < self.params.window:
            return None
        return regression_slope(np.array(self.log_b), np.array(self.log_a))

    def on_pair(self, bar_a: Bar, bar_b: Bar) -> None:
        self.log_a.append(math.log(bar_a.close.as_float()))
        self.log_b.append(math.log(bar_b.close.as_float()))
        ratio = self.hedge()
        if ratio is None:
            return
        z = self.zscore.update(self.log_a[-1] - ratio * self.log_b[-1])
        if not self.zscore.ready or self.open_orders():
            return  # warming up, or the last decision is still being worked
        held_a, held_b = self.position_qty(self.a), self.position_qty(self.b)
        if held_a == 0 and held_b == 0:
            if z > self.params.entry:
                self.open_pair(short=bar_a, long=bar_b, z=z)
            elif z < -self.params.entry:
                self.open_pair(short=bar_b, long=bar_a, z=z)
        elif abs(z) < self.params.exit:
            reason = f"z {z:.3f} back inside {self.params.exit}"
            for iid, held in ((self.a, held_a), (self.b, held_b)):
                if held:
                    self.emit_signal(iid, SignalDirection.FLAT, reason=reason)
                    side = OrderSide.SELL if held > 0 else OrderSide.BUY
                    self.submit(side, iid, abs(held), tags=("exit",))

    def _shares(self, bar: Bar) -> Decimal:
        value = Decimal(self.params.leg_value)
        return (value / bar.close.as_decimal()).to_integral_value(ROUND_FLOOR)

    def open_pair(self, *, short: Bar, long: Bar, z: float) -> None:
        short_qty, long_qty = self._shares(short), self._shares(long)
        if short_qty == 0 or long_qty == 0:
            return  # leg_value buys less than one share of a leg: no balanced pair possible
        reason = f"z {z:.3f} beyond {self.params.entry}"
        short_id, long_id = short.bar_type.instrument_id, long.bar_type.instrument_id
        sent = self.sell(short_id, short_qty, tags=("entry",))
        if sent is not None:
            order = self.cache.order(sent)
            if order is not None and order.status is OrderStatus.DENIED:
                return  # no short selling here: never hold the long leg alone
        self.emit_signal(short_id, SignalDirection.SHORT, reason=reason)
        self.emit_signal(long_id, SignalDirection.LONG, reason=reason)
        self.buy(long_id, long_qty, tags=("entry",))
