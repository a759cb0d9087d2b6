"""`backtest_vectorised`: a DSL program over whole bar arrays, fills and equity exactly as the
event-driven backtest (`jts.backtest.runner.run_backtest`) produces them.

Three stages: the signals come from `jts.dsl.signals.evaluate` (numpy, the same evaluator the
streaming strategy is held to bit for bit); the venue's and the risk engine's per-bar facts
from `jts.dsl.vector.market`; the fills and the equity curve from the compiled loop in
`jts.dsl.vector.loop`. Statistics are `jts.analytics.analyse` over the result, as the
event-driven engine computes them.

What the vectorised path cannot reproduce it refuses with `VectorUnsupportedError`, naming
the feature, rather than silently differ (see `check_supported`): stops, risk-based sizing,
several instruments, shorting allowed, non-default risk limits, slippage, latency, volume
caps, instruments off the whole-won grid, venues other than KRX.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from jts.analytics import Analysis, Fill, RoundTrip, analyse
from jts.calendar import XkrxCalendar
from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.identifiers import KRX, NXT
from jts.domain.instruments import Instrument
from jts.domain.market_data import BarAggregation
from jts.domain.values import KRW, Money, Price, Quantity, Rounding
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import Program, SizeEquityPercent, SizeRisk, SizeShares, SizeValue
from jts.dsl.signals import BarArrays, Signals, evaluate
from jts.dsl.vector.costs import VectorCosts, tax_rates_by_day
from jts.dsl.vector.loop import (
    ERR_OVERFLOW,
    SIZE_EQUITY,
    SIZE_SHARES,
    SIZE_VALUE,
    run_loop,
)
from jts.dsl.vector.market import Market, prepare_market
from jts.kernel.risk.limits import RiskLimits
from jts.ports.calendar import TradingCalendar

__all__ = [
    "VectorBars",
    "VectorFill",
    "VectorOverflowError",
    "VectorResult",
    "VectorUnsupportedError",
    "backtest_vectorised",
    "check_supported",
]

IntArray = npt.NDArray[np.int64]
FillModeText = Literal["next-open", "close"]


class VectorUnsupportedError(DslRuntimeError):
    """A program or setting the vectorised backtest cannot reproduce exactly; the message
    names the feature. Run it event-driven (`jts backtest`) instead."""


class VectorOverflowError(DslRuntimeError):
    """An amount left the exact int64 range (the message names the bar)."""


@dataclass(frozen=True, slots=True)
class VectorBars:
    """One instrument's bars: close times (int ns UTC, increasing) and raw prices/volumes at
    the instrument's precisions, as the data files hold them."""

    instrument: Instrument
    ts: IntArray
    open: IntArray
    high: IntArray
    low: IntArray
    close: IntArray
    volume: IntArray

    @classmethod
    def of(
        cls,
        instrument: Instrument,
        *,
        ts: Any,
        open: Any,
        high: Any,
        low: Any,
        close: Any,
        volume: Any,
    ) -> VectorBars:
        """Validate: 1-D int arrays of one length, positive prices, increasing timestamps."""
        fields = {"ts": ts, "open": open, "high": high, "low": low, "close": close}
        arrays: dict[str, IntArray] = {}
        length: int | None = None
        for name, raw in {**fields, "volume": volume}.items():
            array = np.ascontiguousarray(raw)
            if array.ndim != 1 or array.dtype.kind not in "iu":
                raise InvalidInputError(
                    f"bar field {name!r} must be a 1-D integer array, got {array.dtype} "
                    f"of shape {array.shape}"
                )
            array = array.astype(np.int64)
            if length is not None and array.shape[0] != length:
                raise InvalidInputError(
                    f"bar field {name!r} has {array.shape[0]} values, 'ts' has {length}"
                )
            length = array.shape[0]
            arrays[name] = array
        for name in ("open", "high", "low", "close"):
            if length and int(arrays[name].min()) <= 0:
                bad = int(np.argmin(arrays[name]))
                raise InvalidInputError(f"bar field {name!r} is not positive at index {bad}")
        if length and (np.diff(arrays["ts"]) <= 0).any():
            bad = int(np.argmax(np.diff(arrays["ts"]) <= 0)) + 1
            raise InvalidInputError(f"ts must increase; it does not at index {bad}")
        return cls(instrument, **arrays)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def signal_arrays(self) -> BarArrays:
        """The float bar fields the signal evaluator reads (``Price.as_float`` of each)."""
        scale_p = 10.0**self.instrument.price_precision
        scale_v = 10.0**self.instrument.size_precision
        return BarArrays.of(
            open=self.open / scale_p,
            high=self.high / scale_p,
            low=self.low / scale_p,
            close=self.close / scale_p,
            volume=self.volume / scale_v,
            ts=self.ts,
        )


