"""The intrabar price path and how one order meets it.

A bar only says open, high, low and close, not the order in which the extremes came. The
engine assumes, for every order, the path that is worst for that order:

    buy orders:  open -> high -> low  -> close
    sell orders: open -> low  -> high -> close

that is, the bar first moves against the order's side (a buyer sees the price rise first, a
seller sees it fall first). Consequences, all deliberate:

- A protective stop is reached before a take-profit limit on the same side: a long position's
  sell stop below and sell limit above, both inside one bar, fill stop first.
- A stop-limit triggered on the way to the adverse extreme can fill at its limit only on the
  way back, and only when the rest of the path trades through the limit.
- A plain limit order does not depend on the path: it fills when the bar trades through its
  price (buy: low < limit; touching the price fills only with ``fill_on_touch``).

Prices on the path are raw integers. The first point is the open, or the only point when an
order sees just the close (it arrived during the bar, or the bar is the closing auction).

Prices at which an order fills:

- A market order (or a stop-market once triggered) takes the first point it sees (the open),
  or the last (the close) in close fill mode.
- A stop triggers at the first point at or beyond its trigger price: at that point's price if
  it is the first point (a gap opens beyond the stop: buy fills at max(stop, open)), else at
  the trigger price, crossed inside the segment.
- A limit order that is *fresh* (meeting its first data) or meets an auction at the first point
  and finds that point through its limit takes that point's price (price improvement); a
  resting order fills at its own limit: it sat in the book, so the flow that moved the price
  through the limit traded with it at its price. A stop-limit is fresh at its trigger.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import msgspec

from jts.domain.enums import OrderType
from jts.matching.orders import SimOrder

__all__ = ["FillKind", "PathOutcome", "bar_path", "match_path", "through"]


class FillKind(enum.Enum):
    """How a fill's price was formed, which decides slippage and the liquidity side."""

    AUCTION = "AUCTION"  # one uncrossing price for everyone: no slippage, no maker/taker
    TAKER = "TAKER"  # took the market's price: slippage applies, capped at the limit
    MAKER = "MAKER"  # a resting limit filled at its own price: no slippage


class PathOutcome(msgspec.Struct, frozen=True, gc=False):
    """What happened to one order on one path: a trigger point, a fill point and price."""

    trigger_at: int | None
    fill_at: int | None
    price: int
    kind: FillKind


def bar_path(buy: bool, o: int, h: int, low: int, c: int) -> tuple[int, int, int, int]:
    """The four-point path of a bar for one side (see the module docstring)."""
    return (o, h, low, c) if buy else (o, low, h, c)


def through(price: int, limit: int, buy: bool, touch: bool) -> bool:
    """Whether trading at ``price`` proves a limit order at ``limit`` would have filled."""
    if price == limit:
        return touch
    return price < limit if buy else price > limit


def _reached(price: int, trigger: int, buy: bool) -> bool:
    return price >= trigger if buy else price <= trigger


def _limit_from(
    order: SimOrder,
    points: Sequence[int],
    auction: Sequence[bool],
    *,
    start: int,
    first_price: int,
    fresh: bool,
    touch: bool,
    trigger_at: int | None,
) -> PathOutcome | None:
    limit = order.price
    assert limit is not None  # limit-type orders always carry their price
    buy = order.is_buy
    if through(first_price, limit, buy, touch):
        at_auction = auction[start] and (start == 0)
        if at_auction:
            return PathOutcome(trigger_at, start, first_price, FillKind.AUCTION)
        if fresh:
            return PathOutcome(trigger_at, start, first_price, FillKind.TAKER)
        return PathOutcome(trigger_at, start, limit, FillKind.MAKER)
    for index in range(start + 1, len(points)):
        if through(points[index], limit, buy, touch):
            return PathOutcome(trigger_at, index, limit, FillKind.MAKER)
    if trigger_at is not None:
        return PathOutcome(trigger_at, None, 0, FillKind.MAKER)
    return None


def match_path(
    order: SimOrder,
    points: Sequence[int],
    auction: Sequence[bool],
    *,
    touch: bool,
    at_close: bool,
) -> PathOutcome | None:
    """Where ``order`` triggers and fills on ``points`` (``auction[i]``: point i is an
    auction price); None when nothing happens. ``at_close``: market orders take the last
    point (close fill mode). Quantities, slippage and price limits are the caller's."""
    buy = order.is_buy
    if order.awaits_trigger:
        trigger = order.trigger
        assert trigger is not None
        hit = next((i for i, price in enumerate(points) if _reached(price, trigger, buy)), None)
        if hit is None:
            return None
        at = points[0] if hit == 0 else trigger
        if order.order_type is OrderType.STOP_MARKET:
            kind = FillKind.AUCTION if hit == 0 and auction[0] else FillKind.TAKER
            return PathOutcome(hit, hit, at, kind)
        return _limit_from(
            order,
            points,
            auction,
            start=hit,
            first_price=at,
            fresh=True,
            touch=touch,
            trigger_at=hit,
        )
    if order.is_market:
        index = len(points) - 1 if at_close else 0
        kind = FillKind.AUCTION if auction[index] else FillKind.TAKER
        return PathOutcome(None, index, points[index], kind)
    return _limit_from(
        order,
        points,
        auction,
        start=0,
        first_price=points[0],
        fresh=order.fresh,
        touch=touch,
        trigger_at=None,
    )
