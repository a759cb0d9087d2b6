"""Stop-loss, take-profit and trailing stops of one position, from its entry fill price.

docs/dsl.md fixes the levels (rule 6): a percent stop at ``price * (1 -/+ p/100)``, a distance
stop at ``price -/+ distance`` with the distance read at the signal bar (unknown: no stop), a
trailing stop at its distance from the best price since entry, every level rounded onto the
instrument's tick grid *away* from the price it is measured from.

How a level triggers is decided here, the same way for every venue:

- stops are *not* venue stop orders: KIS offers stop-limit orders only on NXT and Upbit none
  at all, so a strategy that must run unchanged everywhere watches its levels itself;
- the check runs when a bar closes, against the bar's range: a long position's stop loss or
  trailing stop triggers when the bar's low is at or below the level, its take profit when the
  bar's high is at or above it (a short mirrors this). The exit is then a market order at the
  close, exactly like a rule exit (rule 4), so the vectorised backtest can replay it from the
  same bar arrays;
- a trailing level moves *after* the check, with the bar's high (long) or low (short): the
  order of the high and the low inside a bar is unknown, and ratcheting first would let a bar's
  own high raise the level its own low is tested against;
- the first bar checked is the first bar that closes after the entry fill (in the backtest the
  fill is at that bar's open, so the whole bar follows it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from jts.core.errors import InvalidPriceError
from jts.domain.instruments import Instrument
from jts.domain.tick_rules import NoTickSchemeError
from jts.domain.values import Price, Rounding
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import Program, resolve_scalar

__all__ = ["PositionStops", "StopRules"]

StopKind = Literal["stop_loss", "take_profit", "trailing_stop"]
_HUNDRED = Fraction(100)
_WORDS: dict[str, str] = {
    "stop_loss": "stop loss",
    "take_profit": "take profit",
    "trailing_stop": "trailing stop",
}


def on_grid(
    value: Fraction, instrument: Instrument, on_date: dt.date, mode: Rounding
) -> Price | None:
    """``value`` rounded (UP or DOWN) to a valid price of that day; None below the lowest."""
    scale = 10**instrument.price_precision
    scaled = value * scale
    raw = math.floor(scaled) if mode is Rounding.DOWN else math.ceil(scaled)
    if raw <= 0:
        return None
    price = Price.from_raw(raw, instrument.price_precision)
    try:
        scheme = instrument.tick_scheme(on_date)
    except NoTickSchemeError:
        return price  # no tick table known: the price precision is the grid
    try:
        return scheme.round(price, mode)
    except InvalidPriceError:  # below the lowest valid price: the level can never trade
        return None


@dataclass(frozen=True, slots=True)
class _Offset:
    """How far a level sits from its reference price: a percent or a distance in price."""

    percent: Fraction | None = None
    distance: Fraction | None = None

    def apply(self, price: Fraction, sign: int) -> Fraction:
        """``price`` moved by the offset: ``sign`` -1 below it, +1 above it."""
        if self.percent is not None:
            return price * (1 + sign * self.percent / _HUNDRED)
        assert self.distance is not None
        return price + sign * self.distance

    def to_json(self) -> dict[str, str]:
        if self.percent is not None:
            return {"percent": _fraction_text(self.percent)}
        assert self.distance is not None
        return {"distance": _fraction_text(self.distance)}

    @classmethod
    def from_json(cls, data: Mapping[str, str]) -> _Offset:
        if "percent" in data:
            return cls(percent=Fraction(data["percent"]))
        return cls(distance=Fraction(data["distance"]))


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


class StopRules:
    """The program's stops with parameters resolved: what to place when a position opens."""

    def __init__(self, program: Program, params: Mapping[str, Decimal]) -> None:
        self.percents: dict[StopKind, Fraction] = {}
        self.distance_kinds: list[StopKind] = []
        for stop in program.stops:
            if stop.percent is not None:
                self.percents[stop.kind] = Fraction(resolve_scalar(stop.percent, params))
            else:
                self.distance_kinds.append(stop.kind)
        for kind, percent in self.percents.items():
            if percent <= 0 or (kind != "take_profit" and percent >= 100):
                raise DslRuntimeError(
                    f"the {_WORDS[kind]} percent must be in (0, 100), got {float(percent)}"
                )

    @property
    def any(self) -> bool:
        return bool(self.percents or self.distance_kinds)

    def offsets(self, distances: Mapping[str, float]) -> dict[StopKind, _Offset]:
        """The offset of every stop, with distance stops read from the signal bar's values
        (an unknown, infinite or non-positive distance places no stop)."""
        found: dict[StopKind, _Offset] = {k: _Offset(percent=p) for k, p in self.percents.items()}
        for kind in self.distance_kinds:
            value = distances.get(kind, math.nan)
            if math.isfinite(value) and value > 0.0:
                found[kind] = _Offset(distance=Fraction(value))
        return found

    def open(
        self,
        side: int,
        entry: Decimal,
        offsets: Mapping[StopKind, _Offset],
        instrument: Instrument,
        on_date: dt.date,
    ) -> PositionStops:
        """The levels of a position entered at ``entry`` (``side`` +1 long, -1 short)."""
        stops = PositionStops(side=side, entry=entry, best=entry, offsets=dict(offsets))
        stops.place(instrument, on_date)
        return stops


