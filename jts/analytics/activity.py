"""How much of the time the strategy held a position, and how much it traded, from its fills.

Exposure is counted in KST days, the unit every other statistic uses: a day counts as exposed
when a position was carried into it or a fill happened on it (an intraday round trip exposes its
day). This is quantstats' idea of exposure (the share of days with a non-zero return) measured
from what the strategy actually held, so a held position on a day the price did not move still
counts, and quantstats' rounding up to the next whole percent is not applied.

Turnover is the traded value (``sum |price x quantity|`` of all fills, buys and sells) over the
average daily close of the equity curve: 2.0 means the run bought and sold its average capital
once. Fill prices are taken to be in the equity curve's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from jts.analytics.curve import DailyEquity, kst_day_number
from jts.analytics.errors import AnalyticsInputError
from jts.domain.enums import OrderSide
from jts.domain.values import Price, Quantity


class FillLike(Protocol):
    """What analytics reads from a fill; `jts.domain.events.OrderFilled` and
    `jts.domain.reports.FillReport` qualify as they are."""

    @property
    def ts_event(self) -> int: ...

    @property
    def instrument_id(self) -> str: ...

    @property
    def order_side(self) -> OrderSide: ...

    @property
    def last_qty(self) -> Quantity: ...

    @property
    def last_px(self) -> Price: ...


@dataclass(frozen=True, slots=True)
class Fill:
    """A plain fill for callers that have no domain event at hand (e.g. rows of a file)."""

    ts_event: int
    instrument_id: str
    order_side: OrderSide
    last_qty: Quantity
    last_px: Price


def _checked(fills: Sequence[FillLike]) -> list[FillLike]:
    for index, fill in enumerate(fills):
        qty, px = getattr(fill, "last_qty", None), getattr(fill, "last_px", None)
        side, ts = getattr(fill, "order_side", None), getattr(fill, "ts_event", None)
        if not isinstance(qty, Quantity) or not isinstance(px, Price):
            raise AnalyticsInputError(
                f"fill #{index} needs last_qty: Quantity and last_px: Price, got {fill!r}"
            )
        if not isinstance(side, OrderSide) or not isinstance(ts, int) or isinstance(ts, bool):
            raise AnalyticsInputError(
                f"fill #{index} needs order_side: OrderSide and ts_event: int, got {fill!r}"
            )
        if not qty.is_positive() or not px.is_positive():
            raise AnalyticsInputError(
                f"fill #{index} at {ts}: quantity {qty} and price {px} must be positive"
            )
    # a stable sort keeps same-nanosecond fills in the caller's order
    return sorted(fills, key=lambda fill: fill.ts_event)


def exposure(daily: DailyEquity, fills: Sequence[FillLike]) -> float:
    """Share of the curve's days on which some position was held (see the module docstring)."""
    ordered = _checked(fills)
    fill_days = [kst_day_number(fill.ts_event) for fill in ordered]
    net: dict[str, tuple[int, int]] = {}  # exact net quantity: raw integer, precision
    open_count = 0  # instruments with a non-zero net position
    cursor = 0

    def apply_until(last_day: int) -> None:
        nonlocal cursor, open_count
        while cursor < len(ordered) and fill_days[cursor] <= last_day:
            fill = ordered[cursor]
            cursor += 1
            key = str(fill.instrument_id)
            before, precision = net.get(key, (0, 0))
            qty = fill.last_qty
            if qty.precision > precision:  # integers, not fractions: thousands of fills
                before *= 10 ** (qty.precision - precision)
                precision = qty.precision
            after = before + fill.order_side.sign * qty.raw_at(precision)
            net[key] = (after, precision)
            open_count += (after != 0) - (before != 0)

    exposed = 0
    for day in daily.day_numbers:
        apply_until(day - 1)  # fills of earlier days, including days the curve skips
        carried = open_count > 0
        traded_today = cursor < len(ordered) and fill_days[cursor] == day
        apply_until(day)
        if carried or traded_today:
            exposed += 1
    return exposed / len(daily)


def traded_value(fills: Sequence[FillLike]) -> Fraction:
    """Exact sum of ``price x quantity`` over all fills, buys and sells alike (summed as
    integers at the finest scale, one `Fraction` at the end)."""
    total, scale = 0, 0
    for fill in _checked(fills):
        px, qty = fill.last_px, fill.last_qty
        term, term_scale = px.raw * qty.raw, px.precision + qty.precision
        if term_scale > scale:
            total *= 10 ** (term_scale - scale)
            scale = term_scale
        total += term * 10 ** (scale - term_scale)
    return Fraction(total, 10**scale)


def turnover(daily: DailyEquity, fills: Sequence[FillLike]) -> float:
    """Traded value over the mean daily close (see the module docstring)."""
    mean_close = sum((Fraction(close) for close in daily.closes), Fraction(0)) / len(daily)
    if mean_close <= 0:
        raise AnalyticsInputError(
            f"turnover needs a positive average equity, got {float(mean_close)}"
        )
    return float(traded_value(fills) / mean_close)
