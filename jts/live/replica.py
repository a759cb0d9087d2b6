"""The strategy role's order book: a replica of the execution role's orders, never a second OMS.

In a split node the execution role owns risk, the OMS and the journal. The strategy role still
runs a `Kernel` (strategies need its cache, portfolio, bar aggregation and callbacks), but its
`ExecutionEngine` is replaced by `ReplicaExecutionEngine`, which originates nothing:

* a new order is put in the local cache at once (the strategy may look for it in the same
  callback) and its `SubmitOrder` leaves on the bus; `OrderSubmitted` or `OrderDenied` come
  back from the execution role like any other event;
* modify and cancel requests leave as commands; the pending states come back as events;
* every order event from the bus for an order of this role's strategies is applied as the
  execution role journaled it, through the base engine (duplicate fills dropped, illegal
  transitions counted), so strategies see exactly the journal's history. Events this replica
  already holds (redelivered after a restart, or read back from the journal at start) are
  skipped; events of other processes' orders are ignored.

A denial by this role's own risk engine (only the kill switch and unknown instruments: the
strategy role runs with `REPLICA_LIMITS`) is recorded locally and sent nowhere.
"""

from __future__ import annotations

from collections.abc import Callable

from jts.core.errors import JtsError
from jts.domain.commands import CancelOrder, ModifyOrder, SubmitOrder, TradingCommand
from jts.domain.enums import OrderStatus
from jts.domain.events_order import OrderEvent, OrderInitialized
from jts.domain.identifiers import AccountId, StrategyId
from jts.domain.orders import Order
from jts.kernel.execution.engine import ExecutionEngine
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.ports.execution import ExecutionClient

__all__ = ["REPLICA_LIMITS", "ReplicaExecutionEngine"]

#: The strategy role's own pre-trade checks: none that need the account or the venue's state
#: (the execution role checks those against the authoritative books).
REPLICA_LIMITS = RiskLimits(
    check_ticks=False,
    check_daily_limits=False,
    check_buying_power=False,
    allow_short=True,
)

CommandSender = Callable[[TradingCommand], None]


class ReplicaExecutionEngine(ExecutionEngine):
    """See the module doc. Build it with `install`, which swaps it into a kernel."""

    def __init__(
        self, base: ExecutionEngine, *, send: CommandSender, owns: Callable[[StrategyId], bool]
    ) -> None:
        super().__init__(base._clock, base._cache, base._ids, journal=None)
        # the kernel and its algorithm engine subscribed to the engine they were built with
        self._listeners = list(base._listeners)
        self._send = send
        self._owns = owns

    @classmethod
    def install(
        cls, kernel: Kernel, *, send: CommandSender, owns: Callable[[StrategyId], bool]
    ) -> ReplicaExecutionEngine:
        """Replace ``kernel``'s engine (before any order exists) with a replica."""
        if kernel.cache.orders():
            raise JtsError("install the replica engine before the kernel holds orders")
        replica = cls(kernel.execution, send=send, owns=owns)
        kernel.execution = replica
        return replica

    # ---- commands: sent, never applied locally ----------------------------------------------
    def route(
        self, command: SubmitOrder, prefer: Callable[[AccountId], bool] | None = None
    ) -> ExecutionClient | None:
        return None  # the execution role routes, where the accounts are

    def submit(
        self,
        command: SubmitOrder,
        denial_reason: str | None = None,
        client: ExecutionClient | None = None,
    ) -> Order:
        if denial_reason is not None:
            return super().submit(command, denial_reason)  # recorded here, sent nowhere
        init = command.order
        if self._cache.order(init.client_order_id) is not None:
            raise JtsError(f"client order id {init.client_order_id} is already in use")
        order = Order(init)
        self._cache.add_order(order)
        self._notify(order, init)
        self.stats.submitted += 1
        self._send(command)
        return order

    def modify(self, command: ModifyOrder) -> bool:
        order = self._cache.order(command.client_order_id)
        if order is None or order.is_closed:
            return False
        self._send(command)
        return True

    def cancel(self, command: CancelOrder) -> bool:
        order = self._cache.order(command.client_order_id)
        if order is None or order.is_closed or order.status is OrderStatus.PENDING_CANCEL:
            return False
        self._send(command)
        return True

    # ---- events: the execution role's history ------------------------------------------------
    def adopt(self, order: Order) -> bool:
        """Take an order rebuilt from the journal (start-up); False if already known."""
        if self._cache.order(order.client_order_id) is not None:
            return False
        self._cache.add_order(order)
        return True

    def handle_event(self, event: OrderEvent) -> Order | None:
        order = self._cache.order(event.client_order_id)
        if order is None:
            if isinstance(event, OrderInitialized) and self._owns(event.strategy_id):
                # ours, but made by an earlier run of this role (its command outlived it)
                order = Order(event)
                self._cache.add_order(order)
                self._notify(order, event)
                return order
            return None
        if event in order.events:
            return None
        return super().handle_event(event)
