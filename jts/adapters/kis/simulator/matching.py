"""The resting-order book behind the simulator, behind a small interface.

`jts.matching` (the order matching core shared with the backtest venue) is being written
concurrently; until the simulator is moved onto it, this module is the only place that decides
when a resting limit order fills. `RestingBook` is the seam: the venue adds, removes and asks
"what fills on this trade print?", and nothing else, so swapping in the shared engine is a
change to `PriceTimeBook`'s construction only.

Rule: a resting buy fills when a print trades *through* its limit (print < limit), a sell when
print > limit; ``fill_on_touch`` also fills at print == limit. Fills are at the order's limit
price, best price first, then time priority, and never more than the print's volume in total.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["BookSide", "MatchFill", "PriceTimeBook", "RestingBook"]

BookSide = Literal["buy", "sell"]


@dataclass(frozen=True, slots=True)
class MatchFill:
    order_id: str
    qty: int
    price: int


class RestingBook(Protocol):
    def add(self, order_id: str, side: BookSide, price: int, qty: int) -> None: ...

    def remove(self, order_id: str) -> int:
        """Take an order off the book; returns the quantity it still had (0 if absent)."""
        ...

    def reduce(self, order_id: str, qty: int) -> None:
        """Lower an order's open quantity (a partial cancel); removes it at zero."""
        ...

    def match_print(self, price: int, volume: int) -> list[MatchFill]: ...

    def __len__(self) -> int: ...


@dataclass(slots=True)
class _Entry:
    key: tuple[int, int]  # (sort price, sequence): best first
    order_id: str
    side: BookSide
    price: int
    qty: int


class PriceTimeBook:
    """Price-time priority for one symbol; integer prices and quantities only."""

    def __init__(self, *, fill_on_touch: bool = False) -> None:
        self._touch = fill_on_touch
        self._buys: list[_Entry] = []  # sorted by (-price, seq)
        self._sells: list[_Entry] = []  # sorted by (price, seq)
        self._by_id: dict[str, _Entry] = {}
        self._seq = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, order_id: str, side: BookSide, price: int, qty: int) -> None:
        if qty <= 0 or price <= 0:
            raise ValueError(f"resting order {order_id} needs positive price and qty")
        if order_id in self._by_id:
            raise ValueError(f"order {order_id} is already on the book")
        self._seq += 1
        key = (-price if side == "buy" else price, self._seq)
        entry = _Entry(key, order_id, side, price, qty)
        queue = self._buys if side == "buy" else self._sells
        bisect.insort(queue, entry, key=lambda e: e.key)
        self._by_id[order_id] = entry

    def remove(self, order_id: str) -> int:
        entry = self._by_id.pop(order_id, None)
        if entry is None:
            return 0
        queue = self._buys if entry.side == "buy" else self._sells
        queue.remove(entry)
        return entry.qty

    def reduce(self, order_id: str, qty: int) -> None:
        entry = self._by_id.get(order_id)
        if entry is None:
            return
        entry.qty -= qty
        if entry.qty <= 0:
            self.remove(order_id)

    def _crosses(self, entry: _Entry, price: int) -> bool:
        if entry.side == "buy":
            return price < entry.price or (self._touch and price == entry.price)
        return price > entry.price or (self._touch and price == entry.price)

    def match_print(self, price: int, volume: int) -> list[MatchFill]:
        fills: list[MatchFill] = []
        left = volume
        for queue in (self._buys, self._sells):
            while queue and left > 0 and self._crosses(queue[0], price):
                entry = queue[0]
                qty = min(entry.qty, left)
                fills.append(MatchFill(entry.order_id, qty, entry.price))
                left -= qty
                entry.qty -= qty
                if entry.qty == 0:
                    queue.pop(0)
                    del self._by_id[entry.order_id]
        return fills
