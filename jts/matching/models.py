"""How a simulated venue turns market data into fills: fill mode, touch rule, slippage,
latency and the volume participation cap.

These are the knobs a backtest result is most sensitive to, so each is a small immutable value
with one documented meaning, validated when built (a bad value names itself and the rule), and
the defaults reproduce the reference benchmark: fills at the next bar's open, no slippage, no
latency, no volume cap, no fill when a bar merely touches a limit price.

Slippage moves a taker fill's price against the trader onto the instrument's tick grid; the
matching engine then caps the result at the order's own limit price and the day's price limits,
so no model can produce a price the venue would refuse.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from jts.core.errors import ConfigError, InvalidPriceError
from jts.core.time import NANOS_PER_MILLI
from jts.domain.enums import OrderSide
from jts.domain.tick_rules import TickScheme
from jts.domain.values import Price, Rounding

__all__ = [
    "FillMode",
    "FixedLatency",
    "FixedTickSlippage",
    "LatencyModel",
    "MatchingConfig",
    "NoSlippage",
    "ParticipationCap",
    "RangeSlippage",
    "SlippageModel",
]


class FillMode(enum.Enum):
    """When a market order placed on a bar fills.

    ``NEXT_OPEN``: at the open of the first bar that starts after the order reached the venue
    (the strategy saw bar t's close and could not have traded at it). ``CLOSE``: at the close of
    the bar during which the order reached the venue (optimistic, but the convention of many
    daily-bar studies that trade "at the close").
    """

    NEXT_OPEN = "next-open"
    CLOSE = "close"

    @classmethod
    def parse(cls, text: str) -> FillMode:
        """``"next-open"`` / ``"close"`` (the CLI spelling); anything else names the choices."""
        for member in cls:
            if member.value == text:
                return member
        raise ConfigError(f"fill mode must be 'next-open' or 'close', got {text!r}")


@runtime_checkable
class SlippageModel(Protocol):
    """Moves a taker fill's price against the trader.

    ``bar_range`` is the high-low range of the bar being matched, None when the fill comes from
    a trade tick (no range is known). The result must be on ``scheme``'s grid.
    """

    def slip(
        self, price: Price, side: OrderSide, scheme: TickScheme, bar_range: Price | None
    ) -> Price: ...


@dataclass(frozen=True, slots=True)
class NoSlippage:
    """Fills at the price the data shows."""

    def slip(
        self, price: Price, side: OrderSide, scheme: TickScheme, bar_range: Price | None
    ) -> Price:
        return price


def _down_or_floor(scheme: TickScheme, price: Price, ticks: int) -> Price:
    """``ticks`` grid steps below ``price``, stopping at the lowest valid price."""
    try:
        return scheme.next_down(price, ticks)
    except InvalidPriceError:
        return scheme.min_price()


@dataclass(frozen=True, slots=True)
class FixedTickSlippage:
    """A fixed number of ticks against the trader: up for a buy, down for a sell.

    Steps follow the tick table of the day, so crossing a band boundary changes the step
    (4,995 KRW + 2 ticks is 5,010 KRW under the 2023 KRX table: 5,000 then 5,010).
    """

    ticks: int

    def __post_init__(self) -> None:
        if type(self.ticks) is not int or self.ticks < 0:
            raise ConfigError(f"slippage ticks must be an int >= 0, got {self.ticks!r}")

    def slip(
        self, price: Price, side: OrderSide, scheme: TickScheme, bar_range: Price | None
    ) -> Price:
        if self.ticks == 0:
            return price
        if side is OrderSide.BUY:
            return scheme.next_up(price, self.ticks)
        return _down_or_floor(scheme, price, self.ticks)


@dataclass(frozen=True, slots=True)
class RangeSlippage:
    """``fraction x (high - low)`` of the bar against the trader, rounded onto the grid away
    from the trader (up for a buy, down for a sell), so a sub-tick cost still costs one tick.

    A volatility proxy: wide bars are where market orders pay most. Trade-tick fills carry no
    bar range and get none; book fills already pay the spread level by level and get none.
    """

    fraction: Decimal

    def __post_init__(self) -> None:
        value = self.fraction
        if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
            raise ConfigError(
                f"range slippage fraction must be a Decimal in 0..1, got {self.fraction!r}"
            )

    def slip(
        self, price: Price, side: OrderSide, scheme: TickScheme, bar_range: Price | None
    ) -> Price:
        if bar_range is None or not bar_range.is_positive() or not self.fraction:
            return price
        rate = Price(self.fraction)
        offset = Price.from_raw(bar_range.raw * rate.raw, bar_range.precision + rate.precision)
        if side is OrderSide.BUY:
            return scheme.round(price + offset, Rounding.UP)
        lowered = price - offset
        if not lowered.is_positive():
            return scheme.min_price()
        try:
            return scheme.round(lowered, Rounding.DOWN)
        except InvalidPriceError:
            return scheme.min_price()


@runtime_checkable
class LatencyModel(Protocol):
    """How long a request (new order, modify, cancel) takes to reach the matching engine."""

    def delay_ns(self) -> int: ...


@dataclass(frozen=True, slots=True)
class FixedLatency:
    """The same delay for every request, in nanoseconds (`FixedLatency.millis` for ms)."""

    nanos: int = 0

    def __post_init__(self) -> None:
        if type(self.nanos) is not int or self.nanos < 0:
            raise ConfigError(f"latency must be an int of nanoseconds >= 0, got {self.nanos!r}")

    @classmethod
    def millis(cls, milliseconds: int) -> FixedLatency:
        if type(milliseconds) is not int or milliseconds < 0:
            raise ConfigError(f"latency must be an int of milliseconds >= 0, got {milliseconds!r}")
        return cls(milliseconds * NANOS_PER_MILLI)

    def delay_ns(self) -> int:
        return self.nanos


@dataclass(frozen=True, slots=True)
class ParticipationCap:
    """At most ``rate`` of a bar's volume (or a trade tick's size) per order per bar (tick).

    The cap is floored to whole lots, so a cap below one lot fills nothing and the order keeps
    resting: that is what the cap means, even if it starves orders in thin data.
    """

    rate: Decimal
    _num: int = field(init=False, repr=False, compare=False)
    _den: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        value = self.rate
        if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= 1:
            raise ConfigError(f"participation rate must be a Decimal in (0, 1], got {self.rate!r}")
        num, den = value.as_integer_ratio()
        object.__setattr__(self, "_num", num)
        object.__setattr__(self, "_den", den)

    def cap(self, volume_raw: int, lot_raw: int) -> int:
        """The largest quantity (raw units, a multiple of ``lot_raw``) one order may take."""
        allowed = volume_raw * self._num // self._den
        return allowed - allowed % lot_raw


@dataclass(frozen=True, slots=True)
class MatchingConfig:
    """Every behaviour switch of the matching engine, with the benchmark's defaults.

    ``fill_on_touch``: whether a bar or trade that reaches a limit price exactly fills it.
    Off by default: at the touch the order may still be queued behind others at that price,
    so only trading *through* the limit proves it would have filled.
    """

    fill: FillMode = FillMode.NEXT_OPEN
    fill_on_touch: bool = False
    slippage: SlippageModel = field(default_factory=NoSlippage)
    latency: LatencyModel = field(default_factory=FixedLatency)
    participation: ParticipationCap | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.fill, FillMode):
            raise ConfigError(f"fill must be a FillMode, got {self.fill!r}")
        if not isinstance(self.fill_on_touch, bool):
            raise ConfigError(f"fill_on_touch must be a bool, got {self.fill_on_touch!r}")
        if not isinstance(self.slippage, SlippageModel):
            raise ConfigError(f"slippage must be a SlippageModel, got {self.slippage!r}")
        if not isinstance(self.latency, LatencyModel):
            raise ConfigError(f"latency must be a LatencyModel, got {self.latency!r}")
        if self.participation is not None and not isinstance(self.participation, ParticipationCap):
            raise ConfigError(
                f"participation must be a ParticipationCap or None, got {self.participation!r}"
            )
