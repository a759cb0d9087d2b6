"""`ExecAlgorithm`: a parent order worked as a series of child orders inside the kernel.

An algorithm is built with the parent's terms (instrument, side, quantity, window) and started
by a strategy (`Strategy.execute`) or by the kernel (`Kernel.execute_algorithm`). From then on it
runs on the kernel's clock and thread. The rules every algorithm keeps:

- **Children take the normal path.** Each child is an `OrderInitialized` submitted like any
  strategy order (risk engine, then OMS, then venue), under the owning strategy's id (or the
  algorithm's own id when started without a strategy), tagged ``exec_algorithm=<id>``.
- **Never more than the parent.** A child is sized from what is still owed: the schedule's
  target so far, minus what filled, minus what open children may still fill, minus what was
  skipped. So filled + working never exceeds the parent, whatever the order of fills, cancels
  and denials.
- **Lots and ticks.** Child quantities are whole lots and at least the instrument's minimum;
  the parent must be whole lots itself, so the last child takes exactly the remainder. Limit
  prices are on the day's tick grid and clipped into the daily limits (`pricing`).
- **Denied children** (risk engine) and children **rejected by the venue** follow
  `DenialPolicy`: ``RETRY`` (default) keeps the quantity owed for the next decision point (the
  next slice, the next volume update, or a retry alert for the iceberg); ``SKIP`` gives it up
  (reported as ``skipped_qty``; once everything is filled or skipped the algorithm ends at
  once); ``STOP`` cancels open children and stops. A denial while the kill switch is on always
  stops.
- **Children taken away.** A child canceled or expired without the algorithm asking (an
  operator, the owning strategy's ``cancel_all_orders``, the kill switch, the venue) stops the
  algorithm: it never fights whoever took the order away. To stop an algorithm, `cancel` it.
- **Ending.** The parent is done when it is filled, when `cancel` is called, or when the window
  ends. At the end resting limit children are canceled (market children in flight are let
  finish); then, with `EndAction.SWEEP`, one market child is sent for what is left, and the
  algorithm settles as ``ENDED`` (or ``FILLED``) once every child is closed. With
  `EndAction.LEAVE` (default) the remainder is left and reported. `cancel` takes down every
  open child, a sweep in flight included.
- **Resumed after a restart.** With a `ParentStore` on the engine, the parent (kind, terms,
  the instant its window started) is saved before its first child goes out; its children are
  in the journal, tagged with its id. A restarted node rebuilds it (`AlgorithmEngine.resume`):
  filled, working and skipped quantities and the counters come back from the children's
  states, open children are followed again, and the algorithm continues where its schedule
  stands now; if its window ended meanwhile it finishes at once ("the window ended while the
  node was down"). A child canceled or expired while the node was down cannot be told from
  one the algorithm canceled, so it does not stop the algorithm: its quantity is owed again.

Callbacks see children's events after the kernel has applied them and after the owning
strategy's callbacks: a strategy reading `progress()` inside its own ``on_order_filled`` sees
the numbers before that fill; `add_progress_listener` is called after the algorithm has
counted it.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

from jts.core.clock import TimeEvent
from jts.core.errors import InvalidInputError, StateError
from jts.core.time import kst_date
from jts.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from jts.domain.events_order import (
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderRejected,
    OrderSubmitted,
)
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, StrategyId
from jts.domain.instruments import Instrument
from jts.domain.market_data import Bar, TradeTick
from jts.domain.orders import Order, ratio_to_decimal
from jts.domain.tick_rules import TickScheme
from jts.domain.values import Price, Quantity
from jts.kernel.execution.algorithms.persistence import json_value
from jts.kernel.execution.algorithms.pricing import (
    daily_limits_or_none,
    offset_price,
    within_limits,
    within_ticks,
)
from jts.kernel.execution.algorithms.progress import AlgorithmProgress, AlgorithmStatus
from jts.kernel.execution.algorithms.runtime import AlgorithmRuntime
from jts.kernel.execution.algorithms.terms import (
    PARENT_TAG,
    DenialPolicy,
    EndAction,
    QtyLike,
    as_qty,
    check_ns,
    parent_of,
)
from jts.ports.repositories import JsonValue

__all__ = [
    "PARENT_TAG",
    "ChildOrder",
    "DenialPolicy",
    "EndAction",
    "ExecAlgorithm",
    "QtyLike",
    "parent_of",
]


@dataclass(slots=True)
class ChildOrder:
    """One child as its algorithm tracks it."""

    init: OrderInitialized
    sweep: bool = False
    order: Order | None = None
    cancel_requested: bool = False
    reprice: bool = False  # canceled to be sent again at a new price
    counted: set[str] = field(default_factory=set)  # the counters it already added to


#: The counter a child closed in each status adds to (see `progress`).
_CLOSED_COUNTERS = {
    OrderStatus.FILLED: "filled",
    OrderStatus.DENIED: "denied",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.CANCELED: "canceled",
    OrderStatus.EXPIRED: "expired",
}


class ExecAlgorithm(ABC):
    """Base of TWAP, VWAP, Iceberg and POV (see the module docstring for the rules)."""

    #: Short upper-case name; also the prefix of generated algorithm ids.
    name: ClassVar[str] = "ALGO"

    def __init__(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: QtyLike,
        *,
        start_ns: int | None = None,
        end_ns: int | None = None,
        on_denied: DenialPolicy = DenialPolicy.RETRY,
        at_end: EndAction = EndAction.LEAVE,
        algorithm_id: str | None = None,
        account_id: str | None = None,
        tags: Sequence[str] = (),
    ) -> None:
        self.instrument_id = InstrumentId(instrument_id)
        if not isinstance(side, OrderSide):
            raise InvalidInputError(f"side must be an OrderSide, got {side!r}")
        self.side = side
        qty = as_qty(quantity, "quantity")
        if not qty.is_positive():
            raise InvalidInputError(f"{self.name}: the parent quantity must be positive, got {qty}")
        check_ns("start_ns", start_ns)
        check_ns("end_ns", end_ns)
        if start_ns is not None and end_ns is not None and end_ns <= start_ns:
            raise InvalidInputError(
                f"{self.name}: the window must end after it starts (start {start_ns}, end {end_ns})"
            )
        if not isinstance(on_denied, DenialPolicy):
            raise InvalidInputError(f"on_denied must be a DenialPolicy, got {on_denied!r}")
        if not isinstance(at_end, EndAction):
            raise InvalidInputError(f"at_end must be an EndAction, got {at_end!r}")
        if algorithm_id is not None:
            StrategyId(algorithm_id)  # it names the children's strategy when run unowned
        if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
            raise InvalidInputError(f"tags must be a sequence of strings, got {tags!r}")
        self._quantity = qty
        self._start_ns = start_ns
        self._end_ns = end_ns
        self._on_denied = on_denied
        self._at_end = at_end
        self._algorithm_id = algorithm_id
        self.account_id = None if account_id is None else AccountId(account_id)
        self._tags = tuple(tags)
        self._status = AlgorithmStatus.PENDING
        self._final = AlgorithmStatus.ENDED
        self._reason = ""
        self._runtime: AlgorithmRuntime | None = None
        self._instrument: Instrument | None = None
        self._window_start = 0
        self._lot = 1
        self._min = 1
        self._filled = 0  # raw units at the instrument's size precision, like every qty below
        self._skipped = 0
        self._notional = Fraction(0)
        self._children: dict[ClientOrderId, ChildOrder] = {}
        self._open: dict[ClientOrderId, ChildOrder] = {}  # not closed yet: what sizing looks at
        self._counts = dict.fromkeys(
            ("sent", "filled", "denied", "rejected", "canceled", "expired"), 0
        )
        self._swept = False
        self._listeners: list[Callable[[AlgorithmProgress], None]] = []
        self._last_reported: AlgorithmProgress | None = None
        self._quiet = 0

    # ---- public -------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The algorithm id (given, or generated when started)."""
        return self._algorithm_id or ""

    @property
    def status(self) -> AlgorithmStatus:
        return self._status

    @property
    def reason(self) -> str:
        """Why it stopped or ended ('' while running or when filled)."""
        return self._reason

    @property
    def quantity(self) -> Quantity:
        return self._quantity

    @property
    def is_done(self) -> bool:
        return self._status.is_terminal

    @property
    def window_start_ns(self) -> int:
        """When the window really started (its schedule is computed from it); 0 before."""
        return self._window_start

    def terms(self) -> dict[str, JsonValue]:
        """The constructor arguments as JSON: what a `ParentRecord` saves to rebuild it."""
        common: dict[str, object] = {
            "instrument_id": self.instrument_id,
            "side": self.side,
            "quantity": self._quantity,
            "end_ns": self._end_ns,
            "on_denied": self._on_denied,
            "at_end": self._at_end,
            "account_id": self.account_id,
            "tags": self._tags,
        }
        common.update(self._own_terms())
        return {name: json_value(value) for name, value in common.items()}

    def child_orders(self) -> list[Order]:
        """The children the OMS knows, in the order they were sent."""
        return [c.order for c in self._children.values() if c.order is not None]

    def add_progress_listener(self, listener: Callable[[AlgorithmProgress], None]) -> None:
        """Called with a new snapshot whenever the numbers or the status change."""
        self._listeners.append(listener)

    def progress(self) -> AlgorithmProgress:
        precision = self._quantity.precision
        filled = Fraction(self._filled, 10**precision)
        return AlgorithmProgress(
            algorithm_id=self.id,
            algorithm=self.name,
            instrument_id=self.instrument_id,
            side=self.side,
            status=self._status,
            quantity=self._quantity,
            filled_qty=Quantity.from_raw(self._filled, precision),
            working_qty=Quantity.from_raw(self._working(), precision),
            remaining_qty=Quantity.from_raw(self._quantity.raw - self._filled, precision),
            skipped_qty=Quantity.from_raw(self._skipped, precision),
            filled_notional=ratio_to_decimal(self._notional),
            avg_px=ratio_to_decimal(self._notional / filled) if filled else None,
            children_sent=self._counts["sent"],
            children_filled=self._counts["filled"],
            children_denied=self._counts["denied"],
            children_rejected=self._counts["rejected"],
            children_canceled=self._counts["canceled"],
            children_expired=self._counts["expired"],
            reason=self._reason,
            ts=self._runtime.now() if self._runtime is not None else 0,
        )

    def cancel(self, reason: str = "canceled by its owner") -> None:
        """Stop scheduling and cancel every open child; idempotent.

        The status is ``FINISHING`` until the venue has answered the cancels, then
        ``CANCELED`` (or ``FILLED`` if the children filled in the meantime).
        """
        if self._status is AlgorithmStatus.PENDING:
            self._status = AlgorithmStatus.CANCELED
            self._reason = reason
            self._report()
        elif self._status is AlgorithmStatus.FINISHING:
            # already winding down (the window ended, a denial stopped it): the owner's cancel
            # still takes down whatever is left, the final sweep included
            self._final, self._reason, self._swept = AlgorithmStatus.CANCELED, reason, True
            for child in list(self._open.values()):
                if not child.cancel_requested:
                    self._cancel_child(child)
            self._settle()
        else:
            self._finish(AlgorithmStatus.CANCELED, reason)

    # ---- what subclasses implement ------------------------------------------------------------
    def _own_terms(self) -> dict[str, object]:
        """The subclass's constructor arguments beyond the common ones (see `terms`)."""
        return {}

    def _resumed(self) -> None:  # noqa: B027 - optional hook
        """State the children cannot give back, set after a resume and before `_begin`."""

    def _prepare(self, instrument: Instrument, now_ns: int) -> None:  # noqa: B027 - optional hook
        """Check the subclass's own terms against the instrument; raise before anything runs."""

    @abstractmethod
    def _begin(self) -> None:
        """Set timers, subscribe to data and send the first children."""

    def _on_child_closed(self, child: ChildOrder, order: Order) -> None:  # noqa: B027 - optional hook
        """A child closed while the algorithm runs (replace, replenish ...)."""

    def _on_repriced(self) -> None:  # noqa: B027 - optional hook
        """Every child `_reprice` canceled is settled: send what they freed, as one child."""

    def _after_failure(self) -> None:  # noqa: B027 - optional hook
        """A child was denied or rejected under SKIP or RETRY: plan the next attempt."""

    def _on_trade_tick(self, tick: TradeTick) -> None:  # noqa: B027 - optional hook
        """Trade ticks, for algorithms that subscribed to them."""

    def _on_bar(self, bar: Bar) -> None:  # noqa: B027 - optional hook
        """Bars, for algorithms that subscribed to them."""

    # ---- lifecycle (called by the engine) -----------------------------------------------------
    def _assign_id(self, algorithm_id: str) -> None:
        if self._algorithm_id is None:
            StrategyId(algorithm_id)
            self._algorithm_id = algorithm_id

    def _start(self, runtime: AlgorithmRuntime) -> None:
        """Validate against the instrument and the clock, then run `_begin`."""
        if self._status is not AlgorithmStatus.PENDING:
            raise StateError(f"{self.name} {self.id} was already started ({self._status.value})")
        instrument = runtime.instrument(self.instrument_id)
        quantity = instrument.make_qty(self._quantity)
        instrument.check_order_quantity(quantity)
        now = runtime.now()
        start = now if self._start_ns is None else max(self._start_ns, now)
        if self._end_ns is not None and self._end_ns <= start:
            raise InvalidInputError(
                f"{self.name} {self.id}: the window ends at {self._end_ns}, not after "
                f"{'now' if start == now else 'its start'} ({start})"
            )
        precision = instrument.size_precision
        self._lot = instrument.lot_size.raw_at(precision)
        self._min = max(self._lot, instrument.min_quantity.raw_at(precision))
        self._quantity = quantity
        self._window_start = start
        self._prepare(instrument, now)
        self._instrument = instrument
        self._runtime = runtime
        self._status = AlgorithmStatus.RUNNING
        runtime.started()  # the parent is saved before its first child goes out
        self._begin()
        self._settle()

    def _resume(
        self, runtime: AlgorithmRuntime, children: Sequence[Order], window_start: int
    ) -> None:
        """Continue after a restart from the children's states (see the module docstring)."""
        if self._status is not AlgorithmStatus.PENDING:
            raise StateError(f"{self.name} {self.id} was already started ({self._status.value})")
        instrument = runtime.instrument(self.instrument_id)
        self._quantity = instrument.make_qty(self._quantity)
        precision = instrument.size_precision
        self._lot = instrument.lot_size.raw_at(precision)
        self._min = max(self._lot, instrument.min_quantity.raw_at(precision))
        self._window_start = window_start
        now = runtime.now()
        self._prepare(instrument, now)
        self._instrument = instrument
        self._runtime = runtime
        self._status = AlgorithmStatus.RUNNING
        for order in children:
            self._adopt(order)
        self._resumed()
        if self._end_ns is not None and now >= self._end_ns:
            self._finish(AlgorithmStatus.ENDED, "the window ended while the node was down")
        else:
            self._begin()
        self._settle()

    def _adopt(self, order: Order) -> None:
        """Take a child back from the journal: its quantities and counters, and its events
        from now on if it is still open."""
        child = ChildOrder(order.init, order=order)
        client_order_id = order.client_order_id
        self._children[client_order_id] = child
        status = order.status
        if not order.is_closed:
            self._open[client_order_id] = child
            self._rt.adopt(client_order_id)
            child.cancel_requested = status is OrderStatus.PENDING_CANCEL
        precision = self._quantity.precision
        self._filled += order.filled_qty.raw_at(precision)
        self._notional += Fraction(order.filled_notional)
        if any(isinstance(event, OrderSubmitted) for event in order.events):
            self._count(child, "sent")
        counter = _CLOSED_COUNTERS.get(status)
        if counter is not None:
            self._count(child, counter)
        failed = status in (OrderStatus.DENIED, OrderStatus.REJECTED)
        if failed and self._on_denied is DenialPolicy.SKIP:
            self._skipped += order.leaves_qty.raw_at(precision)

    def _on_child_event(self, order: Order, event: OrderEvent) -> None:
        """Every event of a child, after the kernel applied it (called by the engine)."""
        child = self._children.get(event.client_order_id)
        if child is None:
            return
        child.order = order
        # a child canceled to be re-priced is settled once it closes (canceled, or filled
        # before the cancel got there) or once the venue refuses the cancel (it works on)
        repriced = child.reprice and (order.is_closed or isinstance(event, OrderCancelRejected))
        if order.is_closed:
            self._open.pop(event.client_order_id, None)
        if isinstance(event, OrderFilled):
            precision = self._quantity.precision
            self._filled += event.last_qty.raw_at(precision)
            self._notional += Fraction(event.last_px.raw, 10**event.last_px.precision) * Fraction(
                event.last_qty.raw, 10**event.last_qty.precision
            )
            if order.status is OrderStatus.FILLED:
                self._count(child, "filled")
        elif isinstance(event, OrderSubmitted):
            self._count(child, "sent")
        elif isinstance(event, OrderDenied):
            self._count(child, "denied")
            self._child_failed(child, f"denied: {event.reason}")
        elif isinstance(event, OrderRejected):
            self._count(child, "rejected")
            self._child_failed(child, f"rejected by the venue: {event.reason}")
        elif isinstance(event, OrderCanceled | OrderExpired):
            what = "canceled" if isinstance(event, OrderCanceled) else "expired"
            self._count(child, what)
            if not child.cancel_requested:
                self._taken_away(child, what)
        elif isinstance(event, OrderCancelRejected):
            child.cancel_requested = False
            child.reprice = False
        if self._status is AlgorithmStatus.RUNNING:
            if order.is_closed:
                self._on_child_closed(child, order)
            if repriced and not self._repricing():
                self._on_repriced()
        self._settle()

    def _handle_trade_tick(self, tick: TradeTick) -> None:
        if self._status is AlgorithmStatus.RUNNING:
            self._on_trade_tick(tick)
            self._settle()

    def _handle_bar(self, bar: Bar) -> None:
        if self._status is AlgorithmStatus.RUNNING:
            self._on_bar(bar)
            self._settle()

    # ---- helpers for subclasses ---------------------------------------------------------------
    @property
    def _rt(self) -> AlgorithmRuntime:
        if self._runtime is None:
            raise StateError(f"{self.name} {self.id} is not started")
        return self._runtime

    @property
    def _inst(self) -> Instrument:
        if self._instrument is None:
            raise StateError(f"{self.name} {self.id} is not started")
        return self._instrument

    def _alert(self, name: str, alert_ns: int, action: Callable[[], None]) -> None:
        """Run ``action`` at ``alert_ns`` if the algorithm is still running then."""

        def fire(_: TimeEvent) -> None:
            if self._status is AlgorithmStatus.RUNNING:
                action()
                self._settle()

        self._rt.set_alert(name, alert_ns, fire)

    def _arm_end(self) -> None:
        """End the window at ``end_ns``, if the algorithm has one."""
        if self._end_ns is not None:
            self._alert("end", self._end_ns, self._window_ended)

    def _window_ended(self) -> None:
        self._finish(AlgorithmStatus.ENDED, "the window ended")

    def _working(self) -> int:
        """What open children may still fill (raw units)."""
        precision = self._quantity.precision
        total = 0
        for child in self._open.values():
            order = child.order
            quantity = child.init.quantity if order is None else order.leaves_qty
            total += quantity.raw_at(precision)
        return total

    def _unassigned(self) -> int:
        """Parent quantity neither filled, working nor skipped."""
        return self._quantity.raw - self._filled - self._working() - self._skipped

    def _floor_lot(self, raw: int) -> int:
        return raw // self._lot * self._lot if raw > 0 else 0

    def _child_qty(self, target: int, minimum: int | None = None) -> int:
        """The next child for a cumulative ``target`` (raw): whole lots of what is owed, or 0
        when that is below ``minimum`` (default: the instrument's minimum order)."""
        owed = min(target, self._quantity.raw) - self._filled - self._working() - self._skipped
        qty = self._floor_lot(owed)
        return qty if qty >= (self._min if minimum is None else minimum) else 0

    def _limit_price(self, passive_ticks: int) -> Price | None:
        """``passive_ticks`` from the last price on the passive side, on the grid and within
        the daily limits; None while no price is known (the child waits)."""
        last = self._rt.last_price(self.instrument_id)
        if last is None or not last.is_positive():
            return None
        return self._bounded(offset_price(self._scheme(), self.side, last, passive_ticks))

    def _scheme(self) -> TickScheme:
        return self._inst.tick_scheme(kst_date(self._rt.now()))

    def _bounded(self, price: Price) -> Price:
        rt = self._rt
        limits = daily_limits_or_none(
            self._inst, rt.base_price(self.instrument_id), kst_date(rt.now())
        )
        return within_limits(price, self.side, limits)

    def _send(self, quantity: int, price: Price | None, *, sweep: bool = False) -> ClientOrderId:
        """Submit one child of ``quantity`` raw units, a limit at ``price`` or at market."""
        rt = self._rt
        now = rt.now()
        init = OrderInitialized(
            trader_id=rt.trader_id,
            strategy_id=rt.strategy_id,
            instrument_id=self.instrument_id,
            client_order_id=rt.next_client_order_id(),
            account_id=rt.account_id,
            side=self.side,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
            quantity=Quantity.from_raw(quantity, self._quantity.precision),
            price=price,
            time_in_force=TimeInForce.DAY,
            tags=(f"{PARENT_TAG}{self.id}", *self._tags),
            ts_event=now,
            ts_init=now,
        )
        child = ChildOrder(init, sweep=sweep)
        self._children[init.client_order_id] = child
        self._open[init.client_order_id] = child
        # the child's first events (initialized, submitted or denied) arrive inside submit:
        # report once afterwards (every caller settles), not once per event
        self._quiet += 1
        try:
            rt.submit(init)
        finally:
            self._quiet -= 1
        return init.client_order_id

    def _reprice(self, price: Price, tolerance_ticks: int = 0) -> int:
        """Cancel resting limit children more than ``tolerance_ticks`` grid steps from
        ``price``; once the venue has answered every one of those cancels the subclass
        re-sends the quantity they freed (`_on_repriced`) as one child, not one per canceled
        child, so the children resting do not multiply from one re-pricing to the next. A
        child close enough keeps its place in the queue (and costs no request). Returns how
        many cancels went out."""
        scheme = self._scheme() if tolerance_ticks else None
        canceled = 0
        for child in list(self._open.values()):
            order = child.order
            if (
                order is not None
                and not child.sweep
                and not child.cancel_requested
                and order.order_type is OrderType.LIMIT
                and order.price != price
                and (
                    scheme is None
                    or order.price is None
                    or not within_ticks(scheme, order.price, price, tolerance_ticks)
                )
            ):
                self._cancel_child(child, reprice=True)
                if child.cancel_requested:
                    canceled += 1
        return canceled

    def _repricing(self) -> bool:
        """Whether a cancel sent to re-price a child is still unanswered."""
        return any(child.reprice for child in self._open.values())

    def _cancel_child(self, child: ChildOrder, *, reprice: bool = False) -> None:
        child.cancel_requested = True
        child.reprice = reprice
        if not self._rt.cancel(child.init.client_order_id):
            child.cancel_requested = False
            child.reprice = False

    # ---- failure, ending, reporting -----------------------------------------------------------
    def _count(self, child: ChildOrder, what: str) -> None:
        if what not in child.counted:  # a late duplicate never counts twice
            child.counted.add(what)
            self._counts[what] += 1

    def _child_failed(self, child: ChildOrder, why: str) -> None:
        if child.sweep or self._status is not AlgorithmStatus.RUNNING:
            return
        what = f"child {child.init.client_order_id} {why}"
        if self._rt.kill_switch_on:
            self._finish(AlgorithmStatus.STOPPED, f"{what} (kill switch)")
        elif self._on_denied is DenialPolicy.STOP:
            self._finish(AlgorithmStatus.STOPPED, what)
        else:
            if self._on_denied is DenialPolicy.SKIP:
                order = child.order
                leaves = order.leaves_qty if order is not None else child.init.quantity
                self._skipped += leaves.raw_at(self._quantity.precision)
            self._after_failure()

    def _taken_away(self, child: ChildOrder, what: str) -> None:
        if self._status is AlgorithmStatus.RUNNING:
            self._finish(
                AlgorithmStatus.STOPPED,
                f"child {child.init.client_order_id} was {what} without the algorithm asking",
            )

    def _finish(self, final: AlgorithmStatus, reason: str) -> None:
        """Stop scheduling; cancel open children (resting limits only when the window ended);
        settle once they are closed. The first reason wins."""
        if self._status is not AlgorithmStatus.RUNNING:
            return
        self._status = AlgorithmStatus.FINISHING
        self._final = final
        self._reason = reason
        self._rt.cancel_alerts()
        keep_market = final is AlgorithmStatus.ENDED
        for child in list(self._open.values()):
            if not child.cancel_requested and not (
                keep_market and child.init.order_type is OrderType.MARKET
            ):
                self._cancel_child(child)
        self._settle()

    def _has_open_children(self) -> bool:
        return bool(self._open)

    def _settle(self) -> None:
        """Reach a terminal status when due, then report; safe to call at any time."""
        status = self._status
        if status in (AlgorithmStatus.RUNNING, AlgorithmStatus.FINISHING) and (
            self._filled >= self._quantity.raw
        ):
            self._terminate(AlgorithmStatus.FILLED, "")
        elif (
            status is AlgorithmStatus.RUNNING
            and self._skipped
            and self._filled + self._skipped >= self._quantity.raw
            and not self._has_open_children()
        ):
            skipped = Quantity.from_raw(self._skipped, self._quantity.precision)
            self._terminate(AlgorithmStatus.ENDED, f"nothing left to send: {skipped} skipped")
        elif status is AlgorithmStatus.FINISHING and not self._has_open_children():
            if (
                self._final is AlgorithmStatus.ENDED
                and self._at_end is EndAction.SWEEP
                and not self._swept
            ):
                self._swept = True
                rest = self._floor_lot(self._quantity.raw - self._filled)
                if rest >= self._min:
                    self._send(rest, None, sweep=True)  # settles again when it closes
                    self._report()
                    return
            self._terminate(self._final, self._reason)
        self._report()

    def _terminate(self, status: AlgorithmStatus, reason: str) -> None:
        if self._status.is_terminal:
            return
        self._status = status
        self._reason = reason
        self._rt.done()

    def _report(self) -> None:
        if self._quiet:
            return
        progress = self.progress()
        unchanged = self._last_reported is not None and self._last_reported == dataclasses.replace(
            progress, ts=self._last_reported.ts
        )
        if unchanged:
            return
        self._last_reported = progress
        for listener in self._listeners:
            listener(progress)
        if self._runtime is not None:
            self._runtime.publish(progress)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.id or '?'}, {self.side.value} {self._quantity} "
            f"{self.instrument_id}, {self._status.value}, filled "
            f"{Quantity.from_raw(self._filled, self._quantity.precision)})"
        )
