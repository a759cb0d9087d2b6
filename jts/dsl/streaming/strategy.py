"""`DslStrategy`: a checked DSL program running as a kernel `Strategy` (live, paper, backtest).

Per instrument of the universe, one `BarEvaluator` turns each closing bar into the program's
decisions (the same booleans `jts.dsl.signals.evaluate` gives at that index); this class then
acts on them as docs/dsl.md ("Positions, orders, sizes and stops") says, one position per
instrument:

1. on a ``flatten`` bar: close the position, cancel pending entries, enter nothing;
2. an exit signal for the side held, or a stop reached by the bar (see `stops`), closes it;
3. when flat (including just after 2): one entry signal opens a position on its side; entry
   signals for both sides on one bar cancel out.

"Held" counts orders in flight: the filled position plus the unfilled rest of this strategy's
open orders for the instrument, so a bar arriving before a fill neither doubles an entry nor
repeats an exit. Closing cancels unfilled entry orders instead of selling against them (a KRX
cash account cannot sell what it does not hold yet) and sells only what is filled and not
already being sold.

Every entry and exit emits a `Signal` (direction LONG/SHORT/FLAT, the reason in words). In
signal-only mode no order is sent: the position is the base class's virtual one, and stops
are measured from the signal bar's close, the price the signal was given at.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Final

from jts.core.errors import StateError
from jts.core.time import kst_date
from jts.domain.enums import OrderSide
from jts.domain.events_order import (
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from jts.domain.identifiers import ClientOrderId, InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
)
from jts.domain.orders import Order
from jts.domain.signals import SignalDirection
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import Program
from jts.dsl.streaming.plan import Plan, build_plan
from jts.dsl.streaming.runtime import BarDecision, BarEvaluator, Decisions
from jts.dsl.streaming.sizing import Sizer
from jts.dsl.streaming.stops import PositionStops, StopKind, StopRules, _Offset
from jts.indicators import IndicatorRegistry
from jts.kernel.strategy import Strategy, StrategyParams

__all__ = ["ENTRY_TAG", "EXIT_TAG", "DslStrategy"]

log = logging.getLogger(__name__)

#: Tags on this strategy's orders: entries are cancelled, not sold against, when closing.
ENTRY_TAG: Final = "dsl:entry"
EXIT_TAG: Final = "dsl:exit"
_STATE_FORMAT: Final = "jts.dsl.streaming/1"
_SIDE_WORD: Final = {1: "long", -1: "short"}


class _PendingEntry:
    """An entry order between submission and its last fill: what its stops will be."""

    __slots__ = ("filled", "instrument_id", "offsets", "side")

    def __init__(
        self,
        instrument_id: InstrumentId,
        side: int,
        offsets: dict[StopKind, _Offset],
        filled: bool = False,
    ) -> None:
        self.instrument_id = instrument_id
        self.side = side
        self.offsets = offsets
        self.filled = filled

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": str(self.instrument_id),
            "side": self.side,
            "offsets": {kind: offset.to_json() for kind, offset in self.offsets.items()},
            "filled": self.filled,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _PendingEntry:
        offsets: dict[StopKind, _Offset] = {
            kind: _Offset.from_json(value) for kind, value in data["offsets"].items()
        }
        return cls(InstrumentId(data["instrument"]), int(data["side"]), offsets, data["filled"])


class DslStrategy(Strategy):
    """Base of the classes `compile_strategy` makes; each subclass carries one program.

    The subclass fixes the program, its ``Params`` model, the universe and the bar
    specification, so another instance with other parameters (a sweep) is just
    ``type(strategy)({"fast": 12})``.
    """

    program: ClassVar[Program]
    universe: ClassVar[tuple[InstrumentId, ...]]
    bar_spec: ClassVar[BarSpecification]
    bar_source: ClassVar[AggregationSource] = AggregationSource.EXTERNAL
    registry: ClassVar[IndicatorRegistry | None] = None

    def __init__(
        self,
        params: StrategyParams | Mapping[str, Any] | None = None,
        *,
        strategy_id: str | None = None,
        account_id: str | None = None,
        signal_only: bool = False,
        trace: bool = False,
    ) -> None:
        super().__init__(
            params, strategy_id=strategy_id, account_id=account_id, signal_only=signal_only
        )
        program = self.program
        #: the run's parameter values, exact
        self.values: dict[str, Decimal] = program.bind(self.params.model_dump())
        self.plan: Plan = build_plan(program, self.values, self.registry)
        if self.bar_spec.aggregation is BarAggregation.DAY and (
            program.time_rules.any or self.plan.sessions
        ):
            raise DslRuntimeError(
                f"{type(self).__name__} has time rules or a time window, which need intraday "
                f"bars, but the bars are {self.bar_spec}"
            )
        self.sizer = Sizer(program.sizing, self.values)
        self.stop_rules = StopRules(program, self.values)
        self._trace = trace
        self.bar_types: dict[InstrumentId, BarType] = {
            iid: BarType(iid, self.bar_spec, self.bar_source) for iid in self.universe
        }
        self._evaluators: dict[InstrumentId, BarEvaluator] = {
            iid: BarEvaluator(self.plan, trace=trace) for iid in self.universe
        }
        self._instruments: dict[InstrumentId, Instrument] = {}
        self._stops: dict[InstrumentId, PositionStops] = {}
        self._entries: dict[ClientOrderId, _PendingEntry] = {}

    # ---- reads for tests and tools ------------------------------------------------------------
    def trace(self, instrument_id: InstrumentId | str | None = None) -> list[BarDecision]:
        """Every bar's decisions (built with ``trace=True``); the instrument may be left out
        when the universe has one."""
        evaluator = self.evaluator(instrument_id)
        if evaluator.trace is None:
            raise StateError(f"strategy {self.id} was built without trace=True")
        return evaluator.trace

    def evaluator(self, instrument_id: InstrumentId | str | None = None) -> BarEvaluator:
        if instrument_id is None:
            if len(self._evaluators) != 1:
                raise DslRuntimeError(
                    f"strategy {self.id} trades {len(self._evaluators)} instruments; "
                    "name the one you mean"
                )
            return next(iter(self._evaluators.values()))
        iid = InstrumentId(instrument_id)
        try:
            return self._evaluators[iid]
        except KeyError:
            raise DslRuntimeError(f"{iid} is not in the universe of strategy {self.id}") from None

    def stops(self, instrument_id: InstrumentId | str) -> PositionStops | None:
        """The stop levels of the instrument's position, if it has any."""
        return self._stops.get(InstrumentId(instrument_id))

    # ---- lifecycle ----------------------------------------------------------------------------
    def on_start(self) -> None:
        for iid, bar_type in self.bar_types.items():
            instrument = self.instrument(iid)
            self.sizer.check(instrument)
            self._instruments[iid] = instrument
            self.subscribe_bars(bar_type)

    def on_bar(self, bar: Bar) -> None:
        bar_type = bar.bar_type
        iid = bar_type.instrument_id
        evaluator = self._evaluators.get(iid)
        if evaluator is None or (
            bar_type is not self.bar_types[iid] and bar_type != self.bar_types[iid]
        ):
            return
        decisions = evaluator.step(
            bar.open.as_float(),
            bar.high.as_float(),
            bar.low.as_float(),
            bar.close.as_float(),
            bar.volume.as_float(),
            bar.ts_event,
        )
        if True in decisions or iid in self._stops:  # most bars decide nothing: skip the reads
            self._act(iid, bar, evaluator, decisions)

    # ---- acting on a bar ----------------------------------------------------------------------
    def _act(
        self, iid: InstrumentId, bar: Bar, evaluator: BarEvaluator, decisions: Decisions
    ) -> None:
        enter_long, exit_long, enter_short, exit_short, flatten = decisions
        filled = self.position_qty(iid)
        orders = () if self.signal_only else self.cache.open_orders(iid, self.id)
        held = filled
        for order in orders:
            leaves = order.leaves_qty.as_decimal()
            held += leaves if order.side is OrderSide.BUY else -leaves
        side = (held > 0) - (held < 0)
        stops = self._stops.get(iid)
        if stops is not None and stops.side != (filled > 0) - (filled < 0):
            del self._stops[iid]  # the position they protected is gone (or was replaced)
            stops = None
        if flatten:
            if side or any(ENTRY_TAG in order.tags for order in orders):
                self._close(iid, filled, orders, f"flatten at {_hhmm(self.plan.flatten_at)}")
            return
        if side:
            reason = None
            if exit_long if side > 0 else exit_short:
                lines = evaluator.fired("exit", _SIDE_WORD[side])
                reason = f"exit {_SIDE_WORD[side]} (line {', '.join(map(str, lines))})"
            elif stops is not None and stops.side == side:
                reason = stops.triggered(bar.high, bar.low)
                if reason is not None:
                    reason = f"exit {_SIDE_WORD[side]}: {reason}"
            if reason is None:
                if stops is not None:
                    stops.advance(bar.high, bar.low, self._instruments[iid], kst_date(bar.ts_event))
                return
            self._close(iid, filled, orders, reason)
        if enter_long and enter_short:
            log.info("%s %s: entry signals for both sides cancel out", self.id, iid)
        elif enter_long or enter_short:
            self._enter(iid, bar, evaluator, 1 if enter_long else -1)

    def _close(
        self,
        iid: InstrumentId,
        filled: Decimal,
        orders: Sequence[Order],
        reason: str,
    ) -> None:
        self._stops.pop(iid, None)
        self.emit_signal(iid, SignalDirection.FLAT, 1.0, reason)
        if self.signal_only:
            self._virtual[iid] = Decimal(0)
            return
        remaining = filled
        for order in orders:
            if ENTRY_TAG in order.tags:
                self.cancel_order(order.client_order_id)
                continue
            leaves = order.leaves_qty.as_decimal()
            remaining += leaves if order.side is OrderSide.BUY else -leaves
        if remaining:
            side = OrderSide.SELL if remaining > 0 else OrderSide.BUY
            self.submit(side, iid, abs(remaining), tags=(EXIT_TAG,))

    def _enter(self, iid: InstrumentId, bar: Bar, evaluator: BarEvaluator, side: int) -> None:
        instrument = self._instruments[iid]
        equity = self.portfolio.equity(self.account_id) if self.sizer.needs_equity else None
        size = self.sizer.size(
            instrument, bar.close, equity=equity, per=evaluator.amount("size_risk_per")
        )
        word = _SIDE_WORD[side]
        if size.quantity is None:
            log.info("%s %s: enter %s skipped: %s", self.id, iid, word, size.note)
            return
        offsets = self.stop_rules.offsets(
            {kind: evaluator.amount(kind) for kind in self.stop_rules.distance_kinds}
        )
        lines = ", ".join(map(str, evaluator.fired("enter", word)))
        direction = SignalDirection.LONG if side > 0 else SignalDirection.SHORT
        self.emit_signal(iid, direction, 1.0, f"enter {word} (line {lines}): {size.note}")
        if self.signal_only:
            self._virtual[iid] = size.quantity.as_decimal() * side
            if offsets:
                self._stops[iid] = self.stop_rules.open(
                    side, bar.close.as_decimal(), offsets, instrument, kst_date(bar.ts_event)
                )
            return
        order_side = OrderSide.BUY if side > 0 else OrderSide.SELL
        client_order_id = self.submit(order_side, iid, size.quantity, tags=(ENTRY_TAG,))
        if client_order_id is None or not offsets:
            return
        order = self.cache.order(client_order_id)
        if order is not None and not order.is_closed:  # a denied order is closed at once
            self._entries[client_order_id] = _PendingEntry(iid, side, offsets)

    # ---- fills --------------------------------------------------------------------------------
    def on_order_filled(self, order: Order, event: OrderFilled) -> None:
        entry = self._entries.get(order.client_order_id)
        if entry is None:
            return
        price = order.avg_px
        instrument = self._instruments.get(entry.instrument_id)
        if price is None or instrument is None:  # pragma: no cover - a fill has a price
            return
        on_date = kst_date(event.ts_event)
        stops = self._stops.get(entry.instrument_id)
        if not entry.filled or stops is None:
            # the first fill of this entry: fresh levels, whatever an older position left
            self._stops[entry.instrument_id] = self.stop_rules.open(
                entry.side, price, entry.offsets, instrument, on_date
            )
            entry.filled = True
        else:  # a later partial fill moves the average entry price
            stops.entry = price
            if (price > stops.best) if entry.side > 0 else (price < stops.best):
                stops.best = price
            stops.place(instrument, on_date)
        if order.is_closed:
            del self._entries[order.client_order_id]

    def _forget(self, order: Order) -> None:
        if order.is_closed:
            self._entries.pop(order.client_order_id, None)

    def on_order_canceled(self, order: Order, event: OrderCanceled) -> None:
        self._forget(order)

    def on_order_rejected(self, order: Order, event: OrderRejected) -> None:
        self._forget(order)

    def on_order_denied(self, order: Order, event: OrderDenied) -> None:
        self._forget(order)

    def on_order_expired(self, order: Order, event: OrderExpired) -> None:
        self._forget(order)

    # ---- restart ------------------------------------------------------------------------------
    def on_save(self) -> dict[str, Any]:
        """JSON-compatible state: per instrument the evaluator (indicators, look-back rings,
        session extremes: base64 of a pickle), the stop levels and, in signal-only mode, the
        virtual position; and the entry orders still waiting for fills."""
        instruments: dict[str, Any] = {}
        for iid, evaluator in self._evaluators.items():
            stops = self._stops.get(iid)
            entry: dict[str, Any] = {
                "evaluator": evaluator.state_blob(),
                "stops": None if stops is None else stops.to_json(),
            }
            if self.signal_only:
                entry["virtual"] = str(self._virtual.get(iid, Decimal(0)))
            instruments[str(iid)] = entry
        return {
            "format": _STATE_FORMAT,
            "fingerprint": self.plan.fingerprint,
            "instruments": instruments,
            "entries": {str(k): v.to_json() for k, v in self._entries.items()},
        }

    def on_load(self, state: Mapping[str, Any]) -> None:
        """Continue from `on_save`'s state; refuses state of another program or parameters."""
        if state.get("format") != _STATE_FORMAT:
            raise DslRuntimeError(
                f"saved state has format {state.get('format')!r}, expected {_STATE_FORMAT!r}"
            )
        saved = state["instruments"]
        unknown = sorted(set(saved) - {str(i) for i in self._evaluators})
        if unknown:
            raise DslRuntimeError(
                f"saved state has instruments {', '.join(unknown)} outside the universe "
                f"{', '.join(map(str, self.universe))}"
            )
        evaluators: dict[InstrumentId, BarEvaluator] = {}
        stops: dict[InstrumentId, PositionStops] = {}
        virtual: dict[InstrumentId, Decimal] = {}
        for text, entry in saved.items():
            iid = InstrumentId(text)
            evaluators[iid] = BarEvaluator.from_blob(
                self.plan, entry["evaluator"], trace=self._trace
            )
            if entry.get("stops") is not None:
                stops[iid] = PositionStops.from_json(entry["stops"])
            if self.signal_only and "virtual" in entry:
                virtual[iid] = Decimal(entry["virtual"])
        self._evaluators.update(evaluators)
        self._stops = stops
        self._entries = {
            ClientOrderId(k): _PendingEntry.from_json(v) for k, v in state["entries"].items()
        }
        if self.signal_only:
            self._virtual.clear()
            self._virtual.update(virtual)


def _hhmm(seconds: int | None) -> str:
    if seconds is None:  # pragma: no cover - only called on flatten bars
        return "?"
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
