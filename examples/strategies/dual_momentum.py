"""Dual-momentum rotation over a universe of stocks, on daily bars, long only.

Rules:

- a **day** is complete when every name of ``symbols`` has its bar for it (bars of one
  timestamp arrive one instrument at a time; deciding before the last one would rank on
  yesterday's closes for some names);
- **relative momentum**: every ``every`` complete days (the first as soon as every name has
  ``lookback`` days of history) rank the names by their trailing return over ``lookback``
  days, highest first (ties by symbol, so the order never depends on arrival order);
- **absolute momentum**: of the ``top_k`` best, hold only those whose trailing return beats
  ``threshold`` (a fraction: 0.0 = any gain); each slot not filled stays in cash, which is
  what takes the strategy out of a falling market;
- **sizing**: each held name gets ``exposure / top_k`` of equity via `target_percent`.

Rebalancing is two-phase because a KRX market buy reserves cash at the day's upper price
limit (+30 %) and a sale's proceeds exist only once it fills: names that dropped out are sold
first, and the buys go out on the next complete day, when the sales have filled. A rebalance
that sells nothing buys at once. ``exposure`` defaults to 0.7 so that the +30 % reserve of
the buys fits in the cash.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import Bar
from jts.domain.signals import SignalDirection
from jts.indicators import ROC
from jts.kernel.strategy import Strategy, StrategyParams


class DualMomentum(Strategy):
    class Params(StrategyParams):
        symbols: tuple[str, ...] = ("005930.KRX", "000660.KRX", "035420.KRX", "069500.KRX")
        lookback: int = Field(60, ge=1)
        every: int = Field(20, ge=1)
        top_k: int = Field(2, ge=1)
        threshold: Decimal = Decimal(0)
        exposure: Decimal = Field(Decimal("0.7"), gt=0, le=1)
        bar_spec: str = "1-DAY-LAST-EXTERNAL"

        @field_validator("symbols", mode="before")
        @classmethod
        def _split(cls, value: Any) -> Any:
            # the command line and sweep grids pass text: "005930.KRX,000660.KRX"
            if isinstance(value, str):
                return tuple(part.strip() for part in value.split(",") if part.strip())
            return value

        @model_validator(mode="after")
        def _universe(self) -> Self:
            if len(self.symbols) < 2:
                raise ValueError(f"symbols needs at least two names to rotate, got {self.symbols}")
            if len(set(self.symbols)) != len(self.symbols):
                raise ValueError(f"symbols has duplicates: {self.symbols}")
            if self.top_k > len(self.symbols):
                raise ValueError(
                    f"top_k ({self.top_k}) exceeds the universe ({len(self.symbols)} symbols)"
                )
            return self

    def on_start(self) -> None:
        p = self.params
        self.universe = sorted(InstrumentId(s) for s in p.symbols)
        self.momentum: dict[InstrumentId, Any] = {}
        for iid in self.universe:
            bar_type = self.subscribe_bars(f"{iid}-{p.bar_spec}")
            self.momentum[iid] = self.register_indicator(bar_type, ROC(period=p.lookback))
        self.weight = p.exposure / p.top_k
        self.day_ts = -1
        self.seen: set[InstrumentId] = set()
        self.days_since: int | None = None  # complete days since the last rebalance
        self.selected: list[InstrumentId] = []
        self.buys_pending = False

    def on_bar(self, bar: Bar) -> None:
        if bar.ts_event != self.day_ts:
            self.day_ts = bar.ts_event
            self.seen = set()
        self.seen.add(bar.bar_type.instrument_id)
        if len(self.seen) < len(self.universe):
            return
        self.on_day()

    def on_day(self) -> None:
        """Every name has today's bar: finish a pending rebalance, or start one when due."""
        if self.buys_pending and not self._selling():
            self._buy()
        if not all(self.momentum[iid].ready for iid in self.universe):
            return
        if self.days_since is not None and self.days_since + 1 < self.params.every:
            self.days_since += 1
            return
        self.days_since = 0
        self.rebalance()

    def rank(self) -> list[InstrumentId]:
        """The names to hold now: the top ``top_k`` by trailing return that beat the threshold."""
        scores = {iid: self.momentum[iid].value for iid in self.universe}
        ranked = sorted(self.universe, key=lambda iid: (-scores[iid], str(iid)))
        floor = float(self.params.threshold * 100)  # ROC is in percent
        return [iid for iid in ranked[: self.params.top_k] if scores[iid] > floor]

    def rebalance(self) -> None:
        self.selected = self.rank()
        sold = False
        for iid in self.universe:
            if iid not in self.selected and self.position_qty(iid) > 0:
                self.emit_signal(iid, SignalDirection.FLAT, reason="left the top or lost momentum")
                self.close_position(iid)
                sold = True
        for iid in self.selected:
            self.emit_signal(
                iid, SignalDirection.LONG, reason=f"momentum {self.momentum[iid].value:.2f}%"
            )
        self.buys_pending = True
        if not sold:
            self._buy()

    def _selling(self) -> bool:
        return any(o.side is OrderSide.SELL for o in self.open_orders())

    def _buy(self) -> None:
        self.buys_pending = False
        for iid in self.selected:
            self.target_percent(iid, self.weight)