@dataclass(frozen=True, slots=True)
class VectorFill:
    """One execution, exact: raw price and quantity at the instrument's precisions, commission
    and tax in won."""

    ts_event: int
    side: OrderSide
    quantity: int
    price: int
    commission: int
    tax: int


@dataclass(frozen=True, slots=True)
class VectorResult:
    """Fills (also as arrays), the equity curve (one int per distinct bar time), the signals
    and the statistics."""

    instrument: Instrument
    fill_ts: IntArray
    fill_side: IntArray  # +1 buy, -1 sell
    fill_qty: IntArray
    fill_px: IntArray
    fill_commission: IntArray
    fill_tax: IntArray
    timestamps: IntArray
    equity: IntArray
    signals: Signals
    params: Mapping[str, Decimal]
    _analysis: list[Analysis] = field(default_factory=list, repr=False, compare=False)

    @property
    def fills(self) -> list[VectorFill]:
        return [
            VectorFill(int(t), OrderSide.BUY if s > 0 else OrderSide.SELL, int(q), int(p),
                       int(c), int(x))
            for t, s, q, p, c, x in zip(
                self.fill_ts, self.fill_side, self.fill_qty, self.fill_px,
                self.fill_commission, self.fill_tax, strict=True,
            )
        ]  # fmt: skip

    @property
    def final_equity(self) -> int:
        return int(self.equity[-1]) if len(self.equity) else 0

    def round_trips(self) -> list[RoundTrip]:
        """Flat-to-flat trades, gross of costs (as `round_trips_from_position_events`)."""
        inst = self.instrument
        trips: list[RoundTrip] = []
        pos = 0
        opened = 0
        cost = Fraction(0)
        peak = 0
        realized = Fraction(0)
        bought = Fraction(0)
        sold = Fraction(0)
        bought_qty = sold_qty = 0
        scale = Fraction(10) ** inst.price_precision
        for fill in self.fills:
            signed = fill.quantity if fill.side is OrderSide.BUY else -fill.quantity
            price = Fraction(fill.price) / scale
            if pos == 0:
                opened, cost, peak = fill.ts_event, Fraction(0), 0
                realized, bought, sold, bought_qty, sold_qty = (Fraction(0),) * 3 + (0, 0)
                entry_side = fill.side
            if (signed > 0) == (pos >= 0):  # opening or adding
                cost += price * abs(signed)
            else:
                average = cost / abs(pos)
                realized += (price - average) * abs(signed) * (1 if pos > 0 else -1)
                cost -= average * abs(signed)
            if fill.side is OrderSide.BUY:
                bought += price * fill.quantity
                bought_qty += fill.quantity
            else:
                sold += price * fill.quantity
                sold_qty += fill.quantity
            pos += signed
            peak = max(peak, abs(pos))
            if pos == 0:
                opening, closing = (bought, sold) if entry_side is OrderSide.BUY else (sold, bought)
                o_qty, c_qty = (
                    (bought_qty, sold_qty)
                    if entry_side is OrderSide.BUY
                    else (sold_qty, bought_qty)
                )
                trips.append(
                    RoundTrip(
                        instrument_id=str(inst.id),
                        side=entry_side,
                        quantity=Quantity.from_raw(peak, inst.size_precision),
                        entry_ns=opened,
                        exit_ns=fill.ts_event,
                        entry_price=_decimal(opening / o_qty),
                        exit_price=_decimal(closing / c_qty),
                        pnl=Money.from_decimal(
                            _decimal(realized), inst.quote_currency, Rounding.DOWN
                        ),
                    )
                )
        return trips

    def analysis(self, *, risk_free: float = 0.0, periods_per_year: int = 252) -> Analysis:
        """`jts.analytics.analyse` over the curve, the round trips and the fills."""
        if not self._analysis:
            inst = self.instrument
            fills = [
                Fill(f.ts_event, str(inst.id), f.side,
                     Quantity.from_raw(f.quantity, inst.size_precision),
                     Price.from_raw(f.price, inst.price_precision))
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


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def check_supported(
    program: Program,
    instrument: Instrument,
    risk_limits: RiskLimits | None = None,
) -> None:
    """Refuse, before any work, what the vectorised path would not reproduce exactly."""
    if program.stops:
        kinds = ", ".join(s.kind.replace("_", " ") for s in program.stops)
        raise VectorUnsupportedError(
            f"the vectorised backtest does not model stops yet ({kinds}); run this strategy "
            "event-driven"
        )
    if isinstance(program.sizing, SizeRisk):
        raise VectorUnsupportedError(
            "the vectorised backtest does not model 'size risk ... per ...' (a float divisor "
            "needs exact rational sizing); run this strategy event-driven"
        )
    if len(program.universe) > 1:
        raise VectorUnsupportedError(
            f"the vectorised backtest runs one instrument; this strategy trades "
            f"{len(program.universe)} ({', '.join(map(str, program.universe))}) on one account"
        )
    if program.universe and program.universe[0] != instrument.id:
        raise VectorUnsupportedError(
            f"the bars are for {instrument.id}, the strategy trades {program.universe[0]}"
        )
    if instrument.venue not in (KRX, NXT) or instrument.quote_currency != KRW:
        raise VectorUnsupportedError(
            f"the vectorised backtest models KRX instruments in KRW only, not {instrument.id}"
        )
    if instrument.price_precision != 0 or instrument.size_precision != 0:
        raise VectorUnsupportedError(
            f"{instrument.id}: prices and sizes must be whole numbers (precision 0), got "
            f"{instrument.price_precision} and {instrument.size_precision}"
        )
    if isinstance(program.sizing, SizeValue) and program.sizing.currency != KRW:
        raise VectorUnsupportedError(
            f"'size ... {program.sizing.currency}' cannot size {instrument.id}, priced in KRW"
        )
    if risk_limits is not None and risk_limits != RiskLimits():
        raise VectorUnsupportedError(
            "the vectorised backtest models the default risk limits only (no shorting, buying "
            f"power, daily limits); got {risk_limits}"
        )


def _sizing(program: Program, values: Mapping[str, Decimal]) -> tuple[int, int, int]:
    sizing = program.sizing
    if isinstance(sizing, SizeShares):
        mode, scalar = SIZE_SHARES, sizing.quantity
    elif isinstance(sizing, SizeValue):
        mode, scalar = SIZE_VALUE, sizing.amount
    elif isinstance(sizing, SizeEquityPercent):
        mode, scalar = SIZE_EQUITY, sizing.percent
    else:  # pragma: no cover - check_supported refuses it
        raise VectorUnsupportedError("risk sizing")
    from jts.dsl.program import resolve_scalar  # noqa: PLC0415 - keeps the import list short

    num, den = resolve_scalar(scalar, values).as_integer_ratio()
    return mode, num, den


def _interval(program: Program) -> int:
    spec = program.bar_spec
    if spec is None:
        raise VectorUnsupportedError(
            "the program names no 'bars' statement; the vectorised backtest needs the bar "
            "interval to know when each bar starts"
        )
    if spec.aggregation is BarAggregation.DAY:
        raise VectorUnsupportedError("daily bars are not modelled by the vectorised backtest yet")
    return spec.interval_ns() if spec.is_time_aggregated else 0


def backtest_vectorised(
    program: Program,
    bars: VectorBars,
    params: Mapping[str, object] | None = None,
    *,
    cash: Money | int = 100_000_000,
    fill: FillModeText = "next-open",
    commission: Decimal | None = None,
    tax: Decimal | None = None,
    calendar: TradingCalendar | None = None,
    risk_limits: RiskLimits | None = None,
    signals: Signals | None = None,
    market: Market | None = None,
    tax_table: IntArray | None = None,
) -> VectorResult:
    """Backtest ``program`` on ``bars`` with ``params``; the keywords mean what the fields
    of `jts.backtest.engine.BacktestConfig` mean (``calendar`` defaults to XKRX).

    ``signals`` and ``market`` may be passed in when already computed for these bars (a
    sweep shares the market facts across every combination).
    """
    instrument = bars.instrument
    check_supported(program, instrument, risk_limits)
    values = program.bind(params)
    cash_raw = _cash_raw(cash)
    if fill not in ("next-open", "close"):
        raise InvalidInputError(f"fill must be 'next-open' or 'close', got {fill!r}")
    calendar = calendar or XkrxCalendar()
    if signals is None:
        signals = evaluate(program, bars.signal_arrays(), values)
    if market is None:
        market = prepare_market(instrument, bars.ts, bars.close, _interval(program), calendar)
    costs = VectorCosts.build(instrument, calendar, commission, tax)
    taxes = tax_rates_by_day(costs, instrument, market.days) if tax_table is None else tax_table
    mode, num, den = _sizing(program, values)
    n = len(bars)
    busy = signals.enter_long | signals.exit_long | signals.enter_short | signals.exit_short
    capacity = 2 * int(np.count_nonzero(busy | signals.flatten)) + 16  # <= 2 orders per bar
    out = [np.empty(capacity, dtype=np.int64) for _ in range(6)]
    equity = np.empty(n, dtype=np.int64)
    count, error, where = run_loop(  # type: ignore[call-arg]
        bars.ts, bars.open, bars.close,
        signals.enter_long, signals.exit_long, signals.enter_short, signals.exit_short,
        signals.flatten,
        market.bar_start, market.first_ns, market.close_only, market.expiry,
        market.lower, market.upper, market.risk_upper, market.day_index, taxes,
        costs.commission.num, costs.commission.den, cash_raw, fill == "close",
        mode, num, den, int(instrument.lot_size.raw), int(instrument.min_quantity.raw),
        *out, equity,
    )  # fmt: skip
    if error:
        at = dt.datetime.fromtimestamp(int(bars.ts[where]) / 1e9, dt.UTC).isoformat()
        what = "an amount passed 2**62 won" if error == ERR_OVERFLOW else "too many open orders"
        raise VectorOverflowError(f"vectorised backtest stopped at bar {where} ({at}): {what}")
    fill_bar, side, qty, px, comm, tax_paid = (a[:count].copy() for a in out)
    return VectorResult(
        instrument=instrument,
        fill_ts=bars.ts[fill_bar],
        fill_side=side,
        fill_qty=qty,
        fill_px=px,
        fill_commission=comm,
        fill_tax=tax_paid,
        timestamps=bars.ts.copy(),
        equity=equity,
        signals=signals,
        params=values,
    )


def _cash_raw(cash: Money | int) -> int:
    if isinstance(cash, Money):
        if cash.currency != KRW:
            raise VectorUnsupportedError(f"the account currency must be KRW, got {cash}")
        raw = cash.raw
    elif isinstance(cash, int) and not isinstance(cash, bool):
        raw = cash
    else:
        raise InvalidInputError(f"cash must be Money or an int of won, got {cash!r}")
    if raw <= 0:
        raise InvalidInputError(f"cash must be positive, got {raw}")
    return raw
