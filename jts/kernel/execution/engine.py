"""The order management system: every order's single source of truth inside the node.

Rules it keeps:

- **Journal first.** An order's events are appended to the journal (when one is configured)
  before anything is sent to a venue and before anyone else hears of them, so a crash at any
  instant loses nothing the node did: on restart the journal rebuilds every order.
- **Facts are never lost, noise is never applied twice.** Venue events for unknown orders are
  kept for reconciliation (`unmatched`); a fill whose trade id was already applied is counted
  and dropped; an event the order's transition table refuses is counted and logged, not raised
  into the venue adapter.
- **Commands go out only through here**, after the risk engine has passed them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jts.core.clock import Clock
from jts.core.errors import InvalidStateTransitionError, JtsError
from jts.domain.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderStatus
from jts.domain.events_order import (
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderRejected,
    OrderSubmitted,
)
from jts.domain.identifiers import AccountId
from jts.domain.orders import Order
from jts.kernel.cache import Cache
from jts.kernel.execution.router import NoRouteError, OrderRouter
from jts.kernel.ids import IdFactory
from jts.ports.execution import ExecutionClient
from jts.ports.repositories import OrderEventJournal

log = logging.getLogger(__name__)

OrderListener = Callable[[Order, OrderEvent], None]
_E = TypeVar("_E", bound=OrderEvent)


def _local_event(kind: type[_E], order: Order, now: int, **fields: Any) -> _E:
    """An event the OMS itself originates for ``order`` (ids copied from the order)."""
    fields.setdefault("account_id", order.account_id)
    return kind(
        trader_id=order.trader_id,
        strategy_id=order.strategy_id,
        instrument_id=order.instrument_id,
        client_order_id=order.client_order_id,
        ts_event=now,
        ts_init=now,
        **fields,
    )


@dataclass(slots=True)
class OmsStats:
    submitted: int = 0
    denied: int = 0
    events: int = 0
    duplicate_fills: int = 0
    illegal_transitions: int = 0
    refused_events: int = 0
    unknown_orders: int = 0
    journal_failures: int = 0
    unmatched: list[OrderEvent] = field(default_factory=list)


class ExecutionEngine:
    def __init__(
        self,
        clock: Clock,
        cache: Cache,
        ids: IdFactory,
        *,
        journal: OrderEventJournal | None = None,
        router: OrderRouter | None = None,
    ) -> None:
        self._clock = clock
        self._cache = cache
        self._ids = ids
        self._journal = journal
        self.router = router or OrderRouter()
        self._listeners: list[OrderListener] = []
        self.stats = OmsStats()

    def add_listener(self, listener: OrderListener) -> None:
        """Called with (order, event) after every applied and journaled event, in order."""
        self._listeners.append(listener)

    def register_client(self, client: ExecutionClient) -> None:
        self.router.add_client(client)

    # ---- internal ---------------------------------------------------------------------------
    def _record(self, order: Order, event: OrderEvent) -> None:
        """Apply an event we originate (submitted, denied, pending ...) and journal it."""
        order.apply(event)
        self._journal_event(order, event)
        self._cache.update_order(order)
        self._notify(order, event)

    def _journal_event(self, order: Order, event: OrderEvent) -> None:
        if self._journal is not None:
            # order_seq pins the event's place: a second writer or a replay cannot slip in
            self._journal.append(event, order_seq=order.event_count)

    def _notify(self, order: Order, event: OrderEvent) -> None:
        for listener in self._listeners:
            listener(order, event)

    def _stamp(self) -> int:
        return self._clock.timestamp_ns()

    # ---- commands ---------------------------------------------------------------------------
    def route(
        self, command: SubmitOrder, prefer: Callable[[AccountId], bool] | None = None
    ) -> ExecutionClient | None:
        """The client ``command`` goes to (see `OrderRouter.route`); raises `NoRouteError`.
        None: this engine does not route (a split node's strategy role leaves it to the
        execution role)."""
        order = command.order
        return self.router.route(
            order.instrument_id, order.strategy_id, command.account_id or order.account_id, prefer
        )

    def submit(
        self,
        command: SubmitOrder,
        denial_reason: str | None = None,
        client: ExecutionClient | None = None,
    ) -> Order:
        """Create the order, journal it, and either deny it or send it to its venue: to
        ``client`` when the caller routed it already (the kernel does, so that the risk check
        sees the account the order goes to), else where the router says."""
        # `_record` and `_notify` are spelled out here and in `handle_event`: these two run
        # for every order and every venue event
        init = command.order
        cache = self._cache
        if cache.order(init.client_order_id) is not None:
            raise JtsError(f"client order id {init.client_order_id} is already in use")
        order = Order(init)
        cache.add_order(order)
        journal = self._journal
        listeners = self._listeners
        if denial_reason is None and client is None:
            try:
                client = self.route(command)
            except NoRouteError as exc:
                denial_reason = f"routing: {exc}"
        now = self._clock.timestamp_ns()
        if denial_reason is not None or client is None:
            denial_reason = denial_reason or "routing: no execution client"
            if journal is not None:
                journal.append(init, order_seq=1)
            for listener in listeners:
                listener(order, init)
            self.stats.denied += 1
            self._record(order, _local_event(OrderDenied, order, now, reason=denial_reason))
            return order
        submitted = OrderSubmitted(
            trader_id=init.trader_id,
            strategy_id=init.strategy_id,
            instrument_id=init.instrument_id,
            client_order_id=init.client_order_id,
            account_id=client.account_id,
            ts_event=now,
            ts_init=now,
        )
        if journal is not None:
            # one transaction for both: one commit (a disk flush) per order instead of two, and
            # a crash leaves the order either unknown or SUBMITTED, never half-journaled
            journal.append_many((init, submitted), order_seqs=(1, 2))
        self.stats.submitted += 1
        # Durable, so it may leave now, before the listeners run (the activity log, alerts, the
        # bus: ~0.1 ms): a client that can write the order in this call does (KIS), and one
        # that reports events from inside it is safe, the kernel queues them until its call
        # returns. Listeners still hear INITIALIZED, then SUBMITTED, then the venue's answers.
        client.submit_order(command)
        for listener in listeners:
            listener(order, init)
        order.apply(submitted)
        cache.update_order(order)
        for listener in listeners:
            listener(order, submitted)
        return order

    def modify(self, command: ModifyOrder) -> bool:
        order = self._cache.order(command.client_order_id)
        if order is None or order.is_closed:
            log.warning("modify of unknown or closed order %s ignored", command.client_order_id)
            return False
        if order.status in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_UPDATE):
            log.warning("modify of %s while %s ignored", order.client_order_id, order.status.value)
            return False
        client = self._client_for(order)
        if client is None:
            return False
        pending = _local_event(
            OrderPendingUpdate, order, self._stamp(), venue_order_id=order.venue_order_id
        )
        self._record(order, pending)
        client.modify_order(command)
        return True

    def cancel(self, command: CancelOrder) -> bool:
        order = self._cache.order(command.client_order_id)
        if order is None or order.is_closed:
            return False
        if order.status is OrderStatus.PENDING_CANCEL:
            return False
        now = self._stamp()
        if order.status is OrderStatus.INITIALIZED:
            reason = "canceled before submission"
            self._record(order, _local_event(OrderCanceled, order, now, reason=reason))
            return True
        client = self._client_for(order)
        if client is None:
            return False
        venue_id = order.venue_order_id
        self._record(order, _local_event(OrderPendingCancel, order, now, venue_order_id=venue_id))
        client.cancel_order(command)
        return True

    def cancel_all(self, command: CancelAllOrders) -> int:
        """Cancel each matching open order individually (KRX brokers have no cancel-all)."""
        count = 0
        for order in self._cache.open_orders(command.instrument_id, command.strategy_id):
            if command.order_side is not None and order.side is not command.order_side:
                continue
            cancel = CancelOrder(
                trader_id=command.trader_id,
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                venue_order_id=order.venue_order_id,
                command_id=self._ids.command_id(),
                ts_init=self._stamp(),
            )
            count += self.cancel(cancel)
        return count

    def _client_for(self, order: Order) -> ExecutionClient | None:
        account: AccountId | None = order.account_id
        client = self.router.client(account) if account is not None else None
        if client is None:
            log.error("no execution client for order %s (account %s)", order, account)
        return client

    # ---- venue events ---------------------------------------------------------------------
    def handle_event(self, event: OrderEvent) -> Order | None:
        """Apply one venue event; returns the order if the event changed it."""
        stats = self.stats
        stats.events += 1
        cache = self._cache
        order = cache.order(event.client_order_id)
        if order is None:
            venue_id = getattr(event, "venue_order_id", None)
            order = cache.order_by_venue_id(venue_id) if venue_id is not None else None
        if order is None:
            stats.unknown_orders += 1
            stats.unmatched.append(event)
            log.warning("event for unknown order kept for reconciliation: %r", event)
            return None
        if isinstance(event, OrderFilled) and order.has_trade_id(event.trade_id):
            stats.duplicate_fills += 1
            log.info("duplicate fill %s of %s dropped", event.trade_id, order.client_order_id)
            return None
        try:
            order.apply(event)
        except InvalidStateTransitionError as exc:
            stats.illegal_transitions += 1
            log.warning("venue event refused by the order's transition table: %s", exc)
            return None
        except (
            JtsError
        ) as exc:  # overfill, an event naming another order, ...: never into the adapter
            stats.refused_events += 1
            log.error("venue event refused by order %s: %s", order.client_order_id, exc)
            return None
        journal = self._journal
        if journal is not None:
            try:
                journal.append(event, order_seq=order.event_count)
            except Exception:
                # the event is applied in memory; a journal failure must be loud, never silent
                stats.journal_failures += 1
                log.exception("journal append failed for %s", event)
                raise
        cache.update_order(order)
        for listener in self._listeners:
            listener(order, event)
        return order

    def reject_locally(self, order: Order, reason: str) -> None:
        """A submission the adapter could not deliver (e.g. refused before sending)."""
        self.handle_event(_local_event(OrderRejected, order, self._stamp(), reason=reason))
