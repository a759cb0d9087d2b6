"""The event engine's orders, fills and signals, rebuilt from a recording vectorised run.

`jts backtest --engine vector --out` (and a vectorised sweep's ``best/``) write the files the
event engine writes, with the same writers; those take the domain objects, so this module
makes them: the events each order goes through in the event-driven kernel, in its order and
with its timestamps, and the `Signal` the streaming strategy (`jts.dsl.streaming.strategy`)
emits for each of its decisions, worded as it words them.

The loop logs what only it knows (`jts.dsl.vector.kernels`: every order it sends, numbered
as the kernel numbers client orders, what became of it, and each decision with the bar's
prices, the equity an entry was sized on and the stop levels a stop exit saw); the words
come from the same code the streaming strategy runs (its `Sizer` for an entry's note, the
program's rule lines). The identifiers follow the event-driven backtest's factories: client
orders ``O-<prefix>-00000001`` in the order they are sent, venue orders in the order the
venue accepts them (denied orders never reach it), trades in the order they fill.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, TypedDict

from jts.core.errors import StateError
from jts.domain.enums import LiquiditySide, OrderSide, OrderType, TimeInForce
from jts.domain.events_order import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderSubmitted,
)
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    TraderId,
    VenueOrderId,
)
from jts.domain.instruments import Instrument
from jts.domain.orders import Order
from jts.domain.signals import Signal, SignalDirection
from jts.domain.values import KRW, Money, Price, Quantity
from jts.dsl.program import Program, SizeRisk
from jts.dsl.streaming.sizing import Sizer
from jts.dsl.streaming.strategy import ENTRY_TAG, EXIT_TAG
from jts.dsl.vector.kernels import (
    DECIDE_ENTER,
    DECIDE_EXIT,
    DECIDE_FLATTEN,
    DECIDE_STOP,
    ORDER_CANCELED,
    ORDER_DENIED_CASH,
    ORDER_DENIED_SHORT,
    ORDER_EXPIRED,
    ORDER_WORKING,
)
from jts.dsl.vector.result import RunLog, VectorResult

__all__ = ["EventRecords", "RunIds", "event_records"]

#: how the simulated venue words a cancellation the strategy asked for
CANCELED_ON_REQUEST: Final = "canceled on request"
_WORD: Final = {1: "long", -1: "short"}


class _Heading(TypedDict):
    """What every event of an order names."""

    trader_id: TraderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    client_order_id: ClientOrderId


class _OnVenue(_Heading):
    """And, once it is sent, the account."""

    account_id: AccountId


@dataclass(frozen=True, slots=True)
class RunIds:
    """The identifiers of the event-driven backtest the records stand in for: its strategy,
    trader and account, and the prefixes of its client order and simulated venue ids."""

    strategy_id: str
    trader_id: str
    account_id: str
    order_prefix: str
    venue_prefix: str


@dataclass(frozen=True, slots=True)
class EventRecords:
    """Fills, orders and signals as the event engine's `BacktestResult` lists them."""

    fills: list[OrderFilled]
    orders: list[Order]
    signals: list[Signal]


def event_records(result: VectorResult, program: Program, ids: RunIds) -> EventRecords:
    """The records of ``result``, a run of ``program`` made with ``record=True``."""
    log = result.log
    if log is None:
        raise StateError("the vectorised run did not record its orders (record=True)")
    fills, orders = _orders(result, log, ids)
    return EventRecords(fills=fills, orders=orders, signals=_signals(result, log, program, ids))


