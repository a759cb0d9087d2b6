"""From a match decision to a fill: quantity, price and the end of IOC/FOK orders.

`jts.matching.paths` decides *where* on a bar or trade an order triggers and fills, and
`jts.matching.book_walk` *which* book levels it takes; this module turns those decisions into
`Filled` / `Triggered` / `Canceled` records and books them in the `OrderStore`:

- the fill quantity is the order's remainder, capped by the volume participation cap; a FOK
  order fills completely or not at all;
- taker prices get the configured slippage, never past the order's own limit, and every fill
  price is clipped to the day's price limits;
- an IOC or FOK order ends at its first data point: what did not fill is cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from jts.domain.enums import LiquiditySide, TimeInForce
from jts.domain.tick_rules import TickScheme
from jts.domain.values import Price, Quantity, unchecked_builders
from jts.matching.book_walk import Ladder, book_priority, book_triggers
from jts.matching.models import MatchingConfig, NoSlippage
from jts.matching.orders import OrderStore, SimOrder
from jts.matching.paths import FillKind, match_path
from jts.matching.results import Canceled, Filled, MatchResult, Triggered

__all__ = ["FillMaker", "Keyed"]

_new, _set_raw, _set_precision = unchecked_builders()

#: (path point, time priority, step) -> result: one data point's results in path order.
Keyed = list[tuple[int, int, int, MatchResult]]

_LIQUIDITY: Final = {
    FillKind.AUCTION: LiquiditySide.NONE,
    FillKind.TAKER: LiquiditySide.TAKER,
    FillKind.MAKER: LiquiditySide.MAKER,
}
#: `_LIQUIDITY` by ``id`` of the kind: looked up on every fill without hashing an enum member
#: in Python
_LIQUIDITY_BY_ID: Final = {id(kind): side for kind, side in _LIQUIDITY.items()}


class FillMaker:
    """Fills for one instrument's engine; ``limit_raw`` (the day's price limits as raw
    ``(lower, upper)``) is kept current by the engine."""

    __slots__ = ("_config", "_pp", "_scheme", "_slips", "_sp", "_store", "_touch", "limit_raw")

    def __init__(
        self,
        store: OrderStore,
        config: MatchingConfig,
        *,
        price_precision: int,
        size_precision: int,
        scheme: Callable[[], TickScheme],
    ) -> None:
        self._store = store
        self._config = config
        self._pp = price_precision
        self._sp = size_precision
        self._scheme = scheme
        self._touch = config.fill_on_touch
        self._slips = not isinstance(config.slippage, NoSlippage)
        self.limit_raw: tuple[int, int] | None = None

    # ---- bars and trades ----------------------------------------------------------------------
    def on_path(
        self,
        order: SimOrder,
        points: tuple[int, ...],
        auction: tuple[bool, ...],
        keyed: Keyed,
        *,
        at_close: bool,
        cap: int | None,
        bar_range: int | None,
    ) -> None:
        """Match one order on a price path (see `match_path`) and record what happened."""
        outcome = match_path(order, points, auction, touch=self._touch, at_close=at_close)
        seq = order.seq
        if outcome is not None:
            if outcome.trigger_at is not None:
                order.triggered = True
                keyed.append((outcome.trigger_at, seq, 0, Triggered(order.order_id)))
            if outcome.fill_at is not None:
                leaves = order.leaves
                qty = leaves if cap is None else min(leaves, cap)
                if qty > 0 and (order.time_in_force is not TimeInForce.FOK or qty == leaves):
                    price = outcome.price
                    if outcome.kind is FillKind.TAKER and self._slips:
                        price = self._slip(order, price, bar_range)
                    fill = self.record(order, price, qty, _LIQUIDITY_BY_ID[id(outcome.kind)])
                    keyed.append((outcome.fill_at, seq, 1, fill))
        order.fresh = False
        if order.immediate and order.order_id in self._store.working:
            keyed.append((len(points), seq, 2, self.cancel_immediate(order)))

    def _slip(self, order: SimOrder, price: int, bar_range: int | None) -> int:
        """Slippage against the order, never past its own limit price."""
        pp = self._pp
        rng = None if bar_range is None else Price.from_raw(bar_range, pp)
        moved = self._config.slippage.slip(
            Price.from_raw(price, pp), order.side, self._scheme(), rng
        )
        slipped = moved.raw_at(pp)
        limit = order.price
        if limit is not None:
            slipped = min(slipped, limit) if order.is_buy else max(slipped, limit)
        return slipped

    # ---- books --------------------------------------------------------------------------------
    def on_book(
        self, orders: list[SimOrder], asks: Ladder, bids: Ladder, results: list[MatchResult]
    ) -> None:
        """Stops trigger on the best opposite price; then buys walk the asks and sells the
        bids, each side in price-time priority (`jts.matching.book_walk`)."""
        for order in orders:
            if order.awaits_trigger and book_triggers(order, asks, bids):
                order.triggered = True
                order.fresh = True
                results.append(Triggered(order.order_id))
        working = [o for o in orders if not o.awaits_trigger]
        for buy, ladder in ((True, asks), (False, bids)):
            side = sorted((o for o in working if o.is_buy is buy), key=book_priority)
            for order in side:
                self._walk(order, ladder, results)
        for order in orders:
            order.fresh = False
            if order.immediate and order.order_id in self._store.working:
                results.append(self.cancel_immediate(order))

    def _walk(self, order: SimOrder, ladder: Ladder, results: list[MatchResult]) -> None:
        """Take liquidity up to the order's limit (and the daily limit): a fresh order at the
        levels' prices, a resting one at its own limit (the crossing flow hit it there)."""
        buy = order.is_buy
        bounds = self.limit_raw
        bound = order.price
        if bounds is not None:
            limit = bounds[1] if buy else bounds[0]
            bound = limit if bound is None else (min(bound, limit) if buy else max(bound, limit))
        leaves = order.leaves
        if order.time_in_force is TimeInForce.FOK and ladder.available(bound) < leaves:
            return
        taken = ladder.take(leaves, bound)
        if not taken:
            return
        if order.is_market or order.fresh:
            for price, qty in taken:
                results.append(self.record(order, price, qty, LiquiditySide.TAKER))
            return
        assert order.price is not None
        qty = sum(part for _, part in taken)
        results.append(self.record(order, order.price, qty, LiquiditySide.MAKER))

    # ---- bookkeeping --------------------------------------------------------------------------
    def record(self, order: SimOrder, price: int, qty: int, liquidity: LiquiditySide) -> Filled:
        """Book a fill (its price clipped to the day's limits); a filled order closes."""
        bounds = self.limit_raw
        if bounds is not None:
            lower, upper = bounds
            price = lower if price < lower else (upper if price > upper else price)
        order.filled += qty
        leaves = order.quantity - order.filled
        if leaves == 0:
            self._store.close(order, "filled")
        # the engine's own integers (a price, a positive quantity): made without the checks of
        # `from_raw`, which they pass by construction
        pp, sp = self._pp, self._sp
        fill_px = _new(Price)
        _set_raw(fill_px, price)
        _set_precision(fill_px, pp)
        fill_qty = _new(Quantity)
        _set_raw(fill_qty, qty)
        _set_precision(fill_qty, sp)
        return Filled(
            order.order_id,
            fill_px,
            fill_qty,
            Quantity.zero(sp) if leaves == 0 else Quantity.from_raw(leaves, sp),
            liquidity,
        )

    def cancel_immediate(self, order: SimOrder) -> Canceled:
        """End an IOC/FOK order after its first data point."""
        self._store.close(order, "canceled")
        tif = order.time_in_force.value
        if order.filled:
            return Canceled(order.order_id, f"{tif}: the unfilled remainder was canceled")
        return Canceled(order.order_id, f"{tif}: nothing could be filled on arrival")
