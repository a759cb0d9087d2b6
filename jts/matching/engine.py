"""The matching engine: one instrument's simulated orders against its market data.

Pure and synchronous: the owner (the backtest venue, the KIS simulator) submits, modifies and
cancels orders, feeds bars, trade ticks and book snapshots in time order, and gets back plain
`jts.matching.results` records. Nothing here knows about events, accounts or the kernel, and
the same inputs always give the same outputs.

Rules (details in `jts.matching.paths`, `jts.matching.sessions`, `jts.matching.book_walk`):

- **Checks on entry.** Order types the engine cannot match, off-grid quantities, limit and
  trigger prices off the day's tick grid or beyond its daily limits, and GTD times already
  past are rejected with the instrument's own messages.
- **Arrival.** A request reaches the engine ``latency`` after it was made and takes part only
  in data not older than that. A new order with no latency meets the current data at once
  where that is meaningful: a market order fills at the current bar's close in close fill
  mode, any order walks the current book snapshot.
- **Base price and limits.** The day's base price is the previous session's last regular
  price seen in the data (or `set_base_price`); from it the daily limits bound every order
  price and clip every fill price.
- **Priority.** Orders are kept in time priority; book liquidity is shared in price-time
  priority; within one bar the results come in the order the path reaches them.
- **Cost of idle data.** With no working order, data only updates a few fields: the venue
  calls the engine for every data point of a million-bar backtest.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from jts.core.errors import InvalidInputError, JtsError
from jts.domain.enums import TimeInForce
from jts.domain.identifiers import KRX, NXT
from jts.domain.instruments import Instrument, InstrumentKind
from jts.domain.market_data import Bar, BarType, OrderBookSnapshot, TradeTick
from jts.domain.price_limits import PriceLimits
from jts.domain.tick_rules import TickScheme
from jts.domain.values import MAX_PRECISION, Price, Quantity
from jts.matching.book_walk import Ladder
from jts.matching.checks import OrderChecks
from jts.matching.fills import FillMaker, Keyed
from jts.matching.models import FillMode, MatchingConfig
from jts.matching.orders import OrderRequest, OrderStore, SimOrder, quiet_band
from jts.matching.paths import bar_path
from jts.matching.results import (
    Accepted,
    Canceled,
    CancelRejected,
    Expired,
    MatchResult,
    ModifyRejected,
    Rejected,
    Updated,
)
from jts.matching.sessions import SessionRules, TickPhase, TradingDay
from jts.ports.calendar import TradingCalendar

__all__ = ["MatchingEngine", "MatchingInputError", "has_daily_limits"]

_NO_RESULTS: Final[tuple[MatchResult, ...]] = ()
#: Kinds whose daily limits are their own ±30 % (`Instrument.daily_limits` refuses the rest).
_LIMITED_KINDS: Final = frozenset({InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN})
_BAR, _TICK, _BOOK = 1, 2, 3
_POW10: Final[tuple[int, ...]] = tuple(10**i for i in range(MAX_PRECISION + 1))


class MatchingInputError(InvalidInputError):
    """Data the engine cannot match on: another instrument, a second bar type, finer prices."""


def has_daily_limits(instrument: Instrument) -> bool:
    """KRX-listed stocks, ETFs and ETNs have daily limits; crypto and ELWs have none here."""
    return instrument.venue in (KRX, NXT) and instrument.kind in _LIMITED_KINDS


@dataclass(slots=True)
class _Request:
    """A modify or cancel on its way to the engine."""

    arrival_ns: int
    seq: int
    order_id: str
    cancel: bool
    quantity: Quantity | None = None
    price: Price | None = None
    trigger_price: Price | None = None


class MatchingEngine:
    """Matching for one instrument (see the module docstring)."""

    def __init__(
        self,
        instrument: Instrument,
        config: MatchingConfig | None = None,
        calendar: TradingCalendar | None = None,
        *,
        rules: SessionRules | None = None,
    ) -> None:
        """``rules`` shares session answers with other engines of the same calendar (a
        venue's); by default the engine makes its own from ``calendar``."""
        if rules is not None and rules.calendar is not calendar:
            raise InvalidInputError("the session rules given are for another calendar")
        self._instrument = instrument
        self._config = config or MatchingConfig()
        self._rules = rules if rules is not None else SessionRules(calendar)
        self._pp = instrument.price_precision
        self._sp = instrument.size_precision
        self._lot = instrument.lot_size.raw_at(self._sp)
        self._limited = has_daily_limits(instrument)
        self._checks = OrderChecks(instrument, self._rules, limited=self._limited)
        self._close_mode = self._config.fill is FillMode.CLOSE
        self._day: TradingDay | None = None
        self._day_end_ns = -1
        self._regular_end_ns = -1
        self._last_regular: Price | None = None
        self._base: Price | None = None
        self._limits: PriceLimits | None = None
        self._limits_stale = False  # the day rolled with no order working: not computed yet
        self._scheme: TickScheme | None = None
        self._store = OrderStore()
        self._orders = self._store.working
        self._fills = FillMaker(
            self._store,
            self._config,
            price_precision=self._pp,
            size_precision=self._sp,
            scheme=self._tick_scheme,
        )
        self._requests: list[_Request] = []
        self._band: tuple[int, int] | None = None
        self._band_known = False
        self._bar_type: BarType | None = None
        self._interval = 0
        self._bar: Bar | None = None
        self._bar_start = 0
        self._last_trade_ns: int | None = None
        self._book: OrderBookSnapshot | None = None
        self._book_ladders: tuple[Ladder, Ladder] | None = None
        self._last_kind = 0

    # ---- state --------------------------------------------------------------------------------
    @property
    def instrument(self) -> Instrument:
        return self._instrument

    @property
    def config(self) -> MatchingConfig:
        return self._config

    @property
    def base_price(self) -> Price | None:
        """The day's base price (기준가): the previous session's close, or as set."""
        return self._base

    @property
    def limits(self) -> PriceLimits | None:
        """The day's daily price limits; None before a base price is known or without limits."""
        if self._limits_stale:
            self._set_limits()
        return self._limits

    @property
    def has_orders(self) -> bool:
        return bool(self._orders)

    def order(self, order_id: str) -> SimOrder | None:
        """The working order (read it, do not change it); None once it is closed."""
        return self._orders.get(order_id)

    def order_ids(self) -> list[str]:
        """Working orders in time priority."""
        return list(self._orders)

    def set_base_price(self, price: Price) -> None:
        """Fix the day's base price (e.g. the limits a broker reported); the next session's
        base is again the last close seen."""
        self._base = price
        if self._day is not None:
            self._set_limits()

    # ---- requests -----------------------------------------------------------------------------
    def submit(self, request: OrderRequest, now_ns: int) -> Sequence[MatchResult]:
        """Check and accept (or reject) a new order; fills it at once where the current data
        allows (see the module docstring)."""
        order_id = request.order_id
        self._band_known = False  # `_changed`, inlined: this runs for every order
        if now_ns >= self._day_end_ns:
            self._roll_day(now_ns)  # a new day before this instrument's first data of it
        if self._limits_stale:
            self._set_limits()  # the order may fill at once: its fills are clipped to them
        if self._store.is_known(order_id):
            reason: str | None = f"{self._instrument.id}: order id {order_id} is already in use"
        else:
            reason = self._checks.new_order(
                request, now_ns, self._base, self._last_regular, self._day
            )
            if reason is not None:
                self._store.reject(order_id)
        if reason is not None:
            return [Rejected(order_id, reason)]
        tif = request.time_in_force
        if tif is TimeInForce.DAY:
            expire_ns: int | None = self._rules.day_order_expiry(now_ns, self._day)
        else:
            expire_ns = request.expire_time_ns if tif is TimeInForce.GTD else None
        pp = self._pp
        order = SimOrder(
            order_id=order_id,
            side=request.side,
            order_type=request.order_type,
            quantity=request.quantity.raw_at(self._sp),
            price=None if request.price is None else request.price.raw_at(pp),
            trigger=None if request.trigger_price is None else request.trigger_price.raw_at(pp),
            time_in_force=tif,
            expire_ns=expire_ns,
            arrival_ns=now_ns + self._config.latency.delay_ns(),
            seq=self._store.next_seq(),
        )
        self._store.add(order)
        results: list[MatchResult] = [Accepted(order_id)]
        if order.arrival_ns <= now_ns:
            self._on_arrival(order, results)
        return results

    def cancel(self, order_id: str, now_ns: int) -> Sequence[MatchResult]:
        """Cancel the rest of an order; answered when the request arrives."""
        return self._enqueue(_Request(0, 0, order_id, True), now_ns)

    def modify(
        self,
        order_id: str,
        now_ns: int,
        *,
        quantity: Quantity | None = None,
        price: Price | None = None,
        trigger_price: Price | None = None,
    ) -> Sequence[MatchResult]:
        """Change an order (``quantity`` is the new total); answered when the request arrives.
        A new price or a larger quantity loses time priority, a smaller quantity keeps it (as
        at KRX, where a price change is a new order)."""
        request = _Request(0, 0, order_id, False, quantity, price, trigger_price)
        return self._enqueue(request, now_ns)

    def process_time(self, ts_ns: int) -> Sequence[MatchResult]:
        """Deliver requests that have arrived and expire orders due by ``ts_ns``; call it after
        the data stamped at or before ``ts_ns`` (e.g. at each session close)."""
        if not (self._orders or self._requests):
            return _NO_RESULTS
        self._changed()
        results: list[MatchResult] = []
        self._apply_requests(ts_ns, results)
        self._expire(ts_ns, results, inclusive=True)
        return results

    def _enqueue(self, request: _Request, now_ns: int) -> Sequence[MatchResult]:
        self._changed()
        if now_ns >= self._day_end_ns:
            self._roll_day(now_ns)
        request.seq = self._store.next_seq()
        request.arrival_ns = now_ns + self._config.latency.delay_ns()
        bisect.insort(self._requests, request, key=lambda r: (r.arrival_ns, r.seq))
        if request.arrival_ns > now_ns:
            return _NO_RESULTS
        results: list[MatchResult] = []
        self._apply_requests(now_ns, results)
        return results

    # ---- data ---------------------------------------------------------------------------------
    def process_bar(self, bar: Bar) -> Sequence[MatchResult]:
        """Match working orders against a bar (its ``ts_event`` is the bar's close time)."""
        end = bar.ts_event
        if end >= self._day_end_ns:
            self._roll_day(end)
        if bar.bar_type is not self._bar_type:
            self._check_bar_type(bar.bar_type)
        if end <= self._regular_end_ns:
            self._last_regular = bar.close
        previous = self._last_trade_ns
        self._last_trade_ns = end
        if self._interval:
            self._bar_start = end - self._interval
        else:
            self._bar_start = end if previous is None else previous
        self._bar = bar
        self._last_kind = _BAR
        if self._orders or self._requests:
            if not self._requests and self._store.next_expiry_ns > end:
                band = self._band if self._band_known else self._quiet_band()
                if (
                    band is not None
                    and band[0] < self._raw(bar.low)
                    and self._raw(bar.high) < band[1]
                ):
                    return _NO_RESULTS  # no working order is within the bar's range
            return self._match_bar(bar, previous)
        return _NO_RESULTS

    def process_trade_tick(self, tick: TradeTick) -> Sequence[MatchResult]:
        """Match working orders against one trade (price and size)."""
        ts = tick.ts_event
        if ts >= self._day_end_ns:
            self._roll_day(ts)
        if tick.instrument_id != self._instrument.id:
            raise self._wrong_instrument(tick.instrument_id)
        if ts <= self._regular_end_ns:
            self._last_regular = tick.price
        previous = self._last_trade_ns
        self._last_trade_ns = ts
        self._last_kind = _TICK
        if self._orders or self._requests:
            if not self._requests and self._store.next_expiry_ns > ts:
                band = self._band if self._band_known else self._quiet_band()
                if band is not None and band[0] < self._raw(tick.price) < band[1]:
                    return _NO_RESULTS
            return self._match_tick(tick, previous)
        return _NO_RESULTS

    def process_book(self, snapshot: OrderBookSnapshot) -> Sequence[MatchResult]:
        """Match working orders against a book snapshot by walking the opposite side."""
        ts = snapshot.ts_event
        if ts >= self._day_end_ns:
            self._roll_day(ts)
        if snapshot.instrument_id != self._instrument.id:
            raise self._wrong_instrument(snapshot.instrument_id)
        self._book = snapshot
        self._book_ladders = None
        self._last_kind = _BOOK
        if not (self._orders or self._requests):
            return _NO_RESULTS
        self._changed()
        results: list[MatchResult] = []
        self._apply_requests(ts, results)
        self._expire(ts, results, inclusive=False)
        day = self._day
        assert day is not None
        if self._orders and self._rules.book_tradable(day, ts):
            arrived = [o for o in self._orders.values() if o.arrival_ns <= ts]
            self._fills.on_book(arrived, *self._ladders(snapshot), results)
        self._expire(ts, results, inclusive=True)
        return results

    def _wrong_instrument(self, instrument_id: object) -> MatchingInputError:
        return MatchingInputError(
            f"data for {instrument_id} sent to the matching engine of {self._instrument.id}"
        )

    def _check_bar_type(self, bar_type: BarType) -> None:
        known = self._bar_type
        if known is None:
            if bar_type.instrument_id != self._instrument.id:
                raise self._wrong_instrument(bar_type.instrument_id)
            spec = bar_type.spec
            self._interval = spec.interval_ns() if spec.is_time_aggregated else 0
        elif bar_type != known:
            raise MatchingInputError(
                f"the matching engine of {self._instrument.id} matches on {known} bars and "
                f"got a {bar_type} bar: feed one bar type per instrument to the venue"
            )
        self._bar_type = bar_type

    def _roll_day(self, ts_ns: int) -> None:
        """A new KST day: yesterday's last regular price becomes the base price."""
        previous_close = self._last_regular
        day = self._rules.day_of(ts_ns)
        self._day = day
        self._day_end_ns = day.end_ns
        self._regular_end_ns = day.regular_end_ns
        self._last_regular = None
        self._scheme = None
        if previous_close is not None:
            self._base = previous_close
        if self._orders or self._requests:
            self._set_limits()
        else:  # computed when an order arrives: most days of a long backtest have none
            self._limits_stale = True
            self._limits = None
            self._fills.limit_raw = None

    def _set_limits(self) -> None:
        self._limits_stale = False
        day = self._day
        limits = None if day is None else self._checks.limits(day.date, self._base)
        self._limits = limits
        self._fills.limit_raw = (
            None
            if limits is None
            else (limits.lower.raw_at(self._pp), limits.upper.raw_at(self._pp))
        )

    def _tick_scheme(self) -> TickScheme:
        if self._scheme is None:
            day = self._day
            if day is None:
                raise JtsError(f"{self._instrument.id}: no trading day before the first data")
            self._scheme = self._checks.scheme(day.date)
        return self._scheme

    # ---- conversions --------------------------------------------------------------------------
    def _raw(self, price: Price) -> int:
        return price.raw if price.precision == self._pp else price.raw_at(self._pp)

    def _size_raw(self, size: Quantity) -> int:
        """A traded size at the instrument's precision, finer digits dropped (a volume)."""
        prec = size.precision
        if prec <= self._sp:
            return size.raw * _POW10[self._sp - prec]
        return size.raw // _POW10[prec - self._sp]

    def _quiet_band(self) -> tuple[int, int] | None:
        """`quiet_band` of the working orders, kept until anything may change them: every
        path that can change an order (`_changed`) forgets it."""
        self._band = quiet_band(self._orders.values())
        self._band_known = True
        return self._band

    def _changed(self) -> None:
        self._band_known = False

    def _cap(self, size: Quantity) -> int | None:
        participation = self._config.participation
        if participation is None:
            return None
        return participation.cap(self._size_raw(size), self._lot)

    # ---- bars ---------------------------------------------------------------------------------
    def _match_bar(self, bar: Bar, previous_end: int | None) -> list[MatchResult]:
        self._band_known = False  # `_changed`, inlined
        results: list[MatchResult] = []
        start, end = self._bar_start, bar.ts_event
        day = self._day
        assert day is not None
        window = self._rules.bar_window(day, start, end, previous_end)
        if self._requests:
            self._apply_requests(end if window is None else window.first_ns, results)
        store = self._store
        if store.next_expiry_ns <= start:  # `_expire` has something to do
            self._expire(start, results, inclusive=True)
        if window is not None and self._orders:
            pp = self._pp
            bo, bh, bl, bc = bar.open, bar.high, bar.low, bar.close
            if (
                bo.precision == pp
                and bh.precision == pp
                and bl.precision == pp
                and bc.precision == pp
            ):
                o, h, low, c = bo.raw, bh.raw, bl.raw, bc.raw
            else:
                raw = self._raw
                o, h, low, c = raw(bo), raw(bh), raw(bl), raw(bc)
            cap = None if self._config.participation is None else self._cap(bar.volume)
            close_mode = self._close_mode
            keyed: Keyed = []
            for order in list(self._orders.values()):
                if _out_of_reach(order, h, low):
                    continue
                arrival = order.arrival_ns
                if arrival <= window.first_ns:
                    if window.close_only:
                        points: tuple[int, ...] = (c,)
                        auction: tuple[bool, ...] = (True,)
                    else:
                        points = bar_path(order.is_buy, o, h, low, c)
                        auction = (window.open_auction, False, False, window.close_auction)
                elif close_mode and not window.close_only and arrival <= end:
                    points, auction = (c,), (window.close_auction,)
                else:
                    continue
                self._fills.on_path(
                    order, points, auction, keyed, at_close=close_mode, cap=cap, bar_range=h - low
                )
            if len(keyed) > 1:
                keyed.sort(key=lambda item: item[:3])
            results.extend([item[3] for item in keyed])
        if self._requests:
            self._apply_requests(end, results)
        if store.next_expiry_ns <= end:
            self._expire(end, results, inclusive=True)
        return results

    def _on_arrival(self, order: SimOrder, results: list[MatchResult]) -> None:
        """An order (or its new terms) reached the engine: meet the current data if it is not
        older than the arrival."""
        day = self._day
        if day is None:
            return
        arrival = order.arrival_ns
        book, bar = self._book, self._bar
        if self._last_kind == _BOOK and book is not None and book.ts_event >= arrival:
            if self._rules.book_tradable(day, book.ts_event):
                self._fills.on_book([order], *self._ladders(book), results)
        elif self._close_mode and self._last_kind == _BAR and bar is not None:
            end = bar.ts_event
            window = self._rules.bar_window(day, self._bar_start, end, None)
            if end >= arrival and window is not None:
                close = self._raw(bar.close)
                keyed: Keyed = []
                bar_range = self._raw(bar.high) - self._raw(bar.low)
                cap = self._cap(bar.volume)
                auction = (window.close_auction,)
                self._fills.on_path(
                    order, (close,), auction, keyed, at_close=True, cap=cap, bar_range=bar_range
                )
                results.extend(item[3] for item in keyed)

    # ---- ticks --------------------------------------------------------------------------------
    def _match_tick(self, tick: TradeTick, previous: int | None) -> list[MatchResult]:
        self._changed()
        results: list[MatchResult] = []
        ts = tick.ts_event
        day = self._day
        assert day is not None
        phase = self._rules.tick_phase(day, ts, previous)
        expiry_ts = ts
        if phase is TickPhase.CLOSING_AUCTION and day.session is not None:
            expiry_ts = min(ts, day.session.close_ns)  # a late-stamped print is the close
        self._apply_requests(ts, results)
        self._expire(expiry_ts, results, inclusive=False)
        if phase is not None and self._orders:
            price = (self._raw(tick.price),)
            auction = (phase is not TickPhase.CONTINUOUS,)
            cap = self._cap(tick.size)
            keyed: Keyed = []
            for order in list(self._orders.values()):
                if order.arrival_ns <= ts:
                    self._fills.on_path(
                        order, price, auction, keyed, at_close=False, cap=cap, bar_range=None
                    )
            results.extend(item[3] for item in keyed)
        self._expire(expiry_ts, results, inclusive=True)
        return results

    # ---- books --------------------------------------------------------------------------------
    def _ladders(self, snapshot: OrderBookSnapshot) -> tuple[Ladder, Ladder]:
        """The snapshot's asks and bids as liquidity our orders share until the next one."""
        ladders = self._book_ladders
        if ladders is None:
            raw, size = self._raw, self._size_raw
            asks = Ladder(((raw(x.price), size(x.size)) for x in snapshot.asks), buyer=True)
            bids = Ladder(((raw(x.price), size(x.size)) for x in snapshot.bids), buyer=False)
            ladders = self._book_ladders = (asks, bids)
        return ladders

    # ---- modify, cancel, expiry ---------------------------------------------------------------
    def _apply_requests(self, ts_ns: int, results: list[MatchResult]) -> None:
        requests = self._requests
        while requests and requests[0].arrival_ns <= ts_ns:
            request = requests.pop(0)
            if request.cancel:
                self._apply_cancel(request.order_id, results)
            else:
                self._apply_modify(request, results)

    def _apply_cancel(self, order_id: str, results: list[MatchResult]) -> None:
        order = self._orders.get(order_id)
        if order is None:
            results.append(CancelRejected(order_id, self._store.why_closed(order_id)))
            return
        self._store.close(order, "canceled")
        results.append(Canceled(order_id, "canceled on request"))

    def _apply_modify(self, request: _Request, results: list[MatchResult]) -> None:
        order_id = request.order_id
        order = self._orders.get(order_id)
        if order is None:
            results.append(ModifyRejected(order_id, self._store.why_closed(order_id)))
            return
        reason = self._checks.modify(
            order,
            request.arrival_ns,
            self._base,
            self._last_regular,
            self._day,
            quantity=request.quantity,
            price=request.price,
            trigger_price=request.trigger_price,
        )
        if reason is not None:
            results.append(ModifyRejected(order_id, reason))
            return
        pp, sp = self._pp, self._sp
        quantity = order.quantity if request.quantity is None else request.quantity.raw_at(sp)
        price = order.price if request.price is None else request.price.raw_at(pp)
        trigger = order.trigger
        if request.trigger_price is not None:
            trigger = request.trigger_price.raw_at(pp)
        repriced = price != order.price or trigger != order.trigger
        loses_priority = quantity > order.quantity or repriced
        order.quantity, order.price, order.trigger = quantity, price, trigger
        order.arrival_ns = request.arrival_ns
        if loses_priority:
            self._store.requeue(order)
        results.append(
            Updated(
                order_id,
                Quantity.from_raw(quantity, sp),
                None if price is None else Price.from_raw(price, pp),
                None if trigger is None else Price.from_raw(trigger, pp),
            )
        )
        if order.leaves == 0:
            self._store.close(order, "filled")
        elif repriced:
            order.fresh = True
            self._on_arrival(order, results)

    def _expire(self, ts_ns: int, results: list[MatchResult], *, inclusive: bool) -> None:
        """Expire orders whose time ran out by ``ts_ns`` (at it, when ``inclusive``)."""
        store = self._store
        due = store.next_expiry_ns
        if due > ts_ns or (due == ts_ns and not inclusive):
            return
        for order in store.due(ts_ns, inclusive=inclusive):
            store.close(order, "expired")
            results.append(Expired(order.order_id))


def _out_of_reach(order: SimOrder, high: int, low: int) -> bool:
    """A resting limit or waiting stop that a bar from ``low`` to ``high`` cannot reach: the
    common case of a resting order, decided without building its path."""
    if order.fresh or order.immediate:
        return False
    if order.awaits_trigger:
        trigger = order.trigger
        assert trigger is not None
        return high < trigger if order.is_buy else low > trigger
    price = order.price
    if price is None:
        return False  # a market order always reaches the market
    return low > price if order.is_buy else high < price