@dataclass(slots=True)
class PositionStops:
    """The live levels of one open position; `triggered` then `advance` on every bar."""

    side: int
    entry: Decimal
    best: Decimal
    offsets: dict[StopKind, _Offset]
    stop_loss: Price | None = None
    take_profit: Price | None = None
    trailing: Price | None = None

    def place(self, instrument: Instrument, on_date: dt.date) -> None:
        """(Re)compute every level from the entry price and the best price so far."""
        # away from the entry: down on the loss side of a long, up on its profit side
        loss_side = Rounding.DOWN if self.side > 0 else Rounding.UP
        profit_side = Rounding.UP if self.side > 0 else Rounding.DOWN
        entry = Fraction(self.entry)
        loss = self.offsets.get("stop_loss")
        if loss is not None:
            level = loss.apply(entry, -self.side)
            self.stop_loss = on_grid(level, instrument, on_date, loss_side)
        profit = self.offsets.get("take_profit")
        if profit is not None:
            level = profit.apply(entry, self.side)
            self.take_profit = on_grid(level, instrument, on_date, profit_side)
        self.trailing = None
        self._trail(instrument, on_date)

    def _trail(self, instrument: Instrument, on_date: dt.date) -> None:
        trail = self.offsets.get("trailing_stop")
        if trail is None:
            return
        away = Rounding.DOWN if self.side > 0 else Rounding.UP
        level = on_grid(trail.apply(Fraction(self.best), -self.side), instrument, on_date, away)
        if level is None:
            return
        current = self.trailing
        if current is None or (level > current if self.side > 0 else level < current):
            self.trailing = level  # a trailing stop only ever tightens

    def triggered(self, high: Price, low: Price) -> str | None:
        """Which stop the bar ``high``..``low`` reached, as words for the exit's reason."""
        if self.side > 0:
            if self.stop_loss is not None and low <= self.stop_loss:
                return f"stop loss {self.stop_loss}"
            if self.trailing is not None and low <= self.trailing:
                return f"trailing stop {self.trailing}"
            if self.take_profit is not None and high >= self.take_profit:
                return f"take profit {self.take_profit}"
            return None
        if self.stop_loss is not None and high >= self.stop_loss:
            return f"stop loss {self.stop_loss}"
        if self.trailing is not None and high >= self.trailing:
            return f"trailing stop {self.trailing}"
        if self.take_profit is not None and low <= self.take_profit:
            return f"take profit {self.take_profit}"
        return None

    def advance(self, high: Price, low: Price, instrument: Instrument, on_date: dt.date) -> None:
        """After the bar's check: the best price takes in the bar; the trailing level follows."""
        extreme = high.as_decimal() if self.side > 0 else low.as_decimal()
        if (extreme > self.best) if self.side > 0 else (extreme < self.best):
            self.best = extreme
            self._trail(instrument, on_date)

    # -- state --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "entry": str(self.entry),
            "best": str(self.best),
            "offsets": {kind: offset.to_json() for kind, offset in self.offsets.items()},
            "stop_loss": _price_text(self.stop_loss),
            "take_profit": _price_text(self.take_profit),
            "trailing": _price_text(self.trailing),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PositionStops:
        offsets: dict[StopKind, _Offset] = {}
        for kind, offset in data["offsets"].items():
            if kind not in _WORDS:
                raise DslRuntimeError(f"saved stop state has an unknown stop kind {kind!r}")
            offsets[kind] = _Offset.from_json(offset)
        return cls(
            side=int(data["side"]),
            entry=Decimal(data["entry"]),
            best=Decimal(data["best"]),
            offsets=offsets,
            stop_loss=_price_of(data["stop_loss"]),
            take_profit=_price_of(data["take_profit"]),
            trailing=_price_of(data["trailing"]),
        )


def _price_text(price: Price | None) -> str | None:
    return None if price is None else str(price)


def _price_of(text: str | None) -> Price | None:
    return None if text is None else Price(text)
