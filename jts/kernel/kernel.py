"""The kernel: wires cache, risk, OMS, portfolio and strategies, and runs the event flow.

Backtest and live build the same `Kernel`; they differ only in the clock they pass and the
execution clients and feeds they attach. Everything happens on one thread in a fixed order:

1. Market data enters through `process` (or the typed `process_*`): the cache is updated,
   internal bars are aggregated, subscribed strategies are called in the order they were added,
   and the data is published on the bus for everyone outside.
2. A strategy's order goes `submit_order` -> risk engine -> OMS (journal, then venue).
3. Venue events enter through `handle_execution_event` (the sink given to every execution
   client). They are queued and applied in arrival order once the current callback returns, so
   strategy callbacks never nest: OMS -> portfolio (fills) -> the owning strategy -> the bus.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from jts.core.clock import Clock
from jts.core.errors import StateError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR
from jts.domain.accounts import Account
from jts.domain.bar_aggregation import TickBarAggregator, TimeBarAggregator
from jts.domain.commands import CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderSide
from jts.domain.events_account import AccountState
from jts.domain.events_order import OrderEvent, OrderFilled, OrderInitialized
from jts.domain.events_position import PositionEvent
from jts.domain.events_risk import KillSwitchReset, KillSwitchTripped
from jts.domain.identifiers import (
    KRX,
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TraderId,
)
from jts.domain.instruments import Instrument
from jts.domain.market_data import (
    Bar,
    BarAggregation,
    BarType,
    OrderBook,
    OrderBookDeltas,
    OrderBookSnapshot,
    QuoteTick,
    TradeTick,
)
from jts.domain.messages import Message
from jts.domain.orders import Order
from jts.domain.signals import Signal
from jts.domain.values import KRW, Currency, Price, Quantity
from jts.kernel import topics
from jts.kernel.cache import Cache
from jts.kernel.execution.algorithms.base import ExecAlgorithm
from jts.kernel.execution.algorithms.engine import AlgorithmEngine
from jts.kernel.execution.engine import ExecutionEngine
from jts.kernel.execution.router import NoRouteError
from jts.kernel.ids import IdFactory, LiveIdFactory
from jts.kernel.portfolio.portfolio import Portfolio, SettlementPolicy, immediate_settlement
from jts.kernel.risk.engine import RiskEngine, SessionCheck
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy.strategy import Strategy
from jts.ports.execution import ExecutionClient, ExecutionEvent
from jts.ports.repositories import OrderEventJournal

log = logging.getLogger(__name__)

Publisher = Callable[[str, Message], None]
_Algo = TypeVar("_Algo", bound=ExecAlgorithm)
_KST_OFFSET_NS = 9 * NANOS_PER_HOUR  # Korea has no daylight saving time


def _bar_origin(bar_type: BarType) -> int:
    """Where a time bar's grid starts: KRX days run midnight to midnight KST, as their sessions
    and daily limits do (a UTC grid would cut a KRX day at 09:00 KST, mid-session). Other venues
    keep the UTC grid (Upbit's day candles start at 00:00 UTC)."""
    if bar_type.spec.aggregation is BarAggregation.DAY and bar_type.instrument_id.venue == KRX:
        return -_KST_OFFSET_NS
    return 0


#: marks a strategy whose wanted position event types are not worked out yet (compared by
#: identity: no computed set is this object)
_UNKNOWN: Final[frozenset[type[PositionEvent]]] = frozenset({PositionEvent})


def _no_publish(topic: str, message: Message) -> None:
    """The default publisher: nobody outside is listening (backtests)."""


class Kernel:
    def __init__(
        self,
        clock: Clock,
        *,
        trader_id: str = "JTS-001",
        ids: IdFactory | None = None,
        journal: OrderEventJournal | None = None,
        publish: Publisher | None = None,
        risk_limits: RiskLimits | None = None,
        strategy_limits: dict[StrategyId, RiskLimits] | None = None,
        account_limits: dict[AccountId, RiskLimits] | None = None,
        settlement: SettlementPolicy = immediate_settlement,
        session_check: SessionCheck | None = None,
        base_currency: Currency = KRW,
        publish_market_data: bool = True,
        derive_base_price: bool = True,
    ) -> None:
        """``derive_base_price``: at the first price of each KST day, give the risk engine the
        previous session's last price as the day's base price (기준가), for the daily limits.
        A backtest has nothing better. A live node whose venue quotes the official base turns
        it off: the venue's value may differ (ex-dividend, rights issues), and the guess would
        stand in for it until the next fetch. Either way an official base set for the new day
        (`RiskEngine.set_base_price`) is never replaced by the guess."""
        self._clock = clock
        self._derive_base_price = derive_base_price
        self._trader_id = TraderId(trader_id)
        self.ids = ids or LiveIdFactory()
        self._publish = publish or _no_publish
        self._publishing = publish is not None  # topics are built only for a listener
        self._publish_data = publish_market_data and publish is not None
        self._cache = Cache()
        self._last_bars, self._last_prices = self._cache.bar_tables()
        self._portfolio = Portfolio(
            self._cache, self._trader_id, base_currency=base_currency, settlement=settlement
        )
        self.risk = RiskEngine(
            clock,
            self._cache,
            self._portfolio,
            risk_limits,
            strategy_limits=strategy_limits,
            account_limits=account_limits,
            session_check=session_check,
        )
        self.execution = ExecutionEngine(clock, self._cache, self.ids, journal=journal)
        self.execution.add_listener(self._on_order_event)
        # after the kernel's own listener: algorithms hear of a child's event once the
        # portfolio and the owning strategy have
        self.algorithms = AlgorithmEngine(self, publish=self._publish, guard=self._guard)
        self._strategies: dict[StrategyId, Strategy] = {}
        self._bar_handlers: dict[BarType, list[Strategy]] = {}
        self._trade_handlers: dict[InstrumentId, list[Strategy]] = {}
        self._quote_handlers: dict[InstrumentId, list[Strategy]] = {}
        self._book_handlers: dict[InstrumentId, list[Strategy]] = {}
        self._aggregators: dict[InstrumentId, list[TimeBarAggregator | TickBarAggregator]] = {}
        self._pending: deque[ExecutionEvent] = deque()
        self._busy = False
        self._running = False
        # after `stop`: strategies hear no more data and their new orders are denied, while
        # the node drains and disconnects (its feeds may still deliver for a moment)
        self._stopped = False
        self._day_end: dict[InstrumentId, int] = {}
        self.account_states: list[AccountState] = []
        self._position_listeners: list[
            tuple[Callable[[PositionEvent], None], tuple[type[PositionEvent], ...] | None]
        ] = []
        # per strategy: the position event types anyone will see (None: all of them)
        self._position_kinds: dict[StrategyId, frozenset[type[PositionEvent]] | None] = {}

    # ---- StrategyHost -------------------------------------------------------------------------
    @property
    def trader_id(self) -> TraderId:
        return self._trader_id

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def cache(self) -> Cache:
        return self._cache

    @property
    def portfolio(self) -> Portfolio:
        return self._portfolio

    @property
    def derives_base_price(self) -> bool:
        """Whether the day's base price is guessed from the previous session (see `__init__`)."""
        return self._derive_base_price

    def next_client_order_id(self) -> ClientOrderId:
        return self.ids.client_order_id()

    def submit_order(self, order: OrderInitialized, account_id: AccountId | None) -> None:
        """A strategy's or an execution algorithm's new order (`submit` takes the node's
        commands too). Denied once the kernel has stopped: the orders a strategy sends from
        `on_stop` still go, anything later would leave while the node disconnects, and its
        answers and fills would reach no one."""
        command = SubmitOrder(
            trader_id=order.trader_id,
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            command_id=self.ids.command_id(),
            ts_init=self._clock.timestamp_ns(),
            order=order,
            account_id=account_id,
        )
        if self._stopped:
            self.execution.submit(command, "stopped: the kernel takes no new strategy orders")
            return
        self.submit(command)

    def submit(self, command: SubmitOrder) -> Order:
        """The single entry for new orders: risk, then the OMS."""
        outer = not self._busy  # the guard of `_guard`, inlined: this runs for every order
        self._busy = True
        try:
            order = command.order
            # among several accounts, prefer one that can take the order: for a sell one that
            # holds the shares, for a buy one with the cash (at its limit, else the last price)
            prefer = None
            if order.side is OrderSide.SELL:

                def prefer(account: AccountId) -> bool:
                    held = self._portfolio.position_qty(
                        order.instrument_id, order.strategy_id, account
                    )
                    return held >= order.quantity.as_decimal()

            else:

                def prefer(account: AccountId) -> bool:
                    price = order.price or self._cache.last_price(order.instrument_id)
                    free = self._portfolio.free_cash(account, order.instrument_id)
                    if price is None or free is None:
                        return False
                    return free >= price.as_decimal() * order.quantity.as_decimal()

            try:
                client = self.execution.route(command, prefer)
            except NoRouteError as exc:
                return self.execution.submit(command, f"routing: {exc}")
            # the routed account's limits, position and cash
            account = command.account_id if client is None else client.account_id
            denial = self.risk.check(order, account)
            return self.execution.submit(command, None if denial is None else str(denial), client)
        finally:
            if outer:
                self._busy = False
                if self._pending:
                    self._drain()

    def modify_order(
        self,
        strategy: Strategy,
        client_order_id: ClientOrderId,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
    ) -> bool:
        order = self._cache.order(client_order_id)
        if order is None or order.strategy_id != strategy.id:
            return False
        with self._guard():
            return self.execution.modify(
                ModifyOrder(
                    trader_id=self._trader_id,
                    strategy_id=strategy.id,
                    instrument_id=order.instrument_id,
                    client_order_id=client_order_id,
                    venue_order_id=order.venue_order_id,
                    quantity=quantity,
                    price=price,
                    trigger_price=trigger_price,
                    command_id=self.ids.command_id(),
                    ts_init=self._clock.timestamp_ns(),
                )
            )

    def cancel_order(self, strategy: Strategy, client_order_id: ClientOrderId) -> bool:
        order = self._cache.order(client_order_id)
        if order is None or order.strategy_id != strategy.id:
            return False
        return self._cancel(order)

    def _cancel(self, order: Order) -> bool:
        with self._guard():
            return self.execution.cancel(
                CancelOrder(
                    trader_id=self._trader_id,
                    strategy_id=order.strategy_id,
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    venue_order_id=order.venue_order_id,
                    command_id=self.ids.command_id(),
                    ts_init=self._clock.timestamp_ns(),
                )
            )

    def cancel_all_orders(
        self, strategy: Strategy, instrument_id: InstrumentId | None, side: OrderSide | None
    ) -> int:
        count = 0
        for order in self._cache.open_orders(instrument_id, strategy.id):
            if side is None or order.side is side:
                count += self._cancel(order)
        return count

    def subscribe_bars(self, strategy: Strategy, bar_type: BarType) -> None:
        handlers = self._bar_handlers.setdefault(bar_type, [])
        if strategy not in handlers:
            handlers.append(strategy)
        if bar_type.is_internal:
            aggregators = self._aggregators.setdefault(bar_type.instrument_id, [])
            if not any(a.bar_type == bar_type for a in aggregators):
                if bar_type.spec.aggregation is BarAggregation.TICK:
                    aggregators.append(TickBarAggregator(bar_type))
                else:
                    aggregators.append(TimeBarAggregator(bar_type, origin_ns=_bar_origin(bar_type)))

    def subscribe_trade_ticks(self, strategy: Strategy, instrument_id: InstrumentId) -> None:
        handlers = self._trade_handlers.setdefault(instrument_id, [])
        if strategy not in handlers:
            handlers.append(strategy)

    def subscribe_quotes(self, strategy: Strategy, instrument_id: InstrumentId) -> None:
        handlers = self._quote_handlers.setdefault(instrument_id, [])
        if strategy not in handlers:
            handlers.append(strategy)

    def subscribe_order_book(
        self, strategy: Strategy, instrument_id: InstrumentId, depth: int
    ) -> None:
        handlers = self._book_handlers.setdefault(instrument_id, [])
        if strategy not in handlers:
            handlers.append(strategy)
        if self._cache.book(instrument_id) is None:
            self._cache.set_book(OrderBook(instrument_id, depth))

    def publish_signal(self, signal: Signal) -> None:
        self._publish(topics.signals(signal.strategy_id), signal)

    def execute_algorithm(self, algorithm: _Algo, strategy: Strategy | None = None) -> _Algo:
        """Start an execution algorithm (TWAP, VWAP, iceberg, POV) on this kernel's clock.

        Its children go through `submit_order` like any order (risk, then the OMS), under
        ``strategy``'s id, or under the algorithm's own id when none is given (manual or API
        use). Raises if the algorithm's terms do not fit the instrument or the clock.
        """
        with self._guard():
            return self.algorithms.start(algorithm, strategy)

    # ---- set-up -------------------------------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        self._cache.add_instrument(instrument)

    def add_instruments(self, instruments: Iterable[Instrument]) -> None:
        self._cache.add_instruments(instruments)

    def add_account(self, account: Account, *, default: bool = False) -> None:
        self._portfolio.add_account(account, default=default)

    def add_execution_client(self, client: ExecutionClient) -> None:
        client.bind(self.handle_execution_event)
        self.execution.register_client(client)

    def add_position_listener(
        self,
        listener: Callable[[PositionEvent], None],
        kinds: Iterable[type[PositionEvent]] | None = None,
    ) -> None:
        """Called with every position event (of ``kinds`` only, when given) after the owning
        strategy has seen it. Naming the kinds lets the kernel skip building the events that
        nobody wants (a backtest keeps only the closes)."""
        self._position_listeners.append((listener, None if kinds is None else tuple(kinds)))
        self._position_kinds.clear()

    def _wanted_position_kinds(
        self, strategy_id: StrategyId, strategy: Strategy | None
    ) -> frozenset[type[PositionEvent]] | None:
        """The position event types a fill of ``strategy_id`` must produce: those the bus,
        the listeners or the strategy's own callbacks will see (None: every type)."""
        found: frozenset[type[PositionEvent]] | None = None
        if not self._publishing and all(k is not None for _, k in self._position_listeners):
            wanted: set[type[PositionEvent]] = set()
            for _, kinds in self._position_listeners:
                wanted.update(kinds or ())
            if strategy is not None:
                wanted.update(strategy.position_event_kinds())
            found = frozenset(wanted)
        self._position_kinds[strategy_id] = found
        return found

    def add_strategy(self, strategy: Strategy) -> None:
        if strategy.id in self._strategies:
            raise StateError(f"a strategy with id {strategy.id} is already added")
        strategy.bind(self)
        self._strategies[strategy.id] = strategy
        self._position_kinds.pop(strategy.id, None)
        if self._running:
            with self._guard():
                strategy.on_start()

    @property
    def strategies(self) -> list[Strategy]:
        return list(self._strategies.values())

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._stopped = False
        with self._guard():
            for strategy in self._strategies.values():
                strategy.on_start()

    def stop(self) -> None:
        if not self._running:
            return
        with self._guard():
            for strategy in self._strategies.values():
                strategy.on_stop()
        self._running = False
        self._stopped = True

    # ---- kill switch --------------------------------------------------------------------------
    def trip_kill_switch(self, reason: str) -> int:
        """Block new orders and cancel every open order; returns how many cancels went out."""
        if self.risk.trip_kill_switch(reason):
            now = self._clock.timestamp_ns()
            self._publish(
                topics.risk_events(),
                KillSwitchTripped(
                    trader_id=self._trader_id, reason=reason, ts_event=now, ts_init=now
                ),
            )
        count = 0
        for order in self._cache.open_orders():
            count += self._cancel(order)
        return count

    def reset_kill_switch(self) -> None:
        previous = self.risk.kill_switch_reason
        if previous is None:
            return
        self.risk.reset_kill_switch()
        now = self._clock.timestamp_ns()
        self._publish(
            topics.risk_events(),
            KillSwitchReset(
                trader_id=self._trader_id, previous_reason=previous, ts_event=now, ts_init=now
            ),
        )

    # ---- time ---------------------------------------------------------------------------------
    def advance_time(self, ts_ns: int) -> None:
        """Simulated clocks only: fire timers due up to ``ts_ns`` (their orders included)."""
        advance = getattr(self._clock, "advance_to", None)
        if advance is None:
            raise StateError("advance_time needs a simulated clock")
        with self._guard():
            advance(ts_ns)

    # ---- market data --------------------------------------------------------------------------
    def process(self, data: object) -> None:
        if isinstance(data, Bar):
            self.process_bar(data)
        elif isinstance(data, TradeTick):
            self.process_trade_tick(data)
        elif isinstance(data, QuoteTick):
            self.process_quote(data)
        elif isinstance(data, OrderBookSnapshot | OrderBookDeltas):
            self.process_book(data)
        else:
            raise TypeError(f"not market data: {type(data).__name__}")

    def _new_day(self, instrument_id: InstrumentId, ts_ns: int) -> None:
        """Offer the previous session's last price as the day's base price (기준가), when
        ``derive_base_price`` is on and no official base was set for the new day.

        Called (before the cache takes the new data) only when an instant passes the cached
        end of the instrument's current KST day, so the cache's last price is still the
        previous day's last one.
        """
        day_start = (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY * NANOS_PER_DAY - _KST_OFFSET_NS
        if self._derive_base_price and instrument_id in self._day_end:
            previous = self._cache.last_price(instrument_id)
            if previous is not None:
                self.risk.derive_base_price(instrument_id, previous, day_start)
        self._day_end[instrument_id] = day_start + NANOS_PER_DAY

    def process_bar(self, bar: Bar) -> None:
        bar_type = bar.bar_type
        instrument_id = bar_type.instrument_id
        if bar.ts_event >= self._day_end.get(instrument_id, -1):
            self._new_day(instrument_id, bar.ts_event)
        # `Cache.update_bar`, without the call (this runs for every bar)
        self._last_bars[bar_type] = bar
        self._last_prices[instrument_id] = bar.close
        handlers = self._bar_handlers.get(bar_type)
        if handlers and not self._stopped:
            outer = not self._busy
            self._busy = True
            try:
                for strategy in handlers:
                    strategy.handle_bar(bar)
            finally:
                if outer:
                    self._busy = False
            if outer and self._pending:
                self._drain()
        if self._publish_data:
            self._publish(topics.bars(bar_type), bar)

    def process_trade_tick(self, tick: TradeTick) -> None:
        if tick.ts_event >= self._day_end.get(tick.instrument_id, -1):
            self._new_day(tick.instrument_id, tick.ts_event)
        self._cache.update_trade(tick)
        handlers = self._trade_handlers.get(tick.instrument_id)
        with self._guard():
            if handlers and not self._stopped:
                for strategy in handlers:
                    strategy.on_trade_tick(tick)
            for aggregator in self._aggregators.get(tick.instrument_id, ()):
                bar = aggregator.update(tick)
                if bar is not None:
                    self.process_bar(bar)
        if self._publish_data:
            self._publish(topics.trades(tick.instrument_id), tick)

    def process_quote(self, quote: QuoteTick) -> None:
        self._cache.update_quote(quote)
        handlers = self._quote_handlers.get(quote.instrument_id)
        if handlers and not self._stopped:
            with self._guard():
                for strategy in handlers:
                    strategy.on_quote(quote)
        if self._publish_data:
            self._publish(topics.quotes(quote.instrument_id), quote)

    def process_book(self, update: OrderBookSnapshot | OrderBookDeltas) -> None:
        book = self._cache.book(update.instrument_id)
        if book is None:
            book = OrderBook(update.instrument_id, 10)
            self._cache.set_book(book)
        book.apply(update)
        handlers = self._book_handlers.get(update.instrument_id)
        if handlers and not self._stopped:
            with self._guard():
                for strategy in handlers:
                    strategy.on_order_book(book)
        if self._publish_data:
            self._publish(topics.books(update.instrument_id), update)

    # ---- execution events ---------------------------------------------------------------------
    def handle_execution_event(self, event: ExecutionEvent) -> None:
        """The sink every execution client reports to; safe to call from inside callbacks."""
        self._pending.append(event)
        if not self._busy:
            self._drain()

    def _drain(self) -> None:
        pending = self._pending
        self._busy = True
        try:
            while pending:
                event = pending.popleft()
                if isinstance(event, AccountState):
                    self.account_states.append(event)
                    self._publish(topics.account_events(event.account_id), event)
                else:
                    self.execution.handle_event(event)
        finally:
            self._busy = False

    def _on_order_event(self, order: Order, event: OrderEvent) -> None:
        # the event names the order's strategy and instrument (the order checked that)
        strategy_id = event.strategy_id
        strategy = self._strategies.get(strategy_id)
        if not isinstance(event, OrderFilled):  # no position moves: the strategy, the bus
            if strategy is not None:
                strategy.handle_order_event(order, event)
            if self._publishing:
                self._publish(topics.order_events(event.instrument_id), event)
            return
        kinds = self._position_kinds.get(strategy_id, _UNKNOWN)
        if kinds is _UNKNOWN:
            kinds = self._wanted_position_kinds(strategy_id, strategy)
        position_events = self._portfolio.apply_fill(event, kinds=kinds)
        if strategy is not None:
            strategy.handle_order_event(order, event)
            for position_event in position_events:
                strategy.handle_position_event(position_event)
        publishing = self._publishing
        if publishing:
            self._publish(topics.order_events(event.instrument_id), event)
        for position_event in position_events:
            for listener, wanted in self._position_listeners:
                if wanted is None or isinstance(position_event, wanted):
                    listener(position_event)
            if publishing:
                topic = topics.position_events(position_event.instrument_id)
                self._publish(topic, position_event)

    # ---- re-entrancy guard --------------------------------------------------------------------
    def _guard(self) -> _Guard:
        return _Guard(self)


class _Guard:
    """Marks the kernel busy while a callback runs; drains queued venue events at the end."""

    __slots__ = ("_kernel", "_outer")

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel
        self._outer = False

    def __enter__(self) -> None:
        self._outer = not self._kernel._busy
        self._kernel._busy = True

    def __exit__(self, *exc: Any) -> None:
        if self._outer:
            self._kernel._busy = False
            if self._kernel._pending:
                self._kernel._drain()
