"""The `Strategy` base class: subclass it, override the callbacks you need, trade with the
helpers. The same class runs in a backtest, against the paper simulator and live; it never
knows which, because everything it sees comes through its host kernel.

Callbacks are called on the kernel's single thread, in a fixed order, never re-entrantly: an
order submitted inside `on_bar` is acknowledged (`on_order_accepted` ...) after `on_bar`
returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from jts.core.clock import Clock, TimeEvent
from jts.core.errors import InvalidInputError, StateError
from jts.core.time import kst_date
from jts.domain.enums import OrderSide, OrderType, TimeInForce
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderRejected,
)
from jts.domain.events_position import (
    PositionChanged,
    PositionClosed,
    PositionEvent,
    PositionOpened,
)
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId
from jts.domain.instruments import Instrument
from jts.domain.market_data import (
    Bar,
    BarType,
    OrderBook,
    QuoteTick,
    TradeTick,
)
from jts.domain.orders import Order
from jts.domain.positions import Position
from jts.domain.signals import Signal, SignalDirection
from jts.domain.values import MAX_PRECISION, Price, Quantity
from jts.kernel.cache import Cache
from jts.kernel.strategy.host import StrategyHost
from jts.kernel.strategy.params import StrategyParams, validate_params

if TYPE_CHECKING:
    from jts.kernel.execution.algorithms.base import ExecAlgorithm

_Algo = TypeVar("_Algo", bound="ExecAlgorithm")

QtyLike = Quantity | int | str | Decimal
PriceLike = Price | int | str | Decimal


class Strategy:
    """Base class of every strategy. Declare parameters as a nested ``Params`` model."""

    Params: ClassVar[type[StrategyParams]] = StrategyParams

    def __init__(
        self,
        params: StrategyParams | Mapping[str, Any] | None = None,
        *,
        strategy_id: str | None = None,
        account_id: str | None = None,
        signal_only: bool = False,
    ) -> None:
        self.params: Any = validate_params(self.Params, params, type(self).__name__)
        self.id = StrategyId(strategy_id or f"{type(self).__name__}-001")
        self.account_id = AccountId(account_id) if account_id else None
        self.signal_only = signal_only
        self._host: StrategyHost | None = None
        # per bar type: the ``update`` of indicators fed the close alone (no argument list to
        # build), then the other indicators
        self._bar_indicators: dict[BarType, tuple[list[Any], list[Any]]] = {}
        self._virtual: dict[InstrumentId, Decimal] = {}
        self._order_handlers: dict[type, tuple[Callable[..., None], ...]] = {}
        self._position_handlers: dict[type, tuple[Callable[..., None], ...]] = {}
        self._position_kinds: frozenset[type[PositionEvent]] | None = None
        self.signals: list[Signal] = []

    # ---- wiring -------------------------------------------------------------------------------
    def bind(self, host: StrategyHost) -> None:
        if self._host is not None and self._host is not host:
            raise StateError(f"strategy {self.id} is already running in another kernel")
        self._host = host

    @property
    def host(self) -> StrategyHost:
        if self._host is None:
            raise StateError(f"strategy {self.id} is not added to a kernel yet")
        return self._host

    @property
    def clock(self) -> Clock:
        return self.host.clock

    @property
    def cache(self) -> Cache:
        return self.host.cache

    @property
    def portfolio(self) -> Any:
        return self.host.portfolio

    def now_ns(self) -> int:
        return self.host.clock.timestamp_ns()

    def today(self) -> dt.date:
        """The KST trading date of the clock."""
        return kst_date(self.now_ns())

    # ---- callbacks (override) -----------------------------------------------------------------
    def on_start(self) -> None:
        """Subscribe to data and set up indicators here."""

    def on_stop(self) -> None: ...

    def on_bar(self, bar: Bar) -> None: ...

    def on_trade_tick(self, tick: TradeTick) -> None: ...

    def on_quote(self, quote: QuoteTick) -> None: ...

    def on_order_book(self, book: OrderBook) -> None: ...

    def on_timer(self, event: TimeEvent) -> None: ...

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        """Every event of this strategy's orders; the specific callbacks below follow it."""

    def on_order_accepted(self, order: Order, event: OrderAccepted) -> None: ...

    def on_order_rejected(self, order: Order, event: OrderRejected) -> None: ...

    def on_order_denied(self, order: Order, event: OrderDenied) -> None: ...

    def on_order_filled(self, order: Order, event: OrderFilled) -> None: ...

    def on_order_canceled(self, order: Order, event: OrderCanceled) -> None: ...

    def on_order_expired(self, order: Order, event: OrderExpired) -> None: ...

    def on_position_opened(self, event: PositionOpened) -> None: ...

    def on_position_changed(self, event: PositionChanged) -> None: ...

    def on_position_closed(self, event: PositionClosed) -> None: ...

    def on_save(self) -> dict[str, Any]:
        """State to keep across a restart of a live node (JSON-compatible values)."""
        return {}

    def on_load(self, state: Mapping[str, Any]) -> None:
        """Restore what `on_save` returned, before `on_start`."""

    # ---- dispatch (called by the kernel) ------------------------------------------------------
    def handle_bar(self, bar: Bar) -> None:
        feeds = self._bar_indicators.get(bar.bar_type)
        if feeds is not None:
            on_close, others = feeds
            if on_close:
                price = bar.close
                close = price.raw / _POW10[price.precision]  # `as_float`, without the call
                for update in on_close:
                    update(close)
            for indicator in others:
                indicator.update(*_bar_inputs(indicator, bar))
        self.on_bar(bar)

    def handle_order_event(self, order: Order, event: OrderEvent) -> None:
        handlers = self._order_handlers.get(type(event))
        if handlers is None:
            handlers = self._order_handlers[type(event)] = self._handlers_for(
                ("on_order_event", _callback_of(type(event)))
            )
        for handler in handlers:
            handler(order, event)

    def handle_position_event(self, event: PositionEvent) -> None:
        handlers = self._position_handlers.get(type(event))
        if handlers is None:
            handlers = self._position_handlers[type(event)] = self._handlers_for(
                (_callback_of(type(event)),)
            )
        for handler in handlers:
            handler(event)

    def position_event_kinds(self) -> frozenset[type[PositionEvent]]:
        """The position event types this strategy has a callback for; the kernel builds a
        position event only when someone (this strategy, a listener, the bus) will see it."""
        found = self._position_kinds
        if found is None:
            kinds = []
            for kind in _POSITION_CALLBACKS:
                handlers = self._position_handlers.get(kind)
                if handlers is None:
                    handlers = self._position_handlers[kind] = self._handlers_for(
                        (_callback_of(kind),)
                    )
                if handlers:
                    kinds.append(kind)
            found = self._position_kinds = frozenset(kinds)
        return found

    def _handlers_for(self, names: tuple[str | None, ...]) -> tuple[Callable[..., None], ...]:
        """The callbacks among ``names`` that this strategy defines (a subclass method or an
        attribute set on the instance), bound. Looked up once per event type: a callback the
        base class leaves empty is never called, on each of the thousands of order events."""
        found = []
        for name in names:
            if name is None:
                continue
            if name in vars(self) or getattr(type(self), name) is not getattr(Strategy, name):
                found.append(getattr(self, name))
        return tuple(found)

    # ---- data subscriptions -------------------------------------------------------------------
    def subscribe_bars(self, bar_type: BarType | str) -> BarType:
        parsed = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
        self.host.subscribe_bars(self, parsed)
        return parsed

    def subscribe_trade_ticks(self, instrument_id: InstrumentId | str) -> None:
        self.host.subscribe_trade_ticks(self, InstrumentId(instrument_id))

    def subscribe_quotes(self, instrument_id: InstrumentId | str) -> None:
        self.host.subscribe_quotes(self, InstrumentId(instrument_id))

    def subscribe_order_book(self, instrument_id: InstrumentId | str, depth: int = 10) -> None:
        self.host.subscribe_order_book(self, InstrumentId(instrument_id), depth)

    def register_indicator(self, bar_type: BarType | str, indicator: Any) -> Any:
        """Feed ``indicator`` every bar of ``bar_type`` before `on_bar` sees the bar.

        Any object with ``update(...)`` and an ``inputs`` tuple of bar fields (``open``,
        ``high``, ``low``, ``close``, ``volume``, ``session``) works; `jts.indicators` does.
        """
        parsed = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
        inputs = tuple(getattr(indicator, "inputs", ("close",)))
        unknown = [name for name in inputs if name not in _FIELDS and name != "session"]
        if unknown:
            raise InvalidInputError(f"indicator inputs {unknown} cannot be taken from a bar")
        on_close, others = self._bar_indicators.setdefault(parsed, ([], []))
        if inputs == ("close",):  # the common case, fed without building an argument list
            on_close.append(indicator.update)
        else:
            others.append(indicator)
        return indicator

    # ---- timers -------------------------------------------------------------------------------
    def set_timer(
        self,
        name: str,
        interval_ns: int,
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call `on_timer` every ``interval_ns``; names are per strategy."""
        self.clock.set_timer(f"{self.id}:{name}", interval_ns, self._on_time, start_ns, stop_ns)

    def set_time_alert(self, name: str, alert_ns: int) -> None:
        self.clock.set_time_alert(f"{self.id}:{name}", alert_ns, self._on_time)

    def cancel_timer(self, name: str) -> None:
        self.clock.cancel_timer(f"{self.id}:{name}")

    def _on_time(self, event: TimeEvent) -> None:
        name = event.name.split(":", 1)[1] if ":" in event.name else event.name
        self.on_timer(TimeEvent(name, event.ts_event, event.ts_init))

    # ---- reads --------------------------------------------------------------------------------
    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        return self.cache.instrument(InstrumentId(instrument_id))

    def position(self, instrument_id: InstrumentId | str) -> Position | None:
        return self.host.portfolio.position(InstrumentId(instrument_id), self.id)

    def position_qty(self, instrument_id: InstrumentId | str) -> Decimal:
        """Signed quantity held (negative when short); 0 when flat."""
        iid = instrument_id if type(instrument_id) is InstrumentId else InstrumentId(instrument_id)
        if self.signal_only:
            return self._virtual.get(iid, Decimal(0))
        return self.host.portfolio.position_qty(iid, self.id)

    def is_flat(self, instrument_id: InstrumentId | str) -> bool:
        return self.position_qty(instrument_id) == 0

    def open_orders(self, instrument_id: InstrumentId | str | None = None) -> list[Order]:
        iid = InstrumentId(instrument_id) if instrument_id is not None else None
        return self.cache.open_orders(iid, self.id)

    def last_price(self, instrument_id: InstrumentId | str) -> Price | None:
        return self.cache.last_price(InstrumentId(instrument_id))

    # ---- orders -------------------------------------------------------------------------------
    def buy(
        self,
        instrument_id: InstrumentId | str,
        quantity: QtyLike,
        price: PriceLike | None = None,
        *,
        trigger_price: PriceLike | None = None,
        order_type: OrderType | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
        tags: Sequence[str] = (),
    ) -> ClientOrderId | None:
        """Buy: market without prices, limit with ``price``, stop with ``trigger_price``."""
        return self.submit(
            OrderSide.BUY, instrument_id, quantity, price,
            trigger_price=trigger_price, order_type=order_type,
            time_in_force=time_in_force, tags=tags,
        )  # fmt: skip

    def sell(
        self,
        instrument_id: InstrumentId | str,
        quantity: QtyLike,
        price: PriceLike | None = None,
        *,
        trigger_price: PriceLike | None = None,
        order_type: OrderType | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
        tags: Sequence[str] = (),
    ) -> ClientOrderId | None:
        return self.submit(
            OrderSide.SELL, instrument_id, quantity, price,
            trigger_price=trigger_price, order_type=order_type,
            time_in_force=time_in_force, tags=tags,
        )  # fmt: skip

    def submit(
        self,
        side: OrderSide,
        instrument_id: InstrumentId | str,
        quantity: QtyLike,
        price: PriceLike | None = None,
        *,
        trigger_price: PriceLike | None = None,
        order_type: OrderType | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
        expire_time_ns: int | None = None,
        tags: Sequence[str] = (),
    ) -> ClientOrderId | None:
        """Create and send an order; returns its id (None in signal-only mode)."""
        iid = instrument_id if type(instrument_id) is InstrumentId else InstrumentId(instrument_id)
        host = self.host
        instrument = host.cache.instrument(iid)
        qty = instrument.make_qty(quantity)
        px = instrument.make_price(price) if price is not None else None
        trigger = instrument.make_price(trigger_price) if trigger_price is not None else None
        if order_type is None:
            if trigger is not None:
                order_type = OrderType.STOP_LIMIT if px is not None else OrderType.STOP_MARKET
            else:
                order_type = OrderType.LIMIT if px is not None else OrderType.MARKET
        if self.signal_only:
            self._signal_for_order(iid, side, qty, order_type, px)
            return None
        now = host.clock.timestamp_ns()
        init = OrderInitialized(
            trader_id=host.trader_id,
            strategy_id=self.id,
            instrument_id=iid,
            client_order_id=host.next_client_order_id(),
            account_id=self.account_id,
            side=side,
            order_type=order_type,
            quantity=qty,
            price=px,
            trigger_price=trigger,
            time_in_force=time_in_force,
            expire_time_ns=expire_time_ns,
            tags=tuple(tags),
            ts_event=now,
            ts_init=now,
        )
        host.submit_order(init, self.account_id)
        return init.client_order_id

    def target_position(
        self, instrument_id: InstrumentId | str, target: QtyLike | int, *, tags: Sequence[str] = ()
    ) -> ClientOrderId | None:
        """Trade at market toward a signed target position, counting open orders as done."""
        iid = InstrumentId(instrument_id)
        goal = Decimal(str(target)) if not isinstance(target, Quantity) else target.as_decimal()
        pending = Decimal(0)
        for order in self.open_orders(iid):
            leaves = order.leaves_qty.as_decimal()
            pending += leaves if order.side is OrderSide.BUY else -leaves
        delta = goal - self.position_qty(iid) - pending
        if delta == 0:
            return None
        side = OrderSide.BUY if delta > 0 else OrderSide.SELL
        return self.submit(side, iid, abs(delta), tags=tags)

    def target_percent(
        self,
        instrument_id: InstrumentId | str,
        fraction: Decimal | str | int,
        *,
        price: PriceLike | None = None,
    ) -> ClientOrderId | None:
        """Hold ``fraction`` of equity in the instrument (rounded down to whole lots)."""
        iid = InstrumentId(instrument_id)
        instrument = self.cache.instrument(iid)
        share = Decimal(str(fraction))
        mark = instrument.make_price(price) if price is not None else self.last_price(iid)
        if mark is None or not mark.is_positive():
            raise InvalidInputError(f"target_percent needs a price for {iid}: none known yet")
        equity = self.host.portfolio.equity(self.account_id).as_decimal()
        lot = instrument.lot_size.as_decimal()
        lots = (equity * share / mark.as_decimal() / lot).to_integral_value(ROUND_FLOOR)
        target = lots * lot
        return self.target_position(iid, target.normalize() if target else 0)

    def modify_order(
        self,
        client_order_id: ClientOrderId,
        *,
        quantity: QtyLike | None = None,
        price: PriceLike | None = None,
        trigger_price: PriceLike | None = None,
    ) -> bool:
        order = self.cache.order(client_order_id)
        if order is None:
            return False
        instrument = self.cache.instrument(order.instrument_id)
        return self.host.modify_order(
            self,
            client_order_id,
            instrument.make_qty(quantity) if quantity is not None else None,
            instrument.make_price(price) if price is not None else None,
            instrument.make_price(trigger_price) if trigger_price is not None else None,
        )

    def cancel_order(self, client_order_id: ClientOrderId) -> bool:
        return self.host.cancel_order(self, client_order_id)

    def cancel_all_orders(
        self, instrument_id: InstrumentId | str | None = None, side: OrderSide | None = None
    ) -> int:
        iid = InstrumentId(instrument_id) if instrument_id is not None else None
        return self.host.cancel_all_orders(self, iid, side)

    def execute(self, algorithm: _Algo) -> _Algo:
        """Work a parent order with an execution algorithm (`jts.kernel.execution.algorithms`).

        The children are this strategy's orders: risk-checked under its limits, reported to
        its order callbacks, booked to its positions. Stop it with ``algorithm.cancel()``
        (cancelling its children one by one stops it too). In signal-only mode nothing is
        sent: the parent becomes one signal and the algorithm stays PENDING.
        """
        if self.signal_only:
            iid = algorithm.instrument_id
            qty = self.cache.instrument(iid).make_qty(algorithm.quantity)
            self._signal_for_order(iid, algorithm.side, qty, OrderType.MARKET, None)
            return algorithm
        return self.host.execute_algorithm(algorithm, self)

    def close_position(self, instrument_id: InstrumentId | str) -> ClientOrderId | None:
        """Cancel the instrument's open orders and trade the position to flat at market."""
        iid = InstrumentId(instrument_id)
        self.cancel_all_orders(iid)
        qty = self.position_qty(iid)
        if qty == 0:
            return None
        side = OrderSide.SELL if qty > 0 else OrderSide.BUY
        return self.submit(side, iid, abs(qty))

    def close_all(self) -> None:
        self.cancel_all_orders()
        held = (
            list(self._virtual)
            if self.signal_only
            else [
                p.instrument_id for p in self.host.portfolio.positions() if p.strategy_id == self.id
            ]
        )
        for instrument_id in held:
            self.close_position(instrument_id)

    # ---- signals ------------------------------------------------------------------------------
    def emit_signal(
        self,
        instrument_id: InstrumentId | str,
        direction: SignalDirection,
        strength: float = 1.0,
        reason: str = "",
    ) -> Signal:
        now = self.now_ns()
        signal = Signal(
            strategy_id=self.id,
            instrument_id=InstrumentId(instrument_id),
            direction=direction,
            strength=strength,
            reason=reason,
            ts_event=now,
            ts_init=now,
        )
        self.signals.append(signal)
        self.host.publish_signal(signal)
        return signal

    def _signal_for_order(
        self,
        iid: InstrumentId,
        side: OrderSide,
        qty: Quantity,
        order_type: OrderType,
        price: Price | None,
    ) -> None:
        signed = qty.as_decimal() if side is OrderSide.BUY else -qty.as_decimal()
        after = self._virtual.get(iid, Decimal(0)) + signed
        self._virtual[iid] = after
        direction = (
            SignalDirection.LONG
            if after > 0
            else SignalDirection.SHORT
            if after < 0
            else SignalDirection.FLAT
        )
        at = f" @ {price}" if price is not None else ""
        self.emit_signal(iid, direction, 1.0, f"{side.value} {qty} {order_type.value}{at}")


_FIELDS = {"open", "high", "low", "close", "volume"}
_POW10: Final = tuple(10**i for i in range(MAX_PRECISION + 1))

#: The specific callback of each event type (one lookup instead of a chain of isinstance).
_ORDER_CALLBACKS: dict[type, str] = {
    OrderFilled: "on_order_filled",
    OrderAccepted: "on_order_accepted",
    OrderRejected: "on_order_rejected",
    OrderDenied: "on_order_denied",
    OrderCanceled: "on_order_canceled",
    OrderExpired: "on_order_expired",
}
_POSITION_CALLBACKS: dict[type, str] = {
    PositionOpened: "on_position_opened",
    PositionChanged: "on_position_changed",
    PositionClosed: "on_position_closed",
}


def _callback_of(kind: type) -> str | None:
    """The specific callback of an event type, found as ``isinstance`` would (a subclass of
    an event type gets that type's callback); None for types without one."""
    for table in (_ORDER_CALLBACKS, _POSITION_CALLBACKS):
        for known, name in table.items():
            if issubclass(kind, known):
                return name
    return None


def _bar_inputs(indicator: Any, bar: Bar) -> list[float | int]:
    values: list[float | int] = []
    for name in getattr(indicator, "inputs", ("close",)):
        if name in _FIELDS:
            values.append(getattr(bar, name).as_float())
        elif name == "session":
            values.append(kst_date(bar.ts_event).toordinal())
        else:
            raise InvalidInputError(f"indicator input {name!r} cannot be taken from a bar")
    return values
