"""Bollinger breakout with an ATR stop, long only.

Rules, on the close of every bar once the bands and the ATR have warmed up:

- **enter**: flat and the close is *above* the upper band (SMA(``period``) + ``width``
  standard deviations): buy ``quantity`` shares at market. A close outside the bands means
  the move is larger than the recent noise, which a breakout trader follows rather than fades.
- **protective stop**: when the entry fills, a sell stop-market order rests at the signal
  bar's close minus ``atr_stop`` x ATR(``atr_period``), rounded down to the tick grid. The
  stop sits at the venue, so it is hit inside a bar, not only at a close.
- **exit**: long and the close is *below* the middle band: cancel the stop and sell the whole
  position at market (the breakout has failed or run its course).

Long only because KRX retail accounts cannot short without a margin account. Orders are tagged
``entry`` / ``stop`` / ``exit`` so a run's orders can be audited against the rules.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from pydantic import Field

from jts.domain.enums import OrderType
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import Bar
from jts.domain.orders import Order
from jts.domain.values import Price, Rounding
from jts.indicators import ATR, BollingerBands
from jts.kernel.strategy import Strategy, StrategyParams


class BollingerBreakout(Strategy):
    class Params(StrategyParams):
        period: int = Field(20, ge=2)
        width: float = Field(2.0, gt=0)
        atr_period: int = Field(14, ge=1)
        atr_stop: float = Field(2.0, gt=0)
        quantity: int = Field(10, ge=1)
        instrument: str = "005930.KRX"
        bar_type: str = ""  # default: 1-minute external bars of the instrument

    def on_start(self) -> None:
        p = self.params
        self.bar_type = self.subscribe_bars(p.bar_type or f"{p.instrument}-1-MINUTE-LAST-EXTERNAL")
        bands = BollingerBands(period=p.period, nbdev_up=p.width, nbdev_dn=p.width)
        self.bands = self.register_indicator(self.bar_type, bands)
        self.atr = self.register_indicator(self.bar_type, ATR(period=p.atr_period))
        # the stop level decided with the entry, placed once the entry fills
        self.pending_stop: Price | None = None

    def _working(self, iid: InstrumentId, tag: str) -> list[Order]:
        return [o for o in self.open_orders(iid) if tag in o.tags]

    def on_bar(self, bar: Bar) -> None:
        if not (self.bands.ready and self.atr.ready):
            return
        iid = bar.bar_type.instrument_id
        if self._working(iid, "entry") or self._working(iid, "exit"):
            return  # the last decision is still being worked: never stack orders
        upper, middle, _ = self.bands.values
        close = bar.close
        held = self.position_qty(iid)
        if held == 0 and close.as_float() > upper:
            self.pending_stop = self._stop_below(iid, close, self.atr.value)
            self.buy(iid, self.params.quantity, tags=("entry",))
        elif held > 0 and close.as_float() < middle:
            for stop in self._working(iid, "stop"):
                self.cancel_order(stop.client_order_id)
            self.sell(iid, held, tags=("exit",))

    def _stop_below(self, iid: InstrumentId, close: Price, atr: float) -> Price | None:
        """``close - atr_stop x ATR`` on the tick grid (down: never a tighter stop than asked);
        None when that is at or below zero (a stop that can never trigger is no stop)."""
        instrument = self.instrument(iid)
        distance = Decimal(repr(self.params.atr_stop * atr))
        raw = close.as_decimal() - distance
        if raw <= 0:
            return None
        grid = Decimal(1).scaleb(-instrument.price_precision)
        level = instrument.make_price(raw.quantize(grid, rounding=ROUND_FLOOR))
        if not level.is_positive():
            return None
        return instrument.tick_scheme(self.today()).round(level, Rounding.DOWN)

    def on_order_filled(self, order: Order, event: OrderFilled) -> None:
        if "entry" in order.tags and order.leaves_qty.raw == 0 and self.pending_stop is not None:
            held = self.position_qty(order.instrument_id)
            self.sell(
                order.instrument_id,
                held,
                trigger_price=self.pending_stop,
                order_type=OrderType.STOP_MARKET,
                tags=("stop",),
            )
            self.pending_stop = None