# ---- orders and fills ------------------------------------------------------------------------
def _orders(
    result: VectorResult, log: RunLog, ids: RunIds
) -> tuple[list[OrderFilled], list[Order]]:
    trader, strategy = TraderId(ids.trader_id), StrategyId(ids.strategy_id)
    account = AccountId(ids.account_id)
    instruments = result.instruments
    n = len(log.order_ts)
    filled_by = [-1] * n
    for index, number in enumerate(log.fill_order.tolist()):
        filled_by[number - 1] = index
    orders: list[Order] = []
    venue_ids: list[VenueOrderId | None] = []
    accepted = 0
    for i in range(n):
        instrument = instruments[int(log.order_inst[i])]
        ts = int(log.order_ts[i])
        side = OrderSide.BUY if log.order_side[i] > 0 else OrderSide.SELL
        heading = _Heading(
            trader_id=trader,
            strategy_id=strategy,
            instrument_id=instrument.id,
            client_order_id=ClientOrderId(f"O-{ids.order_prefix}-{i + 1:08d}"),
        )
        order = Order(
            OrderInitialized(
                **heading,
                ts_event=ts,
                ts_init=ts,
                side=side,
                order_type=OrderType.MARKET,
                quantity=Quantity.from_raw(int(log.order_qty[i]), instrument.size_precision),
                time_in_force=TimeInForce.DAY,
                tags=(ENTRY_TAG,) if log.order_entry[i] else (EXIT_TAG,),
            )
        )
        status = int(log.order_status[i])
        if status in (ORDER_DENIED_SHORT, ORDER_DENIED_CASH):
            reason = _denial(log, i, instrument, order)
            order.apply(OrderDenied(**heading, ts_event=ts, ts_init=ts, reason=reason))
            venue_ids.append(None)
            orders.append(order)
            continue
        accepted += 1
        venue_id = VenueOrderId(f"{ids.venue_prefix}-{accepted:08d}")
        venue_ids.append(venue_id)
        on_venue = _OnVenue(**heading, account_id=account)
        order.apply(OrderSubmitted(**on_venue, ts_event=ts, ts_init=ts))
        order.apply(OrderAccepted(**on_venue, ts_event=ts, ts_init=ts, venue_order_id=venue_id))
        end = int(log.order_end_ts[i])
        if filled_by[i] < 0 and status == ORDER_CANCELED:
            order.apply(
                OrderPendingCancel(**on_venue, ts_event=end, ts_init=end, venue_order_id=venue_id)
            )
            order.apply(
                OrderCanceled(
                    **on_venue,
                    ts_event=end,
                    ts_init=end,
                    venue_order_id=venue_id,
                    reason=CANCELED_ON_REQUEST,
                )
            )
        elif filled_by[i] < 0 and status == ORDER_EXPIRED:
            order.apply(
                OrderExpired(**on_venue, ts_event=end, ts_init=end, venue_order_id=venue_id)
            )
        elif filled_by[i] < 0 and status != ORDER_WORKING:  # pragma: no cover - closed codes
            raise StateError(f"order {i + 1} of the run has an unknown status {status}")
        orders.append(order)
    fills = _fills(result, log, ids, orders, venue_ids)
    return fills, orders


def _fills(
    result: VectorResult,
    log: RunLog,
    ids: RunIds,
    orders: Sequence[Order],
    venue_ids: Sequence[VenueOrderId | None],
) -> list[OrderFilled]:
    account = AccountId(ids.account_id)
    fills: list[OrderFilled] = []
    for index, (fill, number) in enumerate(zip(result.fills, log.fill_order.tolist(), strict=True)):
        order = orders[number - 1]
        venue_id = venue_ids[number - 1]
        assert venue_id is not None  # a filled order was accepted
        instrument = result.instruments[int(result.fill_inst[index])]
        event = OrderFilled(
            trader_id=order.trader_id,
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
            account_id=account,
            ts_event=fill.ts_event,
            ts_init=fill.ts_event,
            venue_order_id=venue_id,
            trade_id=TradeId(f"{ids.venue_prefix}-T{index + 1:08d}"),
            order_side=fill.side,
            order_type=OrderType.MARKET,
            last_qty=Quantity.from_raw(fill.quantity, instrument.size_precision),
            last_px=Price.from_raw(fill.price, instrument.price_precision),
            currency=instrument.quote_currency,
            commission=Money.from_raw(fill.commission, instrument.quote_currency),
            tax=Money.from_raw(fill.tax, instrument.quote_currency),
            liquidity_side=LiquiditySide.TAKER,
        )
        order.apply(event)
        fills.append(event)
    return fills


def _denial(log: RunLog, i: int, instrument: Instrument, order: Order) -> str:
    """The risk engine's words for the denial (`jts.kernel.risk.rules`)."""
    a, b = int(log.order_a[i]), int(log.order_b[i])
    if log.order_status[i] == ORDER_DENIED_SHORT:
        position, pending = _units(a, instrument), _units(b, instrument)
        after = position + pending - order.quantity.as_decimal()
        return (
            f"no_short: selling {order.quantity} would leave {after} "
            f"(position {position}, open orders {pending}); shorting is off"
        )
    needed, free = _money(a, instrument), _money(b, instrument)
    return (
        f"buying_power: needs {needed:,.0f} {instrument.quote_currency}, free cash is {free:,.0f}"
    )


