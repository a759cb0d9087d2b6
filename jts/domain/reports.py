"""Execution reports: what a venue says about our orders, fills and positions.

Reports are the input of reconciliation (at start-up and after a reconnect): the system
compares them with its own orders and positions and emits the events that close the gap. They
carry the venue's view only, so fields the venue may not know (our client order id) are
optional. ``report_id`` identifies the snapshot; ``ts_init`` is when JTS received it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from jts.core.errors import InvalidInputError, InvalidPriceError, InvalidQuantityError
from jts.domain.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from jts.domain.events_order import check_timestamp
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    VenueOrderId,
)
from jts.domain.messages import Message
from jts.domain.values import Currency, Money, Price, Quantity


class ExecutionReport(Message, frozen=True, kw_only=True):
    """Fields every report carries; never sent itself."""

    account_id: AccountId
    instrument_id: InstrumentId
    report_id: str
    ts_init: int

    def __post_init__(self) -> None:
        if not isinstance(self.report_id, str) or not self.report_id.strip():
            raise InvalidInputError(f"report_id must be a non-empty string, got {self.report_id!r}")
        check_timestamp("ts_init", self.ts_init, f"{type(self).__name__} {self.report_id}")


class OrderStatusReport(ExecutionReport, frozen=True, kw_only=True):
    """The venue's view of one order (KIS daily-orders row, Upbit order object)."""

    venue_order_id: VenueOrderId
    client_order_id: ClientOrderId | None = None
    order_side: OrderSide
    order_type: OrderType
    time_in_force: TimeInForce
    order_status: OrderStatus
    quantity: Quantity
    filled_qty: Quantity
    price: Price | None = None
    trigger_price: Price | None = None
    avg_px: Decimal | None = None
    expire_time_ns: int | None = None
    reason: str = ""  # why it was rejected or cancelled, when the venue says
    ts_accepted: int
    ts_last: int

    def __post_init__(self) -> None:
        super().__post_init__()
        where = f"order status report {self.report_id} for {self.venue_order_id}"
        check_timestamp("ts_accepted", self.ts_accepted, where)
        check_timestamp("ts_last", self.ts_last, where)
        if not self.quantity.is_positive():
            raise InvalidQuantityError(f"{where}: quantity must be positive, got {self.quantity}")
        if self.filled_qty > self.quantity:
            raise InvalidQuantityError(
                f"{where}: filled {self.filled_qty} exceeds quantity {self.quantity}"
            )
        if self.avg_px is not None and (not self.avg_px.is_finite() or self.avg_px <= 0):
            raise InvalidPriceError(f"{where}: avg_px must be positive, got {self.avg_px}")

    @property
    def leaves_qty(self) -> Quantity:
        """What is still working; zero for a closed order, whatever was left unfilled."""
        if self.order_status.is_closed:
            return Quantity.zero(self.quantity.precision)
        return self.quantity - self.filled_qty


class FillReport(ExecutionReport, frozen=True, kw_only=True):
    """One execution as the venue reports it (KIS fill notice or daily-fills row)."""

    venue_order_id: VenueOrderId
    trade_id: TradeId
    client_order_id: ClientOrderId | None = None
    order_side: OrderSide
    last_qty: Quantity
    last_px: Price
    currency: Currency
    commission: Money
    tax: Money
    liquidity_side: LiquiditySide = LiquiditySide.NONE
    ts_event: int

    def __post_init__(self) -> None:
        super().__post_init__()
        where = f"fill report {self.report_id} for trade {self.trade_id}"
        check_timestamp("ts_event", self.ts_event, where)
        if not self.last_qty.is_positive():
            raise InvalidQuantityError(f"{where}: quantity must be positive, got {self.last_qty}")
        if not self.last_px.is_positive():
            raise InvalidPriceError(f"{where}: price must be positive, got {self.last_px}")


class PositionReport(ExecutionReport, frozen=True, kw_only=True):
    """The venue's holding of one instrument (KIS balance row, Upbit account row)."""

    position_side: PositionSide
    quantity: Quantity
    avg_px_open: Decimal | None = None
    ts_last: int

    def __post_init__(self) -> None:
        super().__post_init__()
        check_timestamp("ts_last", self.ts_last, f"position report {self.report_id}")
        flat = self.position_side is PositionSide.FLAT
        if flat != self.quantity.is_zero():
            raise InvalidQuantityError(
                f"position report {self.report_id} for {self.instrument_id}: side "
                f"{self.position_side.value} with quantity {self.quantity}"
            )

    @property
    def signed_qty(self) -> Decimal:
        qty = self.quantity.as_decimal()
        return -qty if self.position_side is PositionSide.SHORT else qty


REPORT_TYPES: Final[tuple[type[ExecutionReport], ...]] = (
    OrderStatusReport,
    FillReport,
    PositionReport,
)
