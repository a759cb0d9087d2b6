"""Two kernels of a split node wired in memory: a strategy role's (replica engine) and an
execution role's (risk, OMS, a scripted venue), with every message crossing through the domain
codec as it would cross Redis, so the tests see what the wire carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jts.core.clock import LiveClock
from jts.domain.codec import Codec
from jts.domain.commands import CancelOrder, ModifyOrder, SubmitOrder, TradingCommand
from jts.domain.enums import LiquiditySide
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from jts.domain.instruments import Market, krx_equity
from jts.domain.messages import Message
from jts.domain.values import KRW, Money, Price, Quantity
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy.strategy import Strategy
from jts.live.commands import CommandServer
from jts.live.replica import REPLICA_LIMITS, ReplicaExecutionEngine
from jts.ports.execution import ExecutionEventSink

SAMSUNG = InstrumentId("005930.KRX")
ACCOUNT = AccountId("KIS-50000001-01")
INSTRUMENT = krx_equity("005930", "삼성전자", Market.KOSPI)


class ScriptedVenue:
    """An execution client that records commands; the test decides what the venue answers."""

    def __init__(self) -> None:
        self._sink: ExecutionEventSink | None = None
        self.submitted: list[SubmitOrder] = []
        self.canceled: list[CancelOrder] = []
        self.modified: list[ModifyOrder] = []
        self._trades = 0

    @property
    def venue(self) -> Venue:
        return Venue("KRX")

    @property
    def account_id(self) -> AccountId:
        return ACCOUNT

    def bind(self, sink: ExecutionEventSink) -> None:
        self._sink = sink

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    def submit_order(self, command: SubmitOrder) -> None:
        self.submitted.append(command)

    def modify_order(self, command: ModifyOrder) -> None:
        self.modified.append(command)

    def cancel_order(self, command: CancelOrder) -> None:
        self.canceled.append(command)

    def cancel_all_orders(self, command: object) -> None: ...

    async def order_status_reports(self, **_: object) -> list[Any]:
        return []

    async def fill_reports(self, **_: object) -> list[Any]:
        return []

    async def position_reports(self) -> list[Any]:
        return []

    # ---- the venue's answers ------------------------------------------------------------------
    def _ids(self, client_order_id: ClientOrderId) -> dict[str, Any]:
        init = next(c.order for c in self.submitted if c.order.client_order_id == client_order_id)
        now = LiveClock().timestamp_ns()
        return {
            "trader_id": init.trader_id,
            "strategy_id": init.strategy_id,
            "instrument_id": init.instrument_id,
            "client_order_id": client_order_id,
            "account_id": ACCOUNT,
            "ts_event": now,
            "ts_init": now,
        }

    def emit(self, event: OrderEvent) -> None:
        assert self._sink is not None
        self._sink(event)

    def accept(self, client_order_id: ClientOrderId) -> None:
        self.emit(
            OrderAccepted(
                venue_order_id=VenueOrderId(f"V-{client_order_id}"), **self._ids(client_order_id)
            )
        )

    def fill(self, client_order_id: ClientOrderId, qty: str, px: str) -> OrderFilled:
        init = next(c.order for c in self.submitted if c.order.client_order_id == client_order_id)
        self._trades += 1
        fill = OrderFilled(
            venue_order_id=VenueOrderId(f"V-{client_order_id}"),
            trade_id=TradeId(f"T-{self._trades}"),
            order_side=init.side,
            order_type=init.order_type,
            last_qty=Quantity(qty),
            last_px=Price(px),
            currency=KRW,
            commission=Money("0", KRW),
            tax=Money("0", KRW),
            liquidity_side=LiquiditySide.TAKER,
            **self._ids(client_order_id),
        )
        self.emit(fill)
        return fill

    def cancel(self, client_order_id: ClientOrderId) -> None:
        self.emit(
            OrderCanceled(
                venue_order_id=VenueOrderId(f"V-{client_order_id}"),
                reason="canceled",
                **self._ids(client_order_id),
            )
        )


class Wire:
    """Carries messages between the two kernels through the codec, in order, when pumped
    (like a stream both roles read)."""

    def __init__(self) -> None:
        self.codec = Codec()
        self.queue: list[tuple[str, bytes]] = []
        self.log: list[tuple[str, Message]] = []

    def send(self, topic: str, message: Message) -> None:
        self.queue.append((topic, self.codec.encode(message)))

    def pump(self, deliver: Callable[[str, Message], None]) -> int:
        count = 0
        while self.queue:
            topic, data = self.queue.pop(0)
            message = self.codec.decode(data)
            self.log.append((topic, message))
            deliver(topic, message)
            count += 1
        return count


class SplitPair:
    """A strategy kernel and an execution kernel joined by two wires."""

    def __init__(
        self, strategy: Strategy, *, limits: RiskLimits | None = None, max_age_s: float = 0.0
    ) -> None:
        self.commands = Wire()  # strategy -> execution
        self.events = Wire()  # execution -> strategy
        self.execution = Kernel(
            LiveClock(), publish=self.events.send, risk_limits=limits or RiskLimits()
        )
        self.execution.add_instrument(INSTRUMENT)
        self.venue = ScriptedVenue()
        self.execution.add_execution_client(self.venue)
        self.server = CommandServer(self.execution, max_age_s=max_age_s)
        self.local: list[tuple[str, Message]] = []
        self.strategy_kernel = Kernel(
            LiveClock(),
            publish=lambda topic, message: self.local.append((topic, message)),
            risk_limits=REPLICA_LIMITS,
            publish_market_data=False,
        )
        self.strategy_kernel.add_instrument(INSTRUMENT)
        self.replica = ReplicaExecutionEngine.install(
            self.strategy_kernel,
            send=lambda command: self.commands.send(
                f"commands.trading.{command.strategy_id}", command
            ),
            owns={strategy.id}.__contains__,
        )
        self.strategy = strategy
        self.strategy_kernel.add_strategy(strategy)
        self.strategy_kernel.start()

    def sent(self) -> list[TradingCommand]:
        return [c for c in (self.commands.codec.decode(d) for _, d in self.commands.queue)]  # type: ignore[misc]

    def pump(self) -> None:
        """Deliver everything in flight both ways until both wires are quiet."""
        while self.commands.queue or self.events.queue:
            self.commands.pump(lambda _topic, message: self.server.on_message(message))
            self.events.pump(self._to_strategy)

    def _to_strategy(self, topic: str, message: Message) -> None:
        if topic.startswith("events.order.") and isinstance(message, OrderEvent):
            self.strategy_kernel.handle_execution_event(message)
