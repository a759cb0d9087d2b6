"""The equity curve of a run, tracked in O(1) per data point.

Marking every position to market on every bar through `Portfolio.equity` would cost more than
the rest of the bar's processing, so the tracker keeps the running market value as an exact
integer and updates only the instrument whose price moved. Cash is re-read from the portfolio
(the authority) only when a fill changes it. `check` compares the tracked figure with the
portfolio's at the end of a run: they must be equal to the won.
"""

from __future__ import annotations

from array import array

import numpy as np
import numpy.typing as npt

from jts.core.errors import StateError
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.orders import Order
from jts.domain.values import MAX_PRECISION, Currency, Money, Rounding, round_raw
from jts.kernel.portfolio.portfolio import Portfolio

_SCALE = 2 * MAX_PRECISION  # market value kept in units of 10**-36: exact for any precisions
_POW: list[int] = [10**i for i in range(_SCALE + 1)]


class EquityTracker:
    def __init__(self, portfolio: Portfolio, currency: Currency) -> None:
        self._portfolio = portfolio
        self._currency = currency
        self._qty: dict[InstrumentId, tuple[int, int]] = {}  # signed raw qty, precision
        self._px: dict[InstrumentId, tuple[int, int]] = {}  # raw price, precision
        self._value = 0  # sum of qty x price over instruments, at 10**-_SCALE
        self._cash_raw = portfolio.cash().raw
        self._dirty = True
        self._equity = 0
        self.timestamps: array[int] = array("q")
        self.values: array[int] = array("q")

    def _mv(self, instrument_id: InstrumentId) -> int:
        qty = self._qty.get(instrument_id)
        px = self._px.get(instrument_id)
        if qty is None or px is None or qty[0] == 0:
            return 0
        return qty[0] * px[0] * _POW[_SCALE - qty[1] - px[1]]

    def on_price(self, instrument_id: InstrumentId, raw: int, precision: int) -> None:
        qty = self._qty.get(instrument_id)
        if qty is None or qty[0] == 0:  # not held: the price matters only for a later fill
            self._px[instrument_id] = (raw, precision)
            return
        before = self._mv(instrument_id)
        self._px[instrument_id] = (raw, precision)
        self._value += self._mv(instrument_id) - before
        self._dirty = True

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        if not isinstance(event, OrderFilled) or event.currency != self._currency:
            return
        iid = event.instrument_id
        before = self._mv(iid)
        old_raw, old_prec = self._qty.get(iid, (0, 0))
        prec = max(old_prec, event.last_qty.precision)
        delta = event.last_qty.raw_at(prec)
        raw = old_raw * _POW[prec - old_prec] + (
            delta if event.order_side is OrderSide.BUY else -delta
        )
        self._qty[iid] = (raw, prec)
        self._value += self._mv(iid) - before
        self._cash_raw = self._portfolio.cash().raw
        self._dirty = True

    def equity_raw(self) -> int:
        shift = _SCALE - self._currency.precision
        return self._cash_raw + round_raw(self._value, _POW[shift], Rounding.NEAREST) // _POW[shift]

    def record(self, ts_ns: int) -> None:
        """One point per distinct timestamp: a later call at the same instant replaces it."""
        if self._dirty:  # recomputed only after a fill or a move of a held price
            self._equity = self.equity_raw()
            self._dirty = False
        value = self._equity
        if self.timestamps and self.timestamps[-1] == ts_ns:
            self.values[-1] = value
        else:
            self.timestamps.append(ts_ns)
            self.values.append(value)

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        return (
            np.frombuffer(self.timestamps, dtype=np.int64).copy(),
            np.frombuffer(self.values, dtype=np.int64).copy(),
        )

    def check(self) -> None:
        """The tracked equity must equal the portfolio's marked to the same prices."""
        expected: Money = self._portfolio.equity()
        tracked = Money.from_raw(self.equity_raw(), self._currency)
        if expected != tracked:
            raise StateError(f"equity tracker drifted: {tracked}, portfolio says {expected}")
