"""What a running algorithm may do in its kernel, and nothing more.

An algorithm never holds the kernel. The `AlgorithmEngine` gives each started algorithm an
`AlgorithmRuntime` bound to the strategy id and account its children trade under; through it
the algorithm reads the clock, the instrument and prices, submits and cancels its children
(the kernel's normal submit path: risk engine, then OMS), sets alerts and subscribes to market
data. Keeping this surface small is what lets the algorithms be tested against the real kernel
without reaching into it.

Market data reaches an algorithm through a private `Strategy` (`_Feed`) subscribed with the
kernel's ordinary subscription calls, so the kernel needs no second dispatch path. The feed is
never added to the kernel as a strategy: it receives data only, and the children's order events
go to the owning strategy as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from jts.core.clock import Clock, TimeEvent
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId, TraderId
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, BarType, TradeTick
from jts.domain.messages import Message
from jts.domain.values import Price
from jts.kernel.cache import Cache
from jts.kernel.execution.algorithms.progress import AlgorithmProgress, progress_topic
from jts.kernel.execution.engine import ExecutionEngine
from jts.kernel.risk.engine import RiskEngine
from jts.kernel.strategy.strategy import Strategy

__all__ = ["AlgorithmHost", "AlgorithmRuntime", "Guard", "Publisher"]

Guard = Callable[[], AbstractContextManager[None]]
Publisher = Callable[[str, Message], None]


class AlgorithmHost(Protocol):
    """The parts of the `Kernel` algorithms use (the kernel satisfies this as it is)."""

    @property
    def trader_id(self) -> TraderId: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def cache(self) -> Cache: ...

    @property
    def risk(self) -> RiskEngine: ...

    @property
    def execution(self) -> ExecutionEngine: ...

    def next_client_order_id(self) -> ClientOrderId: ...

    def submit_order(self, order: OrderInitialized, account_id: AccountId | None) -> None: ...

    def cancel_order(self, strategy: Strategy, client_order_id: ClientOrderId) -> bool: ...

    def subscribe_trade_ticks(self, strategy: Strategy, instrument_id: InstrumentId) -> None: ...

    def subscribe_bars(self, strategy: Strategy, bar_type: BarType) -> None: ...


class _Feed(Strategy):
    """Receives one algorithm's market data; detached (a no-op) once the algorithm is done,
    because the kernel has no unsubscribe."""

    def __init__(self, strategy_id: StrategyId) -> None:
        super().__init__(strategy_id=str(strategy_id))
        self.trade_handler: Callable[[TradeTick], None] | None = None
        self.bar_handler: Callable[[Bar], None] | None = None

    def on_trade_tick(self, tick: TradeTick) -> None:
        if self.trade_handler is not None:
            self.trade_handler(tick)

    def on_bar(self, bar: Bar) -> None:
        if self.bar_handler is not None:
            self.bar_handler(bar)

    def detach(self) -> None:
        self.trade_handler = None
        self.bar_handler = None


class AlgorithmRuntime:
    """One started algorithm's handle on its kernel (see the module docstring)."""

    def __init__(
        self,
        host: AlgorithmHost,
        *,
        algorithm_id: str,
        strategy_id: StrategyId,
        account_id: AccountId | None,
        guard: Guard,
        publish: Publisher,
        register_child: Callable[[ClientOrderId], None],
        on_done: Callable[[], None],
        on_started: Callable[[], None] | None = None,
    ) -> None:
        self._host = host
        self._algorithm_id = algorithm_id
        self._strategy_id = strategy_id
        self._account_id = account_id
        self._guard = guard
        self._publish = publish
        self._register_child = register_child
        self._on_done = on_done
        self._on_started = on_started
        # the feed carries the children's strategy id, so the kernel's ownership check on
        # cancels (order.strategy_id == strategy.id) lets the algorithm cancel its children
        self._feed = _Feed(strategy_id)
        self._alerts: set[str] = set()

    # ---- identity -----------------------------------------------------------------------------
    @property
    def trader_id(self) -> TraderId:
        return self._host.trader_id

    @property
    def strategy_id(self) -> StrategyId:
        return self._strategy_id

    @property
    def account_id(self) -> AccountId | None:
        return self._account_id

    # ---- reads --------------------------------------------------------------------------------
    def now(self) -> int:
        return self._host.clock.timestamp_ns()

    def instrument(self, instrument_id: InstrumentId) -> Instrument:
        return self._host.cache.instrument(instrument_id)

    def last_price(self, instrument_id: InstrumentId) -> Price | None:
        return self._host.cache.last_price(instrument_id)

    def base_price(self, instrument_id: InstrumentId) -> Price | None:
        return self._host.risk.base_price(instrument_id)

    @property
    def kill_switch_on(self) -> bool:
        return self._host.risk.is_killed

    # ---- orders -------------------------------------------------------------------------------
    def next_client_order_id(self) -> ClientOrderId:
        return self._host.next_client_order_id()

    def submit(self, order: OrderInitialized) -> None:
        """Register the child with the engine first: its first events arrive inside this call."""
        self._register_child(order.client_order_id)
        self._host.submit_order(order, self._account_id)

    def cancel(self, client_order_id: ClientOrderId) -> bool:
        return self._host.cancel_order(self._feed, client_order_id)

    def adopt(self, client_order_id: ClientOrderId) -> None:
        """Follow a child sent before a restart: its events reach the algorithm again."""
        self._register_child(client_order_id)

    # ---- time ---------------------------------------------------------------------------------
    def set_alert(self, name: str, alert_ns: int, callback: Callable[[TimeEvent], None]) -> None:
        """A one-shot alert that runs inside the kernel's guard, so venue events caused by the
        callback are applied after it returns, on a live clock as on a simulated one."""
        full = f"algo:{self._algorithm_id}:{name}"
        self._alerts.add(full)

        def fire(event: TimeEvent) -> None:
            with self._guard():
                callback(event)

        self._host.clock.set_time_alert(full, alert_ns, fire)

    def cancel_alerts(self) -> None:
        clock = self._host.clock
        for name in sorted(self._alerts):
            clock.cancel_timer(name)
        self._alerts.clear()

    # ---- market data --------------------------------------------------------------------------
    def subscribe_trade_ticks(
        self, instrument_id: InstrumentId, handler: Callable[[TradeTick], None]
    ) -> None:
        self._feed.trade_handler = handler
        self._host.subscribe_trade_ticks(self._feed, instrument_id)

    def subscribe_bars(self, bar_type: BarType, handler: Callable[[Bar], None]) -> None:
        self._feed.bar_handler = handler
        self._host.subscribe_bars(self._feed, bar_type)

    # ---- reporting ----------------------------------------------------------------------------
    def started(self) -> None:
        """The terms passed every check; the engine saves the parent (if it has a store)."""
        if self._on_started is not None:
            self._on_started()

    def publish(self, progress: AlgorithmProgress) -> None:
        message = progress.to_message(self.trader_id, self._strategy_id, self.now())
        self._publish(progress_topic(self._strategy_id), message)

    def done(self) -> None:
        """The algorithm reached a terminal status: no more alerts, data or routing."""
        self.cancel_alerts()
        self._feed.detach()
        self._on_done()
