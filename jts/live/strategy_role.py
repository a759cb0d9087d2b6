"""The strategy role of a split node: strategies on bus data, orders out as bus commands.

It runs a `LiveKernel` for what strategies need in-process (bar aggregation, indicators, the
cache, positions, callbacks in a fixed order) with `ReplicaExecutionEngine` in place of an OMS:
the execution role decides, journals and trades, and this role's orders follow its events.

Start-up, in order:

1. the bus starts with the order-event subscription in place, its events held back;
2. the execution role is asked for its status (`ExecutionStatusRequest`) until it answers, so
   no command is sent into a stream nobody consumes yet;
3. this role's orders are rebuilt from the journal (read only; the execution role writes it)
   and their fills booked into the local portfolio, then the held-back events are applied
   (those the journal already had are skipped);
4. strategies get their saved state and start; their subscriptions become `BusFeed` requests.

Its kernel publishes locally only (the console's activity log), except signals, which go to the
bus: order and position events on the bus are the execution role's, once each.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from jts.bus.inprocess import InProcessMessageBus
from jts.config import Settings
from jts.core.clock import LiveClock
from jts.core.errors import ConfigError, StateError
from jts.domain.commands import TradingCommand
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import StrategyId
from jts.domain.messages import Message
from jts.live.activity import ActivityLog
from jts.live.bars import LiveKernel
from jts.live.bus_feed import BusFeed
from jts.live.buses import build_remote_bus
from jts.live.database import open_storage
from jts.live.messages import ExecutionStatus, ExecutionStatusRequest
from jts.live.node import NodeOptions, node_strategy
from jts.live.reconciliation import rebuild_orders
from jts.live.replica import REPLICA_LIMITS, ReplicaExecutionEngine
from jts.live.state import StrategyStateFile
from jts.live.topics import ALL_ORDER_EVENTS, EXECUTION_STATUS, trading_commands
from jts.monitoring.logging import get_logger
from jts.ports.bus import BusError
from jts.storage import Storage

__all__ = ["StrategyNode"]

STATUS_TIMEOUT_S = 2.0
_SIGNALS = "events.signal."


class StrategyNode:
    def __init__(self, settings: Settings, options: NodeOptions) -> None:
        self.settings = settings
        self.options = options
        trader_id = settings.node.trader_id
        self.log = get_logger("jts.live", trader=str(trader_id), role="strategy")
        self.bus = build_remote_bus(settings.bus, "strategy", trader_id)
        self.local = InProcessMessageBus()
        self.activity = ActivityLog(self.log)
        self.kernel: LiveKernel | None = None
        self.replica: ReplicaExecutionEngine | None = None
        self.feed: BusFeed | None = None
        self.execution_status: ExecutionStatus | None = None
        self.commands_sent = 0
        self._held: list[OrderEvent] | None = []
        self._state = StrategyStateFile(settings.data_dir)
        self._loops: list[asyncio.Task[None]] = []

    # ---- start --------------------------------------------------------------------------------
    async def start(self) -> None:
        settings = self.settings
        strategy = node_strategy(self.options)
        kernel = LiveKernel(
            LiveClock(),
            trader_id=str(settings.node.trader_id),
            publish=self._publish,
            risk_limits=REPLICA_LIMITS,
            publish_market_data=False,
        )
        self.kernel = kernel
        ours = {strategy.id}
        self.replica = ReplicaExecutionEngine.install(
            kernel, send=self._send, owns=ours.__contains__
        )
        self.activity.attach(self.local)
        self.bus.subscribe(ALL_ORDER_EVENTS, self._on_order_event)
        await self.bus.start()
        self.execution_status = status = await self._wait_for_execution()
        self.log.info("execution_role", account=str(status.account_id), venue=str(status.venue))
        with open_storage(settings.database) as storage:
            kernel.add_instruments(storage.instruments.list_all())
            rebuilt = self._rebuild(storage, ours)
        held, self._held = self._held or [], None
        for event in held:
            kernel.handle_execution_event(event)
        self.feed = feed = BusFeed(self.bus, status.venue)
        kernel.attach_feed(feed)
        await feed.connect()
        self._state.restore([strategy])
        kernel.add_strategy(strategy)
        kernel.start()
        self._loops.append(asyncio.create_task(self._save_loop(), name="jts-state-save"))
        self.log.info(
            "node_started",
            role="strategy",
            strategy=str(strategy.id),
            orders_rebuilt=rebuilt,
            subscriptions=[f"{k} {v}" for k, v in kernel.feed_subscriptions],
        )

    async def _wait_for_execution(self) -> ExecutionStatus:
        """Ask the execution role until it answers (it may start after this role)."""
        trader_id = self.settings.node.trader_id
        deadline = time.monotonic() + self.options.wait_execution_s
        request = ExecutionStatusRequest(trader_id=trader_id)
        while True:
            try:
                reply = await self.bus.request(EXECUTION_STATUS, request, STATUS_TIMEOUT_S)
            except (BusError, TimeoutError) as exc:
                if time.monotonic() > deadline:
                    raise StateError(
                        f"no execution role of trader {trader_id} answered within "
                        f"{self.options.wait_execution_s:g} s ({exc}); start `jts up --role "
                        "execution` with the same bus settings"
                    ) from exc
                self.log.info("waiting_for_execution_role", reason=str(exc))
                await asyncio.sleep(0.5)
                continue
            if not isinstance(reply, ExecutionStatus):
                raise ConfigError(f"execution.status answered {type(reply).__name__}")
            return reply

    def _rebuild(self, storage: Storage, ours: set[StrategyId]) -> int:
        """This role's orders from the journal, their fills booked; returns how many."""
        assert self.kernel is not None
        assert self.replica is not None
        recovered = rebuild_orders(storage.journal)
        adopted = {
            order.client_order_id
            for order in recovered.orders
            if order.strategy_id in ours and self.replica.adopt(order)
        }
        for fill in recovered.fills:  # journal order, as the execution role applied them
            if fill.client_order_id in adopted:
                self.kernel.portfolio.apply_fill(fill)
        return len(adopted)

    # ---- bus traffic --------------------------------------------------------------------------
    def _on_order_event(self, message: Message) -> None:
        if not isinstance(message, OrderEvent):
            return
        if self._held is not None:
            self._held.append(message)
        elif self.kernel is not None:
            try:
                self.kernel.handle_execution_event(message)
            except Exception:
                # applied before the strategy's callback failed: a redelivery would be
                # skipped anyway, so it is logged here rather than retried by the bus
                self.log.exception("order_event_failed", kind=type(message).__name__)

    def _send(self, command: TradingCommand) -> None:
        self.bus.publish(trading_commands(command.strategy_id), command)
        self.commands_sent += 1

    def _publish(self, topic: str, message: Message) -> None:
        self.local.publish(topic, message)
        if topic.startswith(_SIGNALS):
            self.bus.publish(topic, message)

    # ---- loops and stop -----------------------------------------------------------------------
    async def _save_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.state_save_s)
            self._save_state()

    def _save_state(self) -> None:
        if self.kernel is None:
            return
        try:
            self._state.save(self.kernel.strategies)
        except Exception as exc:
            self.log.error("strategy_state_not_saved", error=str(exc))

    async def stop(self) -> None:
        """Stop strategies and save their state; with ``cancel_on_stop`` ask the execution role
        to cancel their open orders (it does so whatever this role does next)."""
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loops.clear()
        kernel = self.kernel
        if kernel is not None:
            kernel.stop()
            if self.options.cancel_on_stop:
                cancels = sum(kernel.cancel_all_orders(s, None, None) for s in kernel.strategies)
                if cancels:
                    self.log.info("cancelling_open_orders", count=cancels)
            self._save_state()
        if self.feed is not None:
            await self.feed.disconnect()
        await self.bus.stop()  # flushes the last commands
        await self.local.stop()
        self.log.info("node_stopped", **self.summary())

    def summary(self) -> dict[str, Any]:
        if self.kernel is None:
            return {}
        orders = self.kernel.cache.orders()
        return {
            "orders": len(orders),
            "filled": sum(o.status.value == "FILLED" for o in orders),
            "open": sum(o.is_open for o in orders),
            "commands": self.commands_sent,
            "stale_data_dropped": 0 if self.feed is None else self.feed.dropped_stale,
            "positions": {
                str(p.instrument_id): str(p.signed_qty)
                for p in self.kernel.portfolio.positions(open_only=False)
            },
        }
