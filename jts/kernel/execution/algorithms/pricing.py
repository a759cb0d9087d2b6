"""Limit prices for child orders: on the tick grid of the day, and never beyond the daily
limits on the side that would make the child more aggressive than asked.

Rounding goes to the *passive* side, the side that never costs the parent more than it asked
for: a buy rounds down, a sell rounds up. The daily limits clip only in the safe direction (a
buy above the upper limit becomes the upper limit, a sell below the lower limit the lower
limit); a price outside the limits on the other side (a buy below the lower limit) cannot trade
anyway and is left for the risk engine to deny, so the algorithm's denial policy sees it.
"""

from __future__ import annotations

import datetime as dt

from jts.core.errors import InvalidInputError, InvalidPriceError
from jts.domain.enums import OrderSide
from jts.domain.instruments import Instrument
from jts.domain.price_limits import PriceLimits
from jts.domain.tick_rules import TickScheme
from jts.domain.values import Price, Rounding

__all__ = [
    "daily_limits_or_none",
    "offset_price",
    "passive_rounding",
    "within_limits",
    "within_ticks",
]


def passive_rounding(side: OrderSide) -> Rounding:
    """DOWN for a buy, UP for a sell: the rounding that never makes a child pay more."""
    return Rounding.DOWN if side is OrderSide.BUY else Rounding.UP


def _on_grid(scheme: TickScheme, price: Price, side: OrderSide) -> Price:
    try:
        return scheme.round(price, passive_rounding(side))
    except InvalidPriceError:  # a buy rounded below the smallest price: that price is it
        return scheme.min_price()


def _move(scheme: TickScheme, price: Price, ticks: int, up: bool) -> Price:
    if ticks == 0:
        return price
    if up:
        return scheme.next_up(price, ticks)
    try:
        return scheme.next_down(price, ticks)
    except InvalidPriceError:  # not that many ticks below: the smallest valid price
        return scheme.min_price()


def offset_price(
    scheme: TickScheme, side: OrderSide, reference: Price, passive_ticks: int
) -> Price:
    """``passive_ticks`` grid steps away from ``reference`` on the passive side.

    A buy goes ``passive_ticks`` ticks below the reference, a sell above it; a negative count
    crosses toward the other side (a buy above the reference). Steps follow the grid across
    band boundaries (`TickScheme.next_up` / `next_down`), so the result is always a valid price.
    """
    if type(passive_ticks) is not int:
        raise InvalidInputError(f"a tick offset must be an int, got {passive_ticks!r}")
    start = _on_grid(scheme, reference, side)
    toward_bid = (side is OrderSide.BUY) == (passive_ticks > 0)
    return _move(scheme, start, abs(passive_ticks), up=not toward_bid)


def within_ticks(scheme: TickScheme, price: Price, reference: Price, ticks: int) -> bool:
    """Whether ``price`` lies at most ``ticks`` grid steps from ``reference``, on either side.

    Steps follow the grid across band boundaries, so "one tick" means the neighbouring valid
    price whatever the band; zero steps means the same price.
    """
    if ticks == 0:
        return price == reference
    return (
        _move(scheme, reference, ticks, up=False)
        <= price
        <= _move(scheme, reference, ticks, up=True)
    )


def daily_limits_or_none(
    instrument: Instrument, base_price: Price | None, on_date: dt.date
) -> PriceLimits | None:
    """The day's limits, or None where they are unknown (no base price yet) or do not exist
    (crypto, ELWs)."""
    if base_price is None:
        return None
    try:
        return instrument.daily_limits(base_price, on_date)
    except InvalidInputError:
        return None


def within_limits(price: Price, side: OrderSide, limits: PriceLimits | None) -> Price:
    """Clip toward the passive side only (see the module docstring)."""
    if limits is None:
        return price
    if side is OrderSide.BUY and price > limits.upper:
        return limits.upper
    if side is OrderSide.SELL and price < limits.lower:
        return limits.lower
    return price
