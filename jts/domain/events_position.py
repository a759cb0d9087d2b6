"""Position events: a netting position opened, changed or went flat.

They are snapshots taken right after a fill, so a consumer (portfolio, UI, journal) needs no
access to the `Position` object. Prices that are averages (``avg_px_open``, ``avg_px_close``)
are `Decimal`: an average of exact prices is exact as a fraction but may not fit any tick grid
(see `jts.domain.positions` for the precision rule). ``realized_pnl`` is cumulative over the
life of the netting slot (instrument x strategy), gross of commissions and taxes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide, PositionSide
from jts.domain.events_order import check_timestamp
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    StrategyId,
    TradeId,
    TraderId,
)
from jts.domain.messages import Message
from jts.domain.values import Money, Price, Quantity


# ``gc=False``: immutable values only, no reference cycle possible (see `OrderEvent`)
class PositionEvent(Message, frozen=True, kw_only=True, gc=False):
    """Fields every position event carries; never sent itself."""

    trader_id: TraderId
    strategy_id: StrategyId
    instrument_id: InstrumentId
    position_id: PositionId
    account_id: AccountId | None = None
    opening_order_id: ClientOrderId
    entry: OrderSide  # the side of the fill that opened the current (or last) round trip
    side: PositionSide
    signed_qty: Decimal
    quantity: Quantity
    peak_qty: Quantity
    avg_px_open: Decimal
    avg_px_close: Decimal | None = None
    realized_pnl: Money
    last_trade_id: TradeId
    last_px: Price
    last_qty: Quantity
    ts_opened: int
    ts_event: int
    ts_init: int

    def __post_init__(self) -> None:
        self._check_common()

    def _check_common(self) -> None:
        # the common case first, without building a message; `_explain` names what is wrong
        ts_opened, ts_event, ts_init = self.ts_opened, self.ts_event, self.ts_init
        quantity, signed = self.quantity, self.signed_qty
        if (
            type(ts_opened) is int
            and type(ts_event) is int
            and type(ts_init) is int
            and ts_opened >= 0
            and ts_event >= 0
            and ts_init >= 0
            and type(signed) is Decimal
            and quantity.precision == 0
            and abs(signed) == quantity.raw
            and self.side is _SIDE_BY_SIGN[(signed > 0) - (signed < 0)]
        ):
            return
        self._explain()

    def _explain(self) -> None:
        """The full checks, each with its message (only reached when one may fail)."""
        where = f"{type(self).__name__} of position {self.position_id}"
        check_timestamp("ts_opened", self.ts_opened, where)
        check_timestamp("ts_event", self.ts_event, where)
        check_timestamp("ts_init", self.ts_init, where)
        if self.quantity.as_decimal() != abs(self.signed_qty):
            raise InvalidInputError(
                f"quantity {self.quantity} is not |signed_qty| {self.signed_qty} ({where})"
            )
        expected = (
            PositionSide.FLAT
            if self.signed_qty == 0
            else (PositionSide.LONG if self.signed_qty > 0 else PositionSide.SHORT)
        )
        if self.side is not expected:
            raise InvalidInputError(
                f"side {self.side.value} contradicts signed_qty {self.signed_qty} ({where})"
            )


#: the side a signed quantity implies, indexed by its sign (0, 1, -1)
_SIDE_BY_SIGN: Final = (PositionSide.FLAT, PositionSide.LONG, PositionSide.SHORT)


class PositionOpened(PositionEvent, frozen=True, kw_only=True):
    """A fill opened the position from flat (also the second half of a flip through zero)."""

    def __post_init__(self) -> None:
        self._check_common()
        if self.side is PositionSide.FLAT:
            raise InvalidInputError(f"an opened position cannot be flat ({self.position_id})")


class PositionChanged(PositionEvent, frozen=True, kw_only=True):
    """A fill increased or reduced the position without closing it.
    ``unrealized_pnl`` is marked at the fill price."""

    unrealized_pnl: Money

    def __post_init__(self) -> None:
        self._check_common()
        if self.side is PositionSide.FLAT:
            raise InvalidInputError(f"a changed position cannot be flat ({self.position_id})")


class PositionClosed(PositionEvent, frozen=True, kw_only=True):
    """A fill took the position to flat. ``avg_px_open`` is that of the round trip just closed."""

    ts_closed: int
    duration_ns: int

    def __post_init__(self) -> None:
        self._check_common()
        if self.side is not PositionSide.FLAT:
            raise InvalidInputError(f"a closed position must be flat ({self.position_id})")
        ts_closed, duration = self.ts_closed, self.duration_ns
        if type(ts_closed) is not int or ts_closed < 0:
            check_timestamp("ts_closed", ts_closed, f"position {self.position_id}")
        if duration != ts_closed - self.ts_opened or duration < 0:
            raise InvalidInputError(
                f"duration_ns {self.duration_ns} is not ts_closed - ts_opened "
                f"({self.ts_closed} - {self.ts_opened}) ({self.position_id})"
            )


POSITION_EVENT_TYPES: Final[tuple[type[PositionEvent], ...]] = (
    PositionOpened,
    PositionChanged,
    PositionClosed,
)
