"""The equity curve of a run, tracked in O(1) per data point.

Marking every position to market on every bar through `Portfolio.equity` would cost more than
the rest of the bar's processing, so the tracker keeps the running market value as an exact
integer and updates only the instrument whose price moved. Cash is re-read from the portfolio
(the authority) only when a fill changes it. `check` compares the tracked figure with the
portfolio's at the end of a run: they must be equal to the won.

The market value is kept in units of 10**-36 of the currency, exact for any quantity and price
precisions. A held instrument's share of it moves by ``qty x price change`` scaled once by a
factor computed when its quantity or price precision changes, so a bar costs one
multiplication, and the equity in the currency's units is derived only when a fill or a price
of something held changed it.
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
from jts.domain.values import MAX_PRECISION, Currency, Money, Price
from jts.kernel.portfolio.portfolio import Portfolio

_SCALE = 2 * MAX_PRECISION  # market value kept in units of 10**-36: exact for any precisions
_POW: list[int] = [10**i for i in range(_SCALE + 1)]


class _Holding:
    """One held instrument: signed raw quantity, the last price, and the factor that brings
    ``qty x price`` to the tracker's scale."""

    __slots__ = ("factor", "px", "px_prec", "qty", "qty_prec")

    def __init__(self, qty: int, qty_prec: int, px: int, px_prec: int) -> None:
        self.qty, self.qty_prec, self.px, self.px_prec = qty, qty_prec, px, px_prec
        self.factor = _POW[_SCALE - qty_prec - px_prec]

    @property
    def value(self) -> int:
        return self.qty * self.px * self.factor


class EquityTracker:
    def __init__(self, portfolio: Portfolio, currency: Currency) -> None:
        self._portfolio = portfolio
        self._currency = currency
        self._held: dict[InstrumentId, _Holding] = {}  # instruments with a position
        self._last: dict[InstrumentId, Price] = {}  # last price of everything seen
        self._value = 0  # sum of qty x price over instruments, at 10**-_SCALE
        self._cash_raw = portfolio.cash().raw
        self._dirty = True
        self._equity = 0
        self._last_ts = -1
        self._step = _POW[_SCALE - currency.precision]
        self.timestamps: array[int] = array("q")
        self.values: array[int] = array("q")

    def on_price(self, instrument_id: InstrumentId, price: Price) -> None:
        self._last[instrument_id] = price
        held = self._held.get(instrument_id)
        if held is None:  # not held: the price matters only for a later fill
            return
        raw = price.raw
        if price.precision == held.px_prec:
            self._value += held.qty * (raw - held.px) * held.factor
            held.px = raw
        else:
            before = held.value
            held.px, held.px_prec = raw, price.precision
            held.factor = _POW[_SCALE - held.qty_prec - held.px_prec]
            self._value += held.value - before
        self._dirty = True

    def mark(self, instrument_id: InstrumentId, price: Price, ts_ns: int) -> None:
        """`on_price` then `record`, in one call: what the backtest loop does for every bar."""
        self._last[instrument_id] = price
        held = self._held.get(instrument_id)
        if held is not None:
            raw = price.raw
            if price.precision != held.px_prec:
                before = held.value
                held.px, held.px_prec = raw, price.precision
                held.factor = _POW[_SCALE - held.qty_prec - held.px_prec]
                self._value += held.value - before
                self._dirty = True
            elif raw != held.px:  # an unchanged price leaves the equity as it is
                self._value += held.qty * (raw - held.px) * held.factor
                held.px = raw
                self._dirty = True
        if self._dirty:
            self._equity = self.equity_raw()
            self._dirty = False
        if ts_ns == self._last_ts:
            self.values[-1] = self._equity
        else:
            self._last_ts = ts_ns
            self.timestamps.append(ts_ns)
            self.values.append(self._equity)

    def on_order_event(self, order: Order, event: OrderEvent) -> None:
        if not isinstance(event, OrderFilled):
            return
        currency = event.currency
        if currency is not self._currency and currency != self._currency:
            return
        iid = event.instrument_id
        last_qty = event.last_qty
        held = self._held.get(iid)
        if held is None:
            price = self._last.get(iid, event.last_px)
            held = _Holding(0, last_qty.precision, price.raw, price.precision)
        before = held.value
        if last_qty.precision > held.qty_prec:  # a finer fill: rescale what is held, exactly
            held.qty *= _POW[last_qty.precision - held.qty_prec]
            held.qty_prec = last_qty.precision
            held.factor = _POW[_SCALE - held.qty_prec - held.px_prec]
        delta = (
            last_qty.raw if last_qty.precision == held.qty_prec else last_qty.raw_at(held.qty_prec)
        )
        held.qty += delta if event.order_side is OrderSide.BUY else -delta
        self._value += held.value - before
        if held.qty:
            self._held[iid] = held
        else:
            self._held.pop(iid, None)
        self._cash_raw = self._portfolio.cash_raw()
        self._dirty = True

    def equity_raw(self) -> int:
        # to the currency's grid, ties away from zero (as `round_raw` NEAREST)
        step = self._step
        value = self._value
        magnitude, remainder = divmod(-value if value < 0 else value, step)
        if 2 * remainder >= step:
            magnitude += 1
        return self._cash_raw + (-magnitude if value < 0 else magnitude)

    def record(self, ts_ns: int) -> None:
        """One point per distinct timestamp: a later call at the same instant replaces it."""
        if self._dirty:  # recomputed only after a fill or a move of a held price
            self._equity = self.equity_raw()
            self._dirty = False
        if ts_ns == self._last_ts:
            self.values[-1] = self._equity
        else:
            self._last_ts = ts_ns
            self.timestamps.append(ts_ns)
            self.values.append(self._equity)

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The curve as int64 arrays over the recorded buffers, not copies (a million points
        are 16 MB): the tracker must not record after this."""
        return (
            np.frombuffer(self.timestamps, dtype=np.int64),
            np.frombuffer(self.values, dtype=np.int64),
        )

    def check(self) -> None:
        """The tracked equity must equal the portfolio's marked to the same prices."""
        expected: Money = self._portfolio.equity()
        tracked = Money.from_raw(self.equity_raw(), self._currency)
        if expected != tracked:
            raise StateError(f"equity tracker drifted: {tracked}, portfolio says {expected}")
