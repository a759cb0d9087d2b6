"""Real-time risk: exposure, drawdown and the daily loss limit, updated as prices move and
fills arrive; VaR, expected shortfall and volatility over sampled equity.

The monitor keeps a small book of its own: the net quantity and last mark per instrument (all
strategies together, as the account holds them), cash, and the trading day's cost basis. Each
price or fill touches one instrument, so an update costs a handful of exact Decimal operations
whatever the size of the portfolio; the portfolio (per strategy, settled and unsettled cash)
stays the books of record, and `sync` re-reads it (the node calls it after recovery).

Daily PnL is realised plus unrealised PnL less fees and taxes since the start of the KST
trading day::

    daily_pnl = sum(value_i) - sum(basis_i) - fees_today
    basis_i   = qty at the day's start x mark at the day's start + sum(today's signed qty x px)

which equals equity now minus equity at the day's start as long as only fills move cash. A
position whose price is unknown when the day starts (a restart before the first tick) is
valued from its first price: its move before that is unknown and not counted.

Each limit trips once per trading day. After an explicit reset of the kill switch the operator
is in charge for the rest of the day (re-tripping on the next tick would make a reset useless,
e.g. to flatten by hand); the next trading day re-arms every limit. Nothing here reads a clock
or does I/O: every update carries its timestamp.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, kst_date
from jts.domain.enums import OrderSide
from jts.domain.events_order import OrderFilled
from jts.domain.identifiers import InstrumentId
from jts.domain.values import KRW, Currency, Price
from jts.kernel.risk.metrics import (
    Concentration,
    concentration,
    expected_shortfall,
    historical_var,
    volatility,
)

__all__ = ["Breach", "LossLimits", "RiskMonitor", "RiskSnapshot"]

_KST_OFFSET_NS = 9 * NANOS_PER_HOUR  # Korea has no daylight saving time
_HUNDRED = Decimal(100)
_PCT_PLACES = Decimal("0.0001")
DEFAULT_CONFIDENCES = (0.95, 0.99)
DEFAULT_WINDOW = 250


@dataclass(frozen=True, slots=True)
class LossLimits:
    """Account-wide limits watched in real time; None = not enforced.

    ``daily_loss`` is an amount of the monitor's currency; the ``_pct`` limits are percent
    (2.5 = 2.5 %) of the day's start equity and of the peak equity.
    """

    daily_loss: Decimal | None = None
    daily_loss_pct: Decimal | None = None
    max_drawdown_pct: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("daily_loss", "daily_loss_pct", "max_drawdown_pct"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
                raise InvalidInputError(f"{name} must be a positive Decimal, got {value!r}")
            if name.endswith("_pct") and value > _HUNDRED:
                raise InvalidInputError(f"{name} is a percent (0-100], got {value}")

    @property
    def enforced(self) -> bool:
        return any(
            v is not None for v in (self.daily_loss, self.daily_loss_pct, self.max_drawdown_pct)
        )


@dataclass(frozen=True, slots=True)
class Breach:
    """A real-time limit crossed: its name and a sentence with the numbers (the kill switch's
    reason)."""

    limit: str
    reason: str

    def __str__(self) -> str:
        return f"{self.limit}: {self.reason}"


class _Holding:
    """One instrument of the monitor's book (net of every strategy)."""

    __slots__ = ("basis", "mark", "qty", "unmarked", "value")

    def __init__(self, qty: Decimal = Decimal(0), mark: Decimal | None = None) -> None:
        self.qty = qty
        self.mark = mark
        self.value = Decimal(0) if mark is None else qty * mark
        self.basis = Decimal(0)  # the day's cost basis (see the module docstring)
        self.unmarked = Decimal(0)  # day-start quantity still waiting for a first price


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    """The monitor's figures at one instant. Money exact, statistics float; percents are
    percent (1.5 = 1.5 %) rounded to four places."""

    ts_ns: int
    trading_date: dt.date | None
    currency: str
    cash: Decimal
    equity: Decimal
    day_start_equity: Decimal
    daily_pnl: Decimal
    daily_pnl_pct: Decimal | None
    peak_equity: Decimal
    drawdown: Decimal
    drawdown_pct: Decimal
    max_drawdown_pct: Decimal
    gross_exposure: Decimal
    net_exposure: Decimal
    exposures: Mapping[str, Decimal]
    concentration: Concentration | None
    volatility: float | None
    #: (confidence, historical VaR, expected shortfall) as fractions of equity per period
    tail: tuple[tuple[float, float | None, float | None], ...]
    returns: int
    limits: LossLimits
    breaches: tuple[str, ...]
    fills: int
    foreign_fills: int = 0

    def var(self, confidence: float) -> float | None:
        for level, value, _es in self.tail:
            if level == confidence:
                return value
        return None

    def expected_shortfall(self, confidence: float) -> float | None:
        for level, _var, value in self.tail:
            if level == confidence:
                return value
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-compatible: exact values as text, statistics as numbers (the control API)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        limits = self.limits
        conc = self.concentration
        return {
            "ts": self.ts_ns,
            "trading_date": None if self.trading_date is None else self.trading_date.isoformat(),
            "currency": self.currency,
            "cash": text(self.cash),
            "equity": text(self.equity),
            "day_start_equity": text(self.day_start_equity),
            "daily_pnl": text(self.daily_pnl),
            "daily_pnl_pct": text(self.daily_pnl_pct),
            "peak_equity": text(self.peak_equity),
            "drawdown": text(self.drawdown),
            "drawdown_pct": text(self.drawdown_pct),
            "max_drawdown_pct": text(self.max_drawdown_pct),
            "gross_exposure": text(self.gross_exposure),
            "net_exposure": text(self.net_exposure),
            "exposures": {k: str(v) for k, v in self.exposures.items()},
            "largest_position": None if conc is None else conc.largest,
            "largest_share": None if conc is None else conc.largest_share,
            "hhi": None if conc is None else conc.hhi,
            "volatility": self.volatility,
            "var": {f"{c:.4g}": v for c, v, _ in self.tail},
            "expected_shortfall": {f"{c:.4g}": es for c, _, es in self.tail},
            "returns": self.returns,
            "limits": {
                "daily_loss": text(limits.daily_loss),
                "daily_loss_pct": text(limits.daily_loss_pct),
                "max_drawdown_pct": text(limits.max_drawdown_pct),
            },
            "breaches": list(self.breaches),
            "fills": self.fills,
            "foreign_fills": self.foreign_fills,
        }


