"""The execution role's side of the command topic: strategies' commands into risk and the OMS.

Crash safety rests on the bus's consumer group. The handler runs the command synchronously:
risk, then the OMS, which journals the order before the venue client is even called. Only when
the handler has returned is the entry acknowledged (with the bus's next read), so a crash at
any instant leaves the command either unacknowledged (it is redelivered to the restarted role,
which finds the order in its journal and does nothing twice) or acknowledged after the journal
holds it. A journal failure raises out of the handler: the entry stays pending and is retried.

Commands older than ``max_age_s`` (by their ``ts_init``) are denied rather than executed: a
market order that waited in the stream while the execution role was down is no longer what its
strategy asked for. The denial is journaled and published like any other.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from jts.core.errors import StateError
from jts.core.time import NANOS_PER_SECOND
from jts.domain.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.market_data import TradeTick
from jts.domain.messages import Message
from jts.kernel.kernel import Kernel
from jts.live.messages import ExecutionStatus, ExecutionStatusRequest
from jts.live.topics import ALL_COMMANDS, EXECUTION_STATUS, TRADES
from jts.ports.bus import BusClosedError, MessageBus

__all__ = ["CommandServer", "CommandStats", "cancel_open_orders", "serve_commands"]

log = logging.getLogger(__name__)

#: Command ids remembered to drop a redelivered modify or cancel (submits are recognised by
#: their client order id, which the journal keeps forever).
_REMEMBERED = 65_536


@dataclass(slots=True)
class CommandStats:
    submits: int = 0
    modifies: int = 0
    cancels: int = 0
    duplicates: int = 0
    stale: int = 0
    foreign: int = 0
    unknown: int = 0


class CommandServer:
    """Feeds trading commands from the bus into one kernel (the execution role's)."""

    def __init__(self, kernel: Kernel, *, max_age_s: float) -> None:
        self._kernel = kernel
        self._max_age_ns = int(max_age_s * NANOS_PER_SECOND)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._closed = False
        self.stats = CommandStats()

    def close(self) -> None:
        """Take no more commands: each one that arrives now fails its delivery, so the bus
        leaves it unacknowledged for the next run of this role instead of dropping it."""
        self._closed = True

    def on_message(self, message: Message) -> None:
        kernel = self._kernel
        if self._closed:
            raise BusClosedError("execution role stopping; the command waits for its restart")
        if not isinstance(message, SubmitOrder | ModifyOrder | CancelOrder | CancelAllOrders):
            self.stats.unknown += 1
            log.warning("not a trading command on the command topic: %r", message)
            return
        if message.trader_id != kernel.trader_id:
            self.stats.foreign += 1
            log.warning(
                "command of trader %s ignored (this is %s)", message.trader_id, kernel.trader_id
            )
            return
        if isinstance(message, SubmitOrder):
            self._submit(message)
            return
        if self._repeated(message.command_id):
            return
        if isinstance(message, ModifyOrder):
            self.stats.modifies += 1
            kernel.execution.modify(message)
        elif isinstance(message, CancelOrder):
            self.stats.cancels += 1
            kernel.execution.cancel(message)
        else:
            self.stats.cancels += 1
            kernel.execution.cancel_all(message)

    def on_trade(self, message: Message) -> None:
        if isinstance(message, TradeTick):
            self._kernel.process_trade_tick(message)

    def status(self, message: Message) -> ExecutionStatus:
        """Answer `ExecutionStatusRequest`: which account this role trades for ``trader_id``."""
        kernel = self._kernel
        if not isinstance(message, ExecutionStatusRequest):
            raise StateError(f"expected an ExecutionStatusRequest, got {type(message).__name__}")
        if message.trader_id != kernel.trader_id:
            raise StateError(
                f"this execution role trades for {kernel.trader_id}, not {message.trader_id}"
            )
        clients = kernel.execution.router.clients()
        if not clients:
            raise StateError("the execution role has no execution client yet")
        return ExecutionStatus(
            trader_id=kernel.trader_id,
            account_id=clients[0].account_id,
            venue=clients[0].venue,
            open_orders=kernel.cache.open_order_count(),
            ts_init=time.time_ns(),
        )

    def _submit(self, command: SubmitOrder) -> None:
        kernel = self._kernel
        if kernel.cache.order(command.client_order_id) is not None:
            self.stats.duplicates += 1
            log.info(
                "order %s already journaled: redelivered command ignored", command.client_order_id
            )
            return
        self.stats.submits += 1
        age = time.time_ns() - command.ts_init
        if self._max_age_ns and age > self._max_age_ns:
            self.stats.stale += 1
            reason = (
                f"stale command: sent {age / NANOS_PER_SECOND:.1f} s ago, "
                f"more than the {self._max_age_ns / NANOS_PER_SECOND:g} s allowed"
            )
            kernel.execution.submit(command, reason)
            return
        kernel.submit(command)

    def _repeated(self, command_id: str) -> bool:
        seen = self._seen
        if command_id in seen:
            self.stats.duplicates += 1
            return True
        seen[command_id] = None
        if len(seen) > _REMEMBERED:
            seen.popitem(last=False)
        return False


def serve_commands(bus: MessageBus, kernel: Kernel, *, max_age_s: float) -> CommandServer:
    """Wire the execution role: commands in, trade ticks in (risk marks prices with them), and
    the status endpoint strategy roles ask before they trade. Call before the bus starts."""
    server = CommandServer(kernel, max_age_s=max_age_s)
    bus.subscribe(ALL_COMMANDS, server.on_message)
    bus.subscribe(TRADES, server.on_trade)
    bus.register_endpoint(EXECUTION_STATUS, server.status)
    return server


def cancel_open_orders(kernel: Kernel) -> int:
    """Cancel every open order (the execution role's stop policy: it runs no strategy whose
    orders it could pick); returns how many cancels went out."""
    count = 0
    now = time.time_ns()
    for order in kernel.cache.open_orders():
        count += kernel.execution.cancel(
            CancelOrder(
                trader_id=order.trader_id,
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                client_order_id=order.client_order_id,
                venue_order_id=order.venue_order_id,
                command_id=kernel.ids.command_id(),
                ts_init=now,
            )
        )
    return count
