"""What a vectorised backtest returns: exact fills, the equity curve, signals and statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from jts.analytics import Analysis, Fill, RoundTrip, analyse
from jts.domain.enums import OrderSide
from jts.domain.identifiers import InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.values import Money, Price, Quantity, Rounding
from jts.dsl.signals import Signals
from jts.dsl.vector.kernels import max_drawdown

__all__ = ["RunLog", "VectorFill", "VectorResult"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RunLog:
    """A recording run's orders and decisions, each row with its time and instrument (an
    index into ``instruments``); kinds and statuses are `jts.dsl.vector.kernels` codes.

    Orders are in the order they were sent; order ``i`` is number ``i + 1`` of the run, which
    ``fill_order`` gives for each fill. ``end_ts`` is when a denial, cancellation or expiry
    happened, and ``a``/``b`` the amounts a denial quotes. Decisions are the signals the
    streaming strategy emits, in order, with the bar they were taken on (``bar``: its index
    among the instrument's bars; its close, high and low) and the equity an entry was sized
    on, or the stop levels a stop exit saw (0: none).
    """

    fill_order: IntArray
    order_ts: IntArray
    order_inst: IntArray
    order_side: IntArray
    order_qty: IntArray
    order_entry: IntArray
    order_status: IntArray
    order_end_ts: IntArray
    order_a: IntArray
    order_b: IntArray
    decision_ts: IntArray
    decision_inst: IntArray
    decision_bar: IntArray
    decision_kind: IntArray
    decision_side: IntArray
    decision_close: IntArray
    decision_high: IntArray
    decision_low: IntArray
    decision_equity: IntArray
    decision_levels: IntArray  # [decision, (loss, take profit, trailing)]


@dataclass(frozen=True, slots=True)
class VectorFill:
    """One execution, exact: raw price and quantity at the instrument's precisions, commission
    and tax in won."""

    ts_event: int
    instrument_id: InstrumentId
    side: OrderSide
    quantity: int
    price: int
    commission: int
    tax: int


@dataclass(frozen=True, slots=True)
class VectorResult:
    """Fills (also as arrays, ``fill_inst`` indexing ``instruments``), the equity curve (one
    int per distinct bar time, as the event-driven equity tracker records it), each
    instrument's signals and the statistics."""

    instruments: tuple[Instrument, ...]
    fill_ts: IntArray
    fill_inst: IntArray
    fill_side: IntArray  # +1 buy, -1 sell
    fill_qty: IntArray
    fill_px: IntArray
    fill_commission: IntArray
    fill_tax: IntArray
    timestamps: IntArray
    equity: IntArray
    signals: Sequence[Signals]
    params: Mapping[str, Decimal]
    #: what a recording run (``record=True``) logged; `jts.dsl.vector.records` turns it into
    #: the event engine's orders, fills and signals
    log: RunLog | None = field(default=None, repr=False, compare=False)
    _analysis: list[Analysis] = field(default_factory=list, repr=False, compare=False)

    @property
    def instrument(self) -> Instrument:
        """The instrument of a one-instrument run."""
        if len(self.instruments) != 1:
            ids = ", ".join(str(i.id) for i in self.instruments)
            raise ValueError(f"this run traded {len(self.instruments)} instruments ({ids})")
        return self.instruments[0]

    @property
    def fills(self) -> list[VectorFill]:
        ids = [i.id for i in self.instruments]
        return [
            VectorFill(int(t), ids[k], OrderSide.BUY if s > 0 else OrderSide.SELL, int(q),
                       int(p), int(c), int(x))
            for t, k, s, q, p, c, x in zip(
                self.fill_ts, self.fill_inst, self.fill_side, self.fill_qty, self.fill_px,
                self.fill_commission, self.fill_tax, strict=True,
            )
        ]  # fmt: skip

    @property
    def final_equity(self) -> int:
        return int(self.equity[-1]) if len(self.equity) else 0

    @property
    def max_drawdown(self) -> int:
        """The largest fall of the equity curve from an earlier peak, in won (one compiled
        pass: cheap enough to rank a sweep by)."""
        return int(max_drawdown(self.equity))

    def round_trips(self) -> list[RoundTrip]:
        """Flat-to-flat trades per instrument, gross of costs, in the order they close (as
        `round_trips_from_position_events` gives them); a fill through zero closes one trip
        and opens the next."""
        books = {i.id: _Book(i) for i in self.instruments}
        trips: list[RoundTrip] = []
        for fill in self.fills:
            books[fill.instrument_id].apply(fill, trips)
        return trips

    def analysis(self, *, risk_free: float = 0.0, periods_per_year: int = 252) -> Analysis:
        """`jts.analytics.analyse` over the curve, the round trips and the fills."""
        if not self._analysis:
            by_id = {i.id: i for i in self.instruments}
            fills = [
                Fill(f.ts_event, str(f.instrument_id), f.side,
                     Quantity.from_raw(f.quantity, by_id[f.instrument_id].size_precision),
                     Price.from_raw(f.price, by_id[f.instrument_id].price_precision))
                for f in self.fills
            ]  # fmt: skip
            self._analysis.append(
                analyse(
                    self.timestamps,
                    self.equity,
                    trades=self.round_trips(),
                    fills=fills,
                    risk_free=risk_free,
                    periods_per_year=periods_per_year,
                )
            )
        return self._analysis[0]


class _Book:
    """One instrument's netting position at average cost, for round trips."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.scale = Fraction(10) ** instrument.price_precision
        self.pos = 0
        self.open_trip()

    def open_trip(self, ts: int = 0, side: OrderSide = OrderSide.BUY) -> None:
        self.opened = ts
        self.side = side
        self.cost = Fraction(0)
        self.peak = 0
        self.realized = Fraction(0)
        self.opening = Fraction(0)  # value and quantity of the fills that opened or added
        self.opening_qty = 0
        self.closing = Fraction(0)
        self.closing_qty = 0

    def apply(self, fill: VectorFill, trips: list[RoundTrip]) -> None:
        signed = fill.quantity if fill.side is OrderSide.BUY else -fill.quantity
        price = Fraction(fill.price) / self.scale
        if self.pos != 0 and (signed > 0) != (self.pos > 0) and abs(signed) > abs(self.pos):
            through = -self.pos  # the part that closes this trip; the rest opens the next
            self._step(fill.ts_event, fill.side, through, price, trips)
            signed -= through
        self._step(fill.ts_event, fill.side, signed, price, trips)

    def _step(
        self, ts: int, side: OrderSide, signed: int, price: Fraction, trips: list[RoundTrip]
    ) -> None:
        if self.pos == 0:
            self.open_trip(ts, side)
        if self.pos == 0 or (signed > 0) == (self.pos > 0):  # opening or adding
            self.cost += price * abs(signed)
            self.opening += price * abs(signed)
            self.opening_qty += abs(signed)
        else:
            average = self.cost / abs(self.pos)
            self.realized += (price - average) * abs(signed) * (1 if self.pos > 0 else -1)
            self.cost -= average * abs(signed)
            self.closing += price * abs(signed)
            self.closing_qty += abs(signed)
        self.pos += signed
        self.peak = max(self.peak, abs(self.pos))
        if self.pos == 0:
            inst = self.instrument
            trips.append(
                RoundTrip(
                    instrument_id=str(inst.id),
                    side=self.side,
                    quantity=Quantity.from_raw(self.peak, inst.size_precision),
                    entry_ns=self.opened,
                    exit_ns=ts,
                    entry_price=_decimal(self.opening / self.opening_qty),
                    exit_price=_decimal(self.closing / self.closing_qty),
                    pnl=Money.from_decimal(
                        _decimal(self.realized), inst.quote_currency, Rounding.DOWN
                    ),
                )
            )


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)
