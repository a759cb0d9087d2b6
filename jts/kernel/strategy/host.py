"""What a strategy may ask of the kernel it runs in (the kernel implements this)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from jts.core.clock import Clock
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderInitialized
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, TraderId
from jts.domain.market_data import BarType
from jts.domain.signals import Signal
from jts.domain.values import Price, Quantity
from jts.kernel.cache import Cache

if TYPE_CHECKING:
    from jts.kernel.execution.algorithms.base import ExecAlgorithm
    from jts.kernel.portfolio.portfolio import Portfolio
    from jts.kernel.strategy.strategy import Strategy


_Algo = TypeVar("_Algo", bound="ExecAlgorithm")


class StrategyHost(Protocol):
    @property
    def trader_id(self) -> TraderId: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def cache(self) -> Cache: ...

    @property
    def portfolio(self) -> Portfolio: ...

    def next_client_order_id(self) -> ClientOrderId: ...

    def submit_order(self, order: OrderInitialized, account_id: AccountId | None) -> None: ...

    def modify_order(
        self,
        strategy: Strategy,
        client_order_id: ClientOrderId,
        quantity: Quantity | None,
        price: Price | None,
        trigger_price: Price | None,
    ) -> bool: ...

    def cancel_order(self, strategy: Strategy, client_order_id: ClientOrderId) -> bool: ...

    def cancel_all_orders(
        self, strategy: Strategy, instrument_id: InstrumentId | None, side: OrderSide | None
    ) -> int: ...

    def subscribe_bars(self, strategy: Strategy, bar_type: BarType) -> None: ...

    def subscribe_trade_ticks(self, strategy: Strategy, instrument_id: InstrumentId) -> None: ...

    def subscribe_quotes(self, strategy: Strategy, instrument_id: InstrumentId) -> None: ...

    def subscribe_order_book(
        self, strategy: Strategy, instrument_id: InstrumentId, depth: int
    ) -> None: ...

    def publish_signal(self, signal: Signal) -> None: ...

    def execute_algorithm(self, algorithm: _Algo, strategy: Strategy | None = None) -> _Algo: ...
