"""`SimulatedVenue`: the backtest's venue, an `ExecutionClient` like any broker adapter.

It wraps one `MatchingEngine` per instrument (created on the instrument's first data point or
order) and turns the engine's records into the same events and reports a broker adapter
produces, so the kernel cannot tell a backtest from a live account:

- ``submit_order`` answers at once with `OrderAccepted` (venue order id from the
  `VenueIdFactory`) or `OrderRejected` naming the broken rule; where the fill mode allows it
  (close mode, a current book) the fill follows immediately.
- Every fill is an `OrderFilled` with a deterministic trade id, the commission and tax the
  `CostModel` charges, and ``ts_event`` = the clock's time.
- Modifies and cancels are answered when they reach the engine (after the latency): an
  `OrderUpdated` / `OrderCanceled`, or a refusal when the order filled or ended first.

The backtest engine calls `process_bar` / `process_trade_tick` / `process_book` for each data
point *before* the kernel sees it, so orders resting from earlier points fill on it first, and
`process_time` where it wants expiries without data (e.g. at each session close).

Threading and I/O: none. Everything runs synchronously on the kernel's thread; the events go
to the sink the kernel bound, which queues them while a strategy callback is running.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jts.backtest.venue.ledger import VenueLedger, VenueOrder
from jts.core.clock import Clock
from jts.core.errors import StateError, UnknownInstrumentError
from jts.domain.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from jts.domain.enums import OrderStatus
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, OrderBookSnapshot, TradeTick
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.kernel.ids import VenueIdFactory
from jts.matching.engine import MatchingEngine
from jts.matching.models import MatchingConfig
from jts.matching.orders import OrderRequest
from jts.matching.results import (
    Accepted,
    Canceled,
    CancelRejected,
    Expired,
    Filled,
    MatchResult,
    ModifyRejected,
    Rejected,
    Triggered,
    Updated,
)
from jts.matching.sessions import SessionRules
from jts.ports.calendar import TradingCalendar
from jts.ports.costs import CostModel
from jts.ports.execution import ExecutionEvent, ExecutionEventSink

__all__ = ["DuplicateOrderError", "InstrumentLookup", "SimulatedVenue"]

#: Finds an instrument by id, raising `UnknownInstrumentError` (the kernel's `Cache.instrument`).
InstrumentLookup = Callable[[InstrumentId], Instrument]


class DuplicateOrderError(StateError):
    """A client order id was submitted twice; the OMS never does this, so it is a bug."""


class SimulatedVenue:
    """One account at a simulated venue (see the module docstring)."""

    def __init__(
        self,
        clock: Clock,
        instruments: InstrumentLookup,
        *,
        calendar: TradingCalendar | None,
        costs: CostModel,
        ids: VenueIdFactory,
        account_id: AccountId,
        venue: Venue,
        config: MatchingConfig | None = None,
    ) -> None:
        self._clock = clock
        self._instruments = instruments
        self._calendar = calendar
        self._costs = costs
        self._config = config or MatchingConfig()
        self._ids = ids
        self._account_id = AccountId(account_id)
        self._venue = Venue(venue)
        self._sink: ExecutionEventSink | None = None
        self._engines: dict[InstrumentId, MatchingEngine] = {}
        self._rules = SessionRules(calendar)  # shared by the engines: days worked out once
        self._ledger = VenueLedger(self._account_id)
        self._rejected: dict[str, SubmitOrder] = {}

    # ---- ExecutionClient: identity and wiring -------------------------------------------------
    @property
    def venue(self) -> Venue:
        return self._venue

    @property
    def account_id(self) -> AccountId:
        return self._account_id

    @property
    def config(self) -> MatchingConfig:
        return self._config

    def bind(self, sink: ExecutionEventSink) -> None:
        self._sink = sink

    async def connect(self) -> None:
        """Nothing to connect: the venue lives in this process."""

    async def disconnect(self) -> None:
        """Nothing to disconnect: the venue lives in this process."""

    def engine(self, instrument_id: InstrumentId) -> MatchingEngine:
        """The instrument's matching engine (created on first use)."""
        engine = self._engines.get(instrument_id)
        if engine is None:
            instrument = self._instruments(instrument_id)
            engine = MatchingEngine(instrument, self._config, self._calendar, rules=self._rules)
            self._engines[instrument_id] = engine
        return engine

    # ---- market data --------------------------------------------------------------------------
    def process_bar(self, bar: Bar) -> None:
        engine = self._engines.get(bar.bar_type.instrument_id)
        if engine is None:
            engine = self.engine(bar.bar_type.instrument_id)
        results = engine.process_bar(bar)
        if results:
            self._publish(engine, results)

    def process_trade_tick(self, tick: TradeTick) -> None:
        engine = self._engines.get(tick.instrument_id)
        if engine is None:
            engine = self.engine(tick.instrument_id)
        results = engine.process_trade_tick(tick)
        if results:
            self._publish(engine, results)

    def process_book(self, snapshot: OrderBookSnapshot) -> None:
        engine = self._engines.get(snapshot.instrument_id)
        if engine is None:
            engine = self.engine(snapshot.instrument_id)
        results = engine.process_book(snapshot)
        if results:
            self._publish(engine, results)

    def process_time(self, ts_ns: int) -> None:
        """Deliver requests that have arrived and expire orders due by ``ts_ns``."""
        for engine in self._engines.values():
            results = engine.process_time(ts_ns)
            if results:
                self._publish(engine, results)

    # ---- commands -----------------------------------------------------------------------------
    def submit_order(self, command: SubmitOrder) -> None:
        init = command.order
        order_id: str = init.client_order_id  # a str already: no copy to keep per order
        if self._ledger.get(order_id) is not None or order_id in self._rejected:
            raise DuplicateOrderError(
                f"client order id {order_id} was already submitted to {self._account_id}"
            )
        reason = self._refusal(command)
        if reason is not None:
            self._rejected[order_id] = command
            self._emit(OrderRejected, command, reason=reason)
            return
        engine = self.engine(init.instrument_id)
        request = OrderRequest(
            order_id,
            init.side,
            init.order_type,
            init.quantity,
            init.price,
            init.trigger_price,
            init.time_in_force,
            init.expire_time_ns,
        )
        self._publish(engine, engine.submit(request, self._clock.timestamp_ns()), command)

    def _refusal(self, command: SubmitOrder) -> str | None:
        """Checks the venue makes before the engine sees the order."""
        init = command.order
        account = command.account_id or init.account_id
        if account is not None and account != self._account_id:
            return f"order for account {account} sent to {self._account_id}"
        try:
            self._instruments(init.instrument_id)
        except UnknownInstrumentError:
            return f"unknown instrument {init.instrument_id} at {self._venue}"
        if init.post_only:
            return (
                f"{init.instrument_id}: post-only orders are not supported by the simulated venue"
            )
        return None

    def modify_order(self, command: ModifyOrder) -> None:
        order = self._ledger.get(command.client_order_id)
        if order is None:
            self._emit(OrderModifyRejected, command, reason=self._unknown(command))
            return
        engine = self.engine(order.init.instrument_id)
        results = engine.modify(
            command.client_order_id,
            self._clock.timestamp_ns(),
            quantity=command.quantity,
            price=command.price,
            trigger_price=command.trigger_price,
        )
        self._publish(engine, results)

    def cancel_order(self, command: CancelOrder) -> None:
        order = self._ledger.get(command.client_order_id)
        if order is None:
            self._emit(OrderCancelRejected, command, reason=self._unknown(command))
            return
        engine = self.engine(order.init.instrument_id)
        self._publish(engine, engine.cancel(command.client_order_id, self._clock.timestamp_ns()))

    def _unknown(self, command: ModifyOrder | CancelOrder) -> str:
        order_id = command.client_order_id
        if order_id in self._rejected:
            return f"order {order_id} was rejected by the venue"
        return f"order {order_id} is not known to the venue"

    def cancel_all_orders(self, command: CancelAllOrders) -> None:
        """Cancel each open order of the strategy in the instrument (one side or both)."""
        engine = self.engine(command.instrument_id)
        now = self._clock.timestamp_ns()
        for order in self._ledger.orders():
            init = order.init
            if (
                order.is_open
                and init.instrument_id == command.instrument_id
                and init.strategy_id == command.strategy_id
                and (command.order_side is None or init.side is command.order_side)
            ):
                self._publish(engine, engine.cancel(init.client_order_id, now))

    # ---- reports ------------------------------------------------------------------------------
    async def order_status_reports(
        self, *, open_only: bool = True, instrument_id: InstrumentId | None = None
    ) -> Sequence[OrderStatusReport]:
        return self._ledger.order_status_reports(
            self._clock.timestamp_ns(), open_only=open_only, instrument_id=instrument_id
        )

    async def fill_reports(
        self, *, since_ns: int | None = None, client_order_id: ClientOrderId | None = None
    ) -> Sequence[FillReport]:
        return self._ledger.fill_reports(since_ns=since_ns, client_order_id=client_order_id)

    async def position_reports(self) -> Sequence[PositionReport]:
        return self._ledger.position_reports(self._clock.timestamp_ns())

    # ---- results -> events --------------------------------------------------------------------
    def _send(self, event: ExecutionEvent) -> None:
        sink = self._sink
        if sink is None:
            raise StateError(f"simulated venue {self._account_id} is not bound to a kernel")
        sink(event)

    def _emit(
        self, kind: type[OrderEvent], source: SubmitOrder | ModifyOrder | CancelOrder, **fields: Any
    ) -> None:
        """An answer about an order the ledger does not hold: its ids come from the command."""
        now = self._clock.timestamp_ns()
        self._send(
            kind(
                trader_id=source.trader_id,
                strategy_id=source.strategy_id,
                instrument_id=source.instrument_id,
                client_order_id=(
                    source.order.client_order_id
                    if isinstance(source, SubmitOrder)
                    else source.client_order_id
                ),
                account_id=self._account_id,
                ts_event=now,
                ts_init=now,
                **fields,
            )
        )

    def _publish(
        self,
        engine: MatchingEngine,
        results: Sequence[MatchResult],
        command: SubmitOrder | None = None,
    ) -> None:
        for result in results:
            if type(result) is Filled:  # the common answer to data, dispatched first
                order = self._ledger.get(result.order_id)
                assert order is not None  # the engine only knows orders the ledger holds
                self._send(self._fill(engine.instrument, order, result, self._clock.timestamp_ns()))
                continue
            if isinstance(result, Rejected):
                assert command is not None  # only a submission is rejected
                self._rejected[result.order_id] = command
                self._emit(OrderRejected, command, reason=result.reason)
                continue
            if isinstance(result, Accepted):
                assert command is not None
                self._accept(command)
                continue
            order = self._ledger.get(result.order_id)
            assert order is not None  # the engine only knows orders the ledger holds
            self._apply(engine.instrument, order, result)

    def _accept(self, command: SubmitOrder) -> None:
        now = self._clock.timestamp_ns()
        init = command.order
        order = VenueOrder(init, self._ids.venue_order_id(), now)
        self._ledger.add(order)
        self._send(
            OrderAccepted(  # fields spelled out: this runs for every order
                venue_order_id=order.venue_order_id,
                trader_id=init.trader_id,
                strategy_id=init.strategy_id,
                instrument_id=init.instrument_id,
                client_order_id=init.client_order_id,
                account_id=self._account_id,
                ts_event=now,
                ts_init=now,
            )
        )

    def _ids_of(self, order: VenueOrder, now: int) -> dict[str, Any]:
        init = order.init
        return {
            "trader_id": init.trader_id,
            "strategy_id": init.strategy_id,
            "instrument_id": init.instrument_id,
            "client_order_id": init.client_order_id,
            "account_id": self._account_id,
            "ts_event": now,
            "ts_init": now,
        }

    def _apply(self, instrument: Instrument, order: VenueOrder, result: MatchResult) -> None:
        now = self._clock.timestamp_ns()
        if isinstance(result, Filled):
            self._send(self._fill(instrument, order, result, now))
            return
        ids = self._ids_of(order, now)
        venue_id = order.venue_order_id
        event: OrderEvent
        if isinstance(result, Triggered):
            if order.status is OrderStatus.ACCEPTED:
                order.status = OrderStatus.TRIGGERED
            order.ts_last = now
            event = OrderTriggered(venue_order_id=venue_id, **ids)
        elif isinstance(result, Updated):
            order.quantity, order.ts_last = result.quantity, now
            order.price = result.price if result.price is not None else order.price
            if result.trigger_price is not None:
                order.trigger_price = result.trigger_price
            if order.filled >= order.quantity:
                order.status = OrderStatus.FILLED
            price = result.price if order.init.order_type.requires_price else None
            trigger = result.trigger_price if order.init.order_type.requires_trigger_price else None
            event = OrderUpdated(
                quantity=result.quantity,
                price=price,
                trigger_price=trigger,
                venue_order_id=venue_id,
                **ids,
            )
        elif isinstance(result, Canceled):
            order.status, order.reason, order.ts_last = OrderStatus.CANCELED, result.reason, now
            event = OrderCanceled(venue_order_id=venue_id, reason=result.reason, **ids)
        elif isinstance(result, Expired):
            order.status, order.ts_last = OrderStatus.EXPIRED, now
            event = OrderExpired(venue_order_id=venue_id, **ids)
        elif isinstance(result, CancelRejected):
            event = OrderCancelRejected(venue_order_id=venue_id, reason=result.reason, **ids)
        elif isinstance(result, ModifyRejected):
            event = OrderModifyRejected(venue_order_id=venue_id, reason=result.reason, **ids)
        else:  # pragma: no cover - the engine's result types are closed
            raise TypeError(f"unexpected matching result {result!r}")
        self._send(event)

    def _fill(
        self, instrument: Instrument, order: VenueOrder, result: Filled, now: int
    ) -> OrderFilled:
        init = order.init
        price, qty = result.price, result.quantity
        fill = OrderFilled(
            venue_order_id=order.venue_order_id,
            trade_id=self._ids.trade_id(),
            order_side=init.side,
            order_type=init.order_type,
            last_qty=qty,
            last_px=price,
            currency=instrument.quote_currency,
            commission=self._costs.commission(instrument, init.side, price, qty, now),
            tax=self._costs.tax(instrument, init.side, price, qty, now),
            liquidity_side=result.liquidity,
            trader_id=init.trader_id,
            strategy_id=init.strategy_id,
            instrument_id=init.instrument_id,
            client_order_id=init.client_order_id,
            account_id=self._account_id,
            ts_event=now,
            ts_init=now,
        )
        self._ledger.record_fill(order, fill)
        return fill