def _units(raw: int, instrument: Instrument) -> Decimal:
    return Decimal(raw).scaleb(-instrument.size_precision)


def _money(raw: int, instrument: Instrument) -> Decimal:
    return Decimal(raw).scaleb(-instrument.quote_currency.precision)


# ---- signals ---------------------------------------------------------------------------------
def _signals(result: VectorResult, log: RunLog, program: Program, ids: RunIds) -> list[Signal]:
    strategy = StrategyId(ids.strategy_id)
    sizer = Sizer(program.sizing, result.params)
    flatten_at = program.time_rules.flatten_at
    signals: list[Signal] = []
    for d in range(len(log.decision_ts)):
        k = int(log.decision_inst[d])
        instrument = result.instruments[k]
        kind = int(log.decision_kind[d])
        side = int(log.decision_side[d])
        word = _WORD.get(side, "")
        if kind == DECIDE_ENTER:
            direction = SignalDirection.LONG if side > 0 else SignalDirection.SHORT
            lines = _lines(result, program, log, d, "enter", word)
            note = _entry_note(result, program, sizer, log, d, instrument)
            reason = f"enter {word} (line {lines}): {note}"
        else:
            direction = SignalDirection.FLAT
            if kind == DECIDE_EXIT:
                reason = f"exit {word} (line {_lines(result, program, log, d, 'exit', word)})"
            elif kind == DECIDE_STOP:
                reason = f"exit {word}: {_stop_reached(log, d, side, instrument)}"
            elif kind == DECIDE_FLATTEN:
                at = "?" if flatten_at is None else f"{flatten_at.hour:02d}:{flatten_at.minute:02d}"
                reason = f"flatten at {at}"
            else:  # pragma: no cover - closed codes
                raise StateError(f"decision {d} of the run has an unknown kind {kind}")
        ts = int(log.decision_ts[d])
        signals.append(
            Signal(
                strategy_id=strategy,
                instrument_id=instrument.id,
                direction=direction,
                strength=1.0,
                reason=reason,
                ts_event=ts,
                ts_init=ts,
            )
        )
    return signals


def _lines(  # noqa: PLR0917 - a private helper of `_signals`
    result: VectorResult, program: Program, log: RunLog, d: int, action: str, word: str
) -> str:
    """The source lines of the ``action word`` rules true on the decision's bar."""
    fired = result.signals[int(log.decision_inst[d])].rules
    bar = int(log.decision_bar[d])
    return ", ".join(
        str(rule.line)
        for index, rule in enumerate(program.rules)
        if rule.action == action and rule.side == word and bool(fired[index][bar])
    )


def _entry_note(  # noqa: PLR0917 - a private helper of `_signals`
    result: VectorResult,
    program: Program,
    sizer: Sizer,
    log: RunLog,
    d: int,
    instrument: Instrument,
) -> str:
    """How the entry was sized, in the streaming sizer's words (the same sizer)."""
    equity = Money.from_raw(int(log.decision_equity[d]), KRW) if sizer.needs_equity else None
    per = math.nan
    if isinstance(program.sizing, SizeRisk):
        amounts = result.signals[int(log.decision_inst[d])].amounts
        per = float(amounts["size_risk_per"][int(log.decision_bar[d])])
    close = Price.from_raw(int(log.decision_close[d]), instrument.price_precision)
    return sizer.size(instrument, close, equity=equity, per=per).note


def _stop_reached(log: RunLog, d: int, side: int, instrument: Instrument) -> str:
    """Which stop the bar reached, as `PositionStops.triggered` words it (its order)."""
    loss, profit, trail = (int(v) for v in log.decision_levels[d])
    high, low = int(log.decision_high[d]), int(log.decision_low[d])
    reached = (
        [(loss, low <= loss, "stop loss"), (trail, low <= trail, "trailing stop"),
         (profit, high >= profit, "take profit")]
        if side > 0
        else [(loss, high >= loss, "stop loss"), (trail, high >= trail, "trailing stop"),
              (profit, low <= profit, "take profit")]
    )  # fmt: skip
    for level, hit, words in reached:
        if level != 0 and hit:
            return f"{words} {Price.from_raw(level, instrument.price_precision)}"
    raise StateError(f"decision {d} closed on a stop that the bar did not reach")
