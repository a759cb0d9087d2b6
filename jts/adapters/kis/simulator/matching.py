"""The resting-order book behind the simulator, backed by the shared matching engine.

Issue 5 §2: the simulator reuses the simulated venue's matching, so a resting limit order fills
in the simulator exactly when (and at the price) `jts.matching.engine.MatchingEngine` fills it
in a backtest: on a print that trades *through* its limit (buy: print < limit, sell:
print > limit; ``fill_on_touch`` also fills at print == limit), at the order's own limit (a
resting order is a maker), never outside the day's price limits.

What the wrapper adds, and why it is not the engine's:

- **A print's volume is shared.** The engine caps each order by a trade's size on its own
  (a backtest's participation cap); the simulator has always shared one print's volume among
  all resting orders in price-time priority (best price first, then time; buys before sells),
  and clients see that in their fill notices. So each resting order has its own engine, and
  `EngineBook.match_print` offers a print to them in priority order with the volume that is
  still left, stopping a side at the first order that does not fill.
- **Orders enter as resting.** The venue has already filled whatever was marketable at the best
  opposite price (its synthetic book is deep); what it hands here is not marketable. The engine
  gives a *fresh* order that meets a print through its limit the print's price (price
  improvement), so every new order first meets an empty book snapshot: it has seen the market,
  and from then on fills at its own limit, as the simulator's notices always reported.
- **The venue owns time in force.** Orders are held GTC in the engine: the venue expires DAY
  orders when the KST date changes, because it must also release their reserved cash and
  shares.

Only plain limits reach the engine (`OrderType.LIMIT`): the venue prices every resting kind
(00, 02 and 04) at a limit first, fills market, best-price and IOC/FOK kinds itself, and keeps
off-hours kinds (05-07) off the book.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, Protocol

from jts.core.clock import Clock
from jts.core.errors import InvalidInputError, StateError
from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.identifiers import TradeId
from jts.domain.instruments import Instrument
from jts.domain.market_data import AggressorSide, OrderBookSnapshot, TradeTick
from jts.domain.values import Price, Quantity
from jts.matching.engine import MatchingEngine
from jts.matching.models import MatchingConfig, ParticipationCap
from jts.matching.orders import OrderRequest
from jts.matching.results import Accepted, Filled, MatchResult, Rejected, Updated

__all__ = [
    "BookSide",
    "EngineBook",
    "MatchFill",
    "RestingBook",
    "RestingOrderError",
    "UnexpectedMatchResultError",
]

BookSide = Literal["buy", "sell"]

#: Each order may take the whole of what is left of a print: the volume is shared by the book.
_WHOLE_PRINT: Final = ParticipationCap(Decimal(1))


class RestingOrderError(InvalidInputError):
    """An order the book cannot hold: bad price or quantity, a duplicate id, or one the engine
    refused (the venue checks first, so this names a disagreement between the two)."""


class UnexpectedMatchResultError(StateError):
    """The engine answered something a GTC limit cannot produce (an expiry, a cancel)."""


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
class _Resting:
    key: tuple[int, int]  # (sort price, sequence): best first
    order_id: str
    side: BookSide
    engine: MatchingEngine


class EngineBook:
    """One symbol's resting orders, each matched by its own `MatchingEngine` (see the module
    docstring). ``clock`` stamps the requests and prints the engines see; ``base_price`` gives
    today's base price (기준가), so the engines check and clip against the same daily limits
    as the venue. Whole won and whole shares only (KRX equities)."""

    def __init__(
        self,
        instrument: Instrument,
        clock: Clock,
        *,
        fill_on_touch: bool = False,
        base_price: Callable[[], int] | None = None,
    ) -> None:
        self._instrument = instrument
        self._clock = clock
        self._config = MatchingConfig(fill_on_touch=fill_on_touch, participation=_WHOLE_PRINT)
        self._base_price = base_price
        self._buys: list[_Resting] = []  # sorted by (-price, seq)
        self._sells: list[_Resting] = []  # sorted by (price, seq)
        self._by_id: dict[str, _Resting] = {}
        self._seq = 0
        self._trades = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, order_id: str, side: BookSide, price: int, qty: int) -> None:
        if qty <= 0 or price <= 0:
            raise RestingOrderError(
                f"resting order {order_id} needs a positive price and quantity, "
                f"got price {price} and quantity {qty}"
            )
        if order_id in self._by_id:
            raise RestingOrderError(f"order {order_id} is already on the book")
        engine = MatchingEngine(self._instrument, self._config)
        if self._base_price is not None:
            engine.set_base_price(Price(self._base_price()))
        now = self._clock.timestamp_ns()
        request = OrderRequest(
            order_id=order_id,
            side=OrderSide.BUY if side == "buy" else OrderSide.SELL,
            order_type=OrderType.LIMIT,
            quantity=Quantity(qty),
            price=Price(price),
            time_in_force=TimeInForce.GTC,
        )
        results = engine.submit(request, now)
        for result in results:
            if isinstance(result, Rejected):
                raise RestingOrderError(
                    f"the matching engine refused order {order_id}: {result.reason}"
                )
        self._expect(results, Accepted)
        # the order has met the market (an empty book: nothing marketable is handed here), so
        # from now on it rests and fills at its own limit
        empty = OrderBookSnapshot(
            instrument_id=self._instrument.id,
            bids=(),
            asks=(),
            sequence=0,
            ts_event=now,
            ts_init=now,
        )
        self._expect(engine.process_book(empty))
        self._seq += 1
        entry = _Resting((-price if side == "buy" else price, self._seq), order_id, side, engine)
        bisect.insort(self._queue(side), entry, key=lambda e: e.key)
        self._by_id[order_id] = entry

    def remove(self, order_id: str) -> int:
        entry = self._by_id.pop(order_id, None)
        if entry is None:
            return 0
        self._queue(entry.side).remove(entry)
        working = entry.engine.order(order_id)
        return 0 if working is None else working.leaves

    def reduce(self, order_id: str, qty: int) -> None:
        entry = self._by_id.get(order_id)
        if entry is None:
            return
        working = entry.engine.order(order_id)
        if working is None or qty >= working.leaves:
            self.remove(order_id)
            return
        total = Quantity(working.quantity - qty)
        results = entry.engine.modify(order_id, self._clock.timestamp_ns(), quantity=total)
        self._expect(results, Updated)

    def match_print(self, price: int, volume: int) -> list[MatchFill]:
        fills: list[MatchFill] = []
        left = volume
        now = self._clock.timestamp_ns()
        for queue in (self._buys, self._sells):
            for entry in list(queue):
                if left <= 0:
                    return fills
                filled = self._offer(entry, price, left, now, fills)
                if not filled:
                    break  # worse prices on this side cannot fill either
                left -= filled
        return fills

    # ---- internals ------------------------------------------------------------------------------
    def _queue(self, side: BookSide) -> list[_Resting]:
        return self._buys if side == "buy" else self._sells

    def _offer(
        self, entry: _Resting, price: int, volume: int, now: int, fills: list[MatchFill]
    ) -> int:
        """Show one order's engine a print of ``volume`` shares; the shares it took."""
        self._trades += 1
        tick = TradeTick(
            instrument_id=self._instrument.id,
            price=Price(price),
            size=Quantity(volume),
            aggressor_side=AggressorSide.NO_AGGRESSOR,
            trade_id=TradeId(f"SIM-{self._trades}"),
            ts_event=now,
            ts_init=now,
        )
        taken = 0
        for result in entry.engine.process_trade_tick(tick):
            if not isinstance(result, Filled):
                raise UnexpectedMatchResultError(
                    f"order {entry.order_id}: the matching engine answered {result!r} to a print"
                )
            qty = result.quantity.raw_at(0)
            fills.append(MatchFill(entry.order_id, qty, result.price.raw_at(0)))
            taken += qty
            if not result.leaves.is_positive():
                self._by_id.pop(entry.order_id)
                self._queue(entry.side).remove(entry)
        return taken

    @staticmethod
    def _expect(results: Sequence[MatchResult], *kinds: type[MatchResult]) -> None:
        """The engine answered exactly ``kinds`` (nothing else can happen to a GTC limit)."""
        got = tuple(type(r) for r in results)
        if got != kinds:
            raise UnexpectedMatchResultError(
                f"the matching engine answered {list(results)!r}, expected "
                f"{[k.__name__ for k in kinds]}"
            )
