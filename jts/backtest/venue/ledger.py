"""The simulated venue's own books: its orders, executions and holdings.

A real broker answers reconciliation queries from its books, not from ours; the simulated venue
does the same, so the kernel's start-up and gap reconciliation can be exercised against it and
a report that disagrees with the kernel's view is a real finding. The ledger changes only from
what the venue itself decided (acceptances, fills, cancels ...), never from the kernel's state.

Recording is cheap (a fill is appended, an order's filled quantity and notional are integer
sums) because it happens on every fill of a long backtest; reports are built when asked, which
is rare. Holdings are netted per instrument across strategies (an account holds shares, not
strategy slots) with an exact average-cost basis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

import msgspec

from jts.domain.enums import OrderStatus, PositionSide
from jts.domain.events_order import OrderFilled, OrderInitialized
from jts.domain.identifiers import AccountId, ClientOrderId, InstrumentId, VenueOrderId
from jts.domain.orders import ratio_to_decimal
from jts.domain.reports import FillReport, OrderStatusReport, PositionReport
from jts.domain.values import Price, Quantity

__all__ = ["VenueLedger", "VenueOrder"]


_NO_QUANTITY: Final = Quantity.zero(0)  # a placeholder default: `__post_init__` sets the field


def _exact(value: Price | Quantity) -> Fraction:
    return Fraction(value.raw, 10**value.precision)


class VenueOrder(msgspec.Struct):
    """The venue's record of one accepted order. ``notional`` is the exact sum of
    ``price x quantity`` over its fills, as raw units at ``notional_precision``.

    A msgspec struct (one is made per order, at a fraction of a dataclass's cost); the terms
    (``quantity``, ``price``, ``trigger_price``), ``filled`` and ``ts_last`` start from
    ``init`` and ``ts_accepted`` whatever is given for them."""

    init: OrderInitialized
    venue_order_id: VenueOrderId
    ts_accepted: int
    status: OrderStatus = OrderStatus.ACCEPTED
    quantity: Quantity = _NO_QUANTITY
    price: Price | None = None
    trigger_price: Price | None = None
    filled: Quantity = _NO_QUANTITY
    notional: int = 0
    notional_precision: int = 0
    ts_last: int = 0
    reason: str = ""

    def __post_init__(self) -> None:
        self.quantity = self.init.quantity
        self.price = self.init.price
        self.trigger_price = self.init.trigger_price
        self.filled = Quantity.zero(self.init.quantity.precision)
        self.ts_last = self.ts_accepted

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def add_fill(self, price: Price, quantity: Quantity, ts_ns: int) -> None:
        precision = price.precision + quantity.precision
        if precision > self.notional_precision:
            self.notional *= 10 ** (precision - self.notional_precision)
            self.notional_precision = precision
        term = price.raw * quantity.raw * 10 ** (self.notional_precision - precision)
        self.notional += term
        self.filled = self.filled + quantity
        self.status = (
            OrderStatus.FILLED if self.filled >= self.quantity else OrderStatus.PARTIALLY_FILLED
        )
        self.ts_last = ts_ns


@dataclass(slots=True)
class _Holding:
    quantity: Fraction = field(default_factory=Fraction)  # signed
    cost: Fraction = field(default_factory=Fraction)  # signed: quantity x average price
    precision: int = 0
    ts_last: int = 0

    def apply(self, fill: OrderFilled) -> None:
        """Average cost: adding keeps the basis, reducing takes out the average, and going
        through zero reopens the rest at the fill price."""
        signed = _exact(fill.last_qty) * fill.order_side.sign
        price = _exact(fill.last_px)
        held = self.quantity
        after = held + signed
        if held == 0 or (held > 0) == (signed > 0):
            self.cost += signed * price
        elif after == 0 or (after > 0) == (held > 0):
            self.cost -= self.cost * (-signed) / held
        else:
            self.cost = after * price
        self.quantity = after
        self.precision = max(self.precision, fill.last_qty.precision)
        self.ts_last = fill.ts_event


class VenueLedger:
    """Orders, fills and holdings of one account at the simulated venue."""

    def __init__(self, account_id: AccountId) -> None:
        self._account_id = account_id
        self._orders: dict[str, VenueOrder] = {}
        self._fills: list[OrderFilled] = []

    def add(self, order: VenueOrder) -> None:
        self._orders[order.init.client_order_id] = order

    def get(self, client_order_id: str) -> VenueOrder | None:
        return self._orders.get(client_order_id)

    def orders(self) -> list[VenueOrder]:
        return list(self._orders.values())

    def record_fill(self, order: VenueOrder, fill: OrderFilled) -> None:
        """Book an execution the venue has just reported."""
        order.add_fill(fill.last_px, fill.last_qty, fill.ts_event)
        self._fills.append(fill)

    # ---- reports ------------------------------------------------------------------------------
    def order_status_reports(
        self, now_ns: int, *, open_only: bool, instrument_id: InstrumentId | None
    ) -> list[OrderStatusReport]:
        reports = []
        for order in self._orders.values():
            init = order.init
            if open_only and not order.is_open:
                continue
            if instrument_id is not None and init.instrument_id != instrument_id:
                continue
            avg = None
            if order.filled.raw:
                notional = Fraction(order.notional, 10**order.notional_precision)
                avg = ratio_to_decimal(notional / _exact(order.filled))
            reports.append(
                OrderStatusReport(
                    account_id=self._account_id,
                    instrument_id=init.instrument_id,
                    report_id=f"{order.venue_order_id}@{now_ns}",
                    ts_init=now_ns,
                    venue_order_id=order.venue_order_id,
                    client_order_id=init.client_order_id,
                    order_side=init.side,
                    order_type=init.order_type,
                    time_in_force=init.time_in_force,
                    order_status=order.status,
                    quantity=order.quantity,
                    filled_qty=order.filled,
                    price=order.price,
                    trigger_price=order.trigger_price,
                    avg_px=avg,
                    expire_time_ns=init.expire_time_ns,
                    reason=order.reason,
                    ts_accepted=order.ts_accepted,
                    ts_last=order.ts_last,
                )
            )
        return reports

    def fill_reports(
        self, *, since_ns: int | None, client_order_id: ClientOrderId | None
    ) -> list[FillReport]:
        return [
            FillReport(
                account_id=self._account_id,
                instrument_id=fill.instrument_id,
                report_id=str(fill.trade_id),
                ts_init=fill.ts_init,
                venue_order_id=fill.venue_order_id,
                trade_id=fill.trade_id,
                client_order_id=fill.client_order_id,
                order_side=fill.order_side,
                last_qty=fill.last_qty,
                last_px=fill.last_px,
                currency=fill.currency,
                commission=fill.commission,
                tax=fill.tax,
                liquidity_side=fill.liquidity_side,
                ts_event=fill.ts_event,
            )
            for fill in self._fills
            if (since_ns is None or fill.ts_event >= since_ns)
            and (client_order_id is None or fill.client_order_id == client_order_id)
        ]

    def position_reports(self, now_ns: int) -> list[PositionReport]:
        """Every instrument the account has traded, flat ones included (a reconciler must
        learn that a position it believes open is gone)."""
        holdings: dict[InstrumentId, _Holding] = {}
        for fill in self._fills:
            holdings.setdefault(fill.instrument_id, _Holding()).apply(fill)
        reports = []
        for instrument_id, holding in holdings.items():
            qty = holding.quantity
            if qty == 0:
                side, avg = PositionSide.FLAT, None
            else:
                side = PositionSide.LONG if qty > 0 else PositionSide.SHORT
                avg = ratio_to_decimal(holding.cost / qty)
            scaled = abs(qty) * 10**holding.precision
            reports.append(
                PositionReport(
                    account_id=self._account_id,
                    instrument_id=instrument_id,
                    report_id=f"{instrument_id}@{now_ns}",
                    ts_init=now_ns,
                    position_side=side,
                    quantity=Quantity.from_raw(int(scaled), holding.precision),
                    avg_px_open=avg,
                    ts_last=holding.ts_last,
                )
            )
        return reports
