"""Iceberg: a large limit order shown a small part at a time.

One child of ``display_qty`` (or what is left, if less) rests at the limit price; when it is
completely filled the next one goes out at once, until the parent is done. A partial fill does
not replenish (the venue still shows the rest of the child). The price is the parent's limit on
the tick grid, rounded to the passive side (a buy down, a sell up) and clipped into the daily
limits when they are known, so no child ever pays more than the parent allows.

A denied or venue-rejected child leaves nothing resting, so under ``RETRY`` and ``SKIP`` the
next child is tried after ``retry_interval_ns`` (``SKIP`` first gives up the failed child's
quantity); under ``STOP`` the iceberg stops.
"""

from __future__ import annotations

from decimal import Decimal

from jts.core.errors import InvalidInputError, InvalidQuantityError
from jts.core.time import NANOS_PER_SECOND, kst_date
from jts.domain.enums import OrderSide, OrderStatus
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.orders import Order
from jts.domain.values import Price, Quantity
from jts.kernel.execution.algorithms.base import (
    ChildOrder,
    DenialPolicy,
    EndAction,
    ExecAlgorithm,
    QtyLike,
)
from jts.kernel.execution.algorithms.pricing import passive_rounding
from jts.kernel.execution.algorithms.terms import as_qty

__all__ = ["Iceberg"]

PriceLike = Price | int | str | Decimal


class Iceberg(ExecAlgorithm):
    """``quantity`` at ``price``, showing ``display_qty`` at a time; ``end_ns`` optional."""

    name = "ICEBERG"

    def __init__(
        self,
        instrument_id: InstrumentId | str,
        side: OrderSide,
        quantity: QtyLike,
        price: PriceLike,
        display_qty: QtyLike,
        *,
        end_ns: int | None = None,
        retry_interval_ns: int = NANOS_PER_SECOND,
        on_denied: DenialPolicy = DenialPolicy.RETRY,
        at_end: EndAction = EndAction.LEAVE,
        algorithm_id: str | None = None,
        account_id: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> None:
        if isinstance(price, bool) or not isinstance(price, Price | int | str | Decimal):
            raise InvalidInputError(
                f"iceberg price must be a Price, int, str or Decimal: {price!r}"
            )
        if type(retry_interval_ns) is not int or retry_interval_ns <= 0:
            raise InvalidInputError(
                f"retry_interval_ns must be a positive int, got {retry_interval_ns!r}"
            )
        super().__init__(
            instrument_id,
            side,
            quantity,
            end_ns=end_ns,
            on_denied=on_denied,
            at_end=at_end,
            algorithm_id=algorithm_id,
            account_id=account_id,
            tags=tags,
        )
        limit = Price(price)
        if not limit.is_positive():
            raise InvalidInputError(f"iceberg price must be positive, got {limit}")
        self._limit = limit
        self._display = as_qty(display_qty, "display_qty")
        self.retry_interval_ns = retry_interval_ns

    @property
    def price(self) -> Price:
        """The limit the children rest at (on the grid once started)."""
        return self._limit

    @property
    def display_qty(self) -> Quantity:
        return self._display

    def _own_terms(self) -> dict[str, object]:
        return {
            "price": self._limit,
            "display_qty": self._display,
            "retry_interval_ns": self.retry_interval_ns,
        }

    def _prepare(self, instrument: Instrument, now_ns: int) -> None:
        display = instrument.make_qty(self._display)
        try:
            instrument.check_order_quantity(display)
        except InvalidQuantityError as exc:
            raise InvalidQuantityError(f"iceberg display_qty: {exc}") from None
        self._display = display
        # off the grid (or finer than the instrument's precision): the nearest valid price on
        # the passive side; a buy below the smallest valid price has none and is refused
        scheme = instrument.tick_scheme(kst_date(now_ns))
        self._limit = scheme.round(self._limit, passive_rounding(self.side))

    def _begin(self) -> None:
        self._arm_end()
        self._replenish()

    def _replenish(self) -> None:
        if self._has_open_children():
            return
        display = self._display.raw_at(self._quantity.precision)
        quantity = self._floor_lot(min(display, self._unassigned()))
        if quantity >= self._min:
            self._send(quantity, self._bounded(self._limit))

    def _on_child_closed(self, child: ChildOrder, order: Order) -> None:
        if order.status is OrderStatus.FILLED:
            self._replenish()

    def _after_failure(self) -> None:
        self._alert("retry", self._rt.now() + self.retry_interval_ns, self._replenish)
