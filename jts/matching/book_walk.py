"""Walking one side of an order-book snapshot, level by level.

Our simulated orders are not in the venue's real book, so a snapshot's liquidity is shared by
all of them: orders walk in priority order and each takes what the earlier ones left. The
consumption lasts for one snapshot only; the next snapshot is the venue's new truth (our
earlier fills never moved the real market, which is the usual simplification of a book replay).

A walk never goes past the last visible level (the rest of the order waits for the next
snapshot) and never past a price bound: the order's limit, and for market orders the day's
price limit, so no fill is ever beyond the daily limits.
"""

from __future__ import annotations

from collections.abc import Iterable

from jts.matching.orders import SimOrder

__all__ = ["Ladder", "book_priority", "book_triggers"]


class Ladder:
    """The resting side an order takes from: asks for a buy, bids for a sell, best first.

    Prices and sizes are raw integers at the instrument's precisions.
    """

    __slots__ = ("_buyer", "_levels", "_next")

    def __init__(self, levels: Iterable[tuple[int, int]], *, buyer: bool) -> None:
        """``levels`` best first; ``buyer`` is True when buy orders take from this side."""
        self._levels = [[price, size] for price, size in levels]
        self._buyer = buyer
        self._next = 0

    def best_price(self) -> int | None:
        """The best price still offered, None when the side is empty or used up."""
        return self._levels[self._next][0] if self._next < len(self._levels) else None

    def _within(self, price: int, bound: int | None) -> bool:
        if bound is None:
            return True
        return price <= bound if self._buyer else price >= bound

    def available(self, bound: int | None) -> int:
        """How much could be taken at prices no worse than ``bound`` (None: any price)."""
        total = 0
        for price, size in self._levels[self._next :]:
            if not self._within(price, bound):
                break
            total += size
        return total

    def take(self, quantity: int, bound: int | None) -> list[tuple[int, int]]:
        """Take up to ``quantity`` at prices no worse than ``bound``; returns the
        ``(price, quantity)`` taken per level, best first, and uses that liquidity up."""
        taken: list[tuple[int, int]] = []
        levels = self._levels
        while quantity > 0 and self._next < len(levels):
            level = levels[self._next]
            price, size = level
            if not self._within(price, bound):
                break
            part = min(size, quantity)
            taken.append((price, part))
            quantity -= part
            if part == size:
                self._next += 1
            else:
                level[1] = size - part
        return taken


def book_priority(order: SimOrder) -> tuple[int, int, int]:
    """Who takes shared liquidity first: market orders, then the best limit, then time."""
    if order.is_market or order.price is None:
        return (0, 0, order.seq)
    return (1, -order.price if order.is_buy else order.price, order.seq)


def book_triggers(order: SimOrder, asks: Ladder, bids: Ladder) -> bool:
    """Whether the book reaches a waiting stop: a buy stop when the best ask is at or above
    its trigger (the price it would pay), a sell stop when the best bid is at or below it."""
    trigger = order.trigger
    if trigger is None:
        return False
    if order.is_buy:
        best = asks.best_price()
        return best is not None and best >= trigger
    best = bids.best_price()
    return best is not None and best <= trigger