def _signed(fill: OrderFilled) -> Decimal:
    qty = fill.last_qty.as_decimal()
    return qty if fill.order_side is OrderSide.BUY else -qty


class RiskMonitor:
    """Exposure, drawdown, daily PnL and its limits for one account in one currency.

    Fills in another currency (a USD stock, a coin-quoted pair) are counted in
    ``foreign_fills`` and otherwise ignored: converting them needs FX marks the monitor does
    not have.
    """

    def __init__(
        self,
        limits: LossLimits | None = None,
        *,
        currency: Currency = KRW,
        window: int = DEFAULT_WINDOW,
        confidences: Iterable[float] = DEFAULT_CONFIDENCES,
    ) -> None:
        if window < 2:
            raise InvalidInputError(
                f"the returns window must hold at least 2 returns, got {window}"
            )
        self._limits = limits or LossLimits()
        self._currency = currency
        self._confidences = tuple(confidences)
        for level in self._confidences:
            if not 0.0 < level < 1.0:
                raise InvalidInputError(f"confidence must be between 0 and 1, got {level}")
        self._returns: deque[float] = deque(maxlen=window)
        self._last_sample: Decimal | None = None
        self.fills = 0
        self.foreign_fills = 0
        self._reset(Decimal(0))

    def _reset(self, cash: Decimal) -> None:
        self._holdings: dict[InstrumentId, _Holding] = {}
        self._cash = cash
        self._net = Decimal(0)
        self._gross = Decimal(0)
        self._basis = Decimal(0)
        self._fees = Decimal(0)
        self._day: dt.date | None = None
        self._day_end = -1
        self._day_start_equity = cash
        self._peak = cash
        self._max_drawdown = Decimal(0)
        self._breached: dict[str, str] = {}

    # ---- read -----------------------------------------------------------------------------
    @property
    def limits(self) -> LossLimits:
        return self._limits

    @property
    def currency(self) -> Currency:
        return self._currency

    @property
    def equity(self) -> Decimal:
        return self._cash + self._net

    @property
    def daily_pnl(self) -> Decimal:
        return self._net - self._basis - self._fees

    @property
    def gross_exposure(self) -> Decimal:
        return self._gross

    @property
    def net_exposure(self) -> Decimal:
        return self._net

    @property
    def day_start_equity(self) -> Decimal:
        return self._day_start_equity

    @property
    def trading_date(self) -> dt.date | None:
        return self._day

    @property
    def breaches(self) -> dict[str, str]:
        """Limits crossed this trading day, with their reasons."""
        return dict(self._breached)

    def exposure(self, instrument_id: InstrumentId) -> Decimal:
        holding = self._holdings.get(instrument_id)
        return Decimal(0) if holding is None else holding.value

    def qty(self, instrument_id: InstrumentId) -> Decimal:
        holding = self._holdings.get(instrument_id)
        return Decimal(0) if holding is None else holding.qty

    @property
    def returns(self) -> tuple[float, ...]:
        return tuple(self._returns)

    # ---- state from the books of record ------------------------------------------------------
    def sync(
        self,
        ts_ns: int,
        cash: Decimal,
        positions: Mapping[InstrumentId, Decimal],
        marks: Mapping[InstrumentId, Decimal] | None = None,
        fills: Iterable[OrderFilled] = (),
    ) -> Breach | None:
        """Start over from the portfolio: ``cash`` and net ``positions`` now, the last known
        ``marks``, and every fill the books hold (those of ``ts_ns``'s KST day are today's:
        their PnL and fees count against today's limits, so a restart forgets nothing booked).

        ``positions`` and ``cash`` already include the fills; the day's start is rebuilt by
        taking today's fills back out. The peak equity starts again from here.
        """
        day = kst_date(ts_ns)
        today = sorted(
            (f for f in fills if f.currency == self._currency and kst_date(f.ts_event) == day),
            key=lambda f: f.ts_event,
        )
        opening: dict[InstrumentId, Decimal] = defaultdict(Decimal, positions)
        start_cash = cash
        for fill in today:
            signed = _signed(fill)
            opening[fill.instrument_id] -= signed
            start_cash += signed * fill.last_px.as_decimal() + self._fees_of(fill)
        self._reset(start_cash)
        self.fills = 0
        known = marks or {}
        for instrument_id, qty in opening.items():
            mark = known.get(instrument_id)
            holding = _Holding(qty, mark)
            self._holdings[instrument_id] = holding
            self._net += holding.value
            self._gross += abs(holding.value)
        self._roll(ts_ns)
        for fill in today:
            self._apply_fill(fill)
            self.fills += 1
        self._peak = self.equity
        self._last_sample = None
        return self._check()

    # ---- updates --------------------------------------------------------------------------
    def on_price(
        self, instrument_id: InstrumentId, price: Price | Decimal, ts_ns: int
    ) -> Breach | None:
        """A new last price. Instruments never held or traded are ignored at once."""
        holding = self._holdings.get(instrument_id)
        if holding is None:
            return None
        if ts_ns >= self._day_end:
            self._roll(ts_ns)
        mark = price.as_decimal() if isinstance(price, Price) else price
        if not holding.qty:
            holding.mark = mark
            return None
        self._mark(holding, mark)
        return self._check()

    def on_fill(self, fill: OrderFilled) -> Breach | None:
        """A fill of any strategy of the account (each fill once: the OMS drops duplicates)."""
        if fill.currency != self._currency:
            self.foreign_fills += 1
            return None
        if fill.ts_event >= self._day_end:
            self._roll(fill.ts_event)
        self._apply_fill(fill)
        self.fills += 1
        return self._check()

    def sample(self, ts_ns: int) -> None:
        """Record the equity now as a point of the returns series (the node calls it every
        ``risk.metrics.interval_s``; VaR, ES and volatility are per that period)."""
        if ts_ns >= self._day_end:
            self._roll(ts_ns)
        equity = self.equity
        previous = self._last_sample
        if previous is not None and previous > 0:
            self._returns.append(float(equity / previous - 1))
        self._last_sample = equity if equity > 0 else None

    # ---- internals ------------------------------------------------------------------------
    def _fees_of(self, fill: OrderFilled) -> Decimal:
        fees = Decimal(0)
        for money in (fill.commission, fill.tax):
            if money.currency == self._currency:
                fees += money.as_decimal()
        return fees

    def _roll(self, ts_ns: int) -> None:
        """A new KST trading day: today's basis is the book marked now, fees start at zero,
        and every limit is armed again."""
        day_start = (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY * NANOS_PER_DAY - _KST_OFFSET_NS
        self._day_end = day_start + NANOS_PER_DAY
        self._day = kst_date(ts_ns)
        basis = Decimal(0)
        for holding in self._holdings.values():
            if holding.mark is None:
                holding.basis = Decimal(0)
                holding.unmarked = holding.qty
            else:
                holding.basis = holding.value
                holding.unmarked = Decimal(0)
            basis += holding.basis
        self._basis = basis
        self._fees = Decimal(0)
        self._day_start_equity = self._cash + self._net
        self._breached = {}

    def _mark(self, holding: _Holding, mark: Decimal) -> None:
        if holding.unmarked:
            # the day-start position's first price: it joins the day's basis and start equity
            added = holding.unmarked * mark
            holding.basis += added
            self._basis += added
            self._day_start_equity += added
            holding.unmarked = Decimal(0)
        holding.mark = mark
        old = holding.value
        new = holding.qty * mark
        holding.value = new
        self._net += new - old
        self._gross += abs(new) - abs(old)

    def _apply_fill(self, fill: OrderFilled) -> None:
        signed = _signed(fill)
        px = fill.last_px.as_decimal()
        fees = self._fees_of(fill)
        holding = self._holdings.get(fill.instrument_id)
        if holding is None:
            holding = self._holdings[fill.instrument_id] = _Holding()
        if holding.mark is None:
            self._mark(holding, px)  # a fill is a trade: the best price known until a tick
        holding.qty += signed
        flow = signed * px
        holding.basis += flow
        self._basis += flow
        self._fees += fees
        self._cash -= flow + fees
        old = holding.value
        assert holding.mark is not None
        new = holding.qty * holding.mark
        holding.value = new
        self._net += new - old
        self._gross += abs(new) - abs(old)

    def _check(self) -> Breach | None:
        """Update the peak and drawdown; the first limit newly crossed today, if any."""
        equity = self._cash + self._net
        peak = self._peak
        if equity > peak:
            self._peak = peak = equity
        elif peak > 0 and equity < peak:
            drawdown = (peak - equity) / peak
            self._max_drawdown = max(self._max_drawdown, drawdown)
        limits = self._limits
        loss = self._basis + self._fees - self._net
        if limits.daily_loss is not None and loss >= limits.daily_loss:
            breach = self._breach(
                "daily_loss",
                f"loss of {self._money(loss)} since the start of the KST trading day "
                f"{self._day} reached the daily loss limit {self._money(limits.daily_loss)}",
            )
            if breach is not None:
                return breach
        start = self._day_start_equity
        pct = limits.daily_loss_pct
        if pct is not None and start > 0 and loss * _HUNDRED >= pct * start:
            breach = self._breach(
                "daily_loss_pct",
                f"loss of {self._money(loss)} is {_percent(loss, start)} % of the day's start "
                f"equity {self._money(start)}, limit {pct} % (KST trading day {self._day})",
            )
            if breach is not None:
                return breach
        pct = limits.max_drawdown_pct
        if pct is not None and peak > 0 and (peak - equity) * _HUNDRED >= pct * peak:
            return self._breach(
                "max_drawdown_pct",
                f"equity {self._money(equity)} is {_percent(peak - equity, peak)} % below its "
                f"peak {self._money(peak)}, limit {pct} %",
            )
        return None

    def _breach(self, limit: str, reason: str) -> Breach | None:
        if limit in self._breached:
            return None
        self._breached[limit] = reason
        return Breach(limit, reason)

    def _money(self, amount: Decimal) -> str:
        step = Decimal(1).scaleb(-self._currency.precision)
        return f"{amount.quantize(step, ROUND_HALF_EVEN):,} {self._currency}"

    # ---- figures --------------------------------------------------------------------------
    def snapshot(self, ts_ns: int) -> RiskSnapshot:
        """Every figure now; VaR/ES/volatility cost a sort of the window, so call it on a
        timer or on request, not per tick."""
        if ts_ns >= self._day_end:
            self._roll(ts_ns)
        equity = self.equity
        peak = self._peak
        drawdown = max(peak - equity, Decimal(0))
        exposures = {
            str(iid): holding.value for iid, holding in self._holdings.items() if holding.qty
        }
        start = self._day_start_equity
        pnl = self.daily_pnl
        returns = list(self._returns)
        return RiskSnapshot(
            ts_ns=ts_ns,
            trading_date=self._day,
            currency=str(self._currency),
            cash=self._cash,
            equity=equity,
            day_start_equity=start,
            daily_pnl=pnl,
            daily_pnl_pct=_percent(pnl, start) if start > 0 else None,
            peak_equity=peak,
            drawdown=drawdown,
            drawdown_pct=_percent(drawdown, peak) if peak > 0 else Decimal(0),
            max_drawdown_pct=(self._max_drawdown * _HUNDRED).quantize(_PCT_PLACES),
            gross_exposure=self._gross,
            net_exposure=self._net,
            exposures=exposures,
            concentration=concentration(exposures.items()),
            volatility=volatility(returns),
            tail=tuple(
                (c, historical_var(returns, c), expected_shortfall(returns, c))
                for c in self._confidences
            ),
            returns=len(returns),
            limits=self._limits,
            breaches=tuple(f"{k}: {v}" for k, v in self._breached.items()),
            fills=self.fills,
            foreign_fills=self.foreign_fills,
        )


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * _HUNDRED / whole).quantize(_PCT_PLACES, ROUND_HALF_EVEN)
