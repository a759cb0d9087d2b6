"""Shared test kit of the streaming-compiler tests: random KRX sessions as both kernel `Bar`s
and `BarArrays`, and a kernel whose venue fills market orders at the next bar's open (as the
backtester does). The tests at the bottom hold the kit itself to what the others rely on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from jts.core.clock import SimulatedClock
from jts.core.time import KST, NANOS_PER_MINUTE, dt_to_ns
from jts.domain.accounts import Account
from jts.domain.enums import OrderSide
from jts.domain.identifiers import ClientOrderId, InstrumentId
from jts.domain.instruments import Market, krx_equity
from jts.domain.market_data import Bar, BarType
from jts.domain.values import KRW, Money, Price, Quantity
from jts.dsl.program import Program
from jts.dsl.signals import BarArrays, Signals
from jts.dsl.streaming import BarDecision, BarEvaluator, build_plan
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy
from tests.unit.kernel.conftest import ACCOUNT, ScriptedVenue

SAMSUNG = InstrumentId("005930.KRX")
HYNIX = InstrumentId("000660.KRX")
FIRST_DAY = dt.date(2024, 3, 4)  # a Monday


def session_stamps(days: int, minutes: int = 1, first: dt.date = FIRST_DAY) -> list[int]:
    """Close times of ``minutes``-minute bars over whole KRX sessions (09:00-15:30 KST),
    weekdays only."""
    stamps: list[int] = []
    day, sessions = first, 0
    while sessions < days:
        if day.weekday() < 5:
            opening = dt_to_ns(dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=KST))
            step = minutes * NANOS_PER_MINUTE
            stamps.extend(opening + step * k for k in range(1, 390 // minutes + 1))
            sessions += 1
        day += dt.timedelta(days=1)
    return stamps


@dataclass
class Series:
    """One instrument's random bars, in both forms."""

    bars: list[Bar]
    arrays: BarArrays


def random_series(
    bar_type: BarType | str,
    *,
    days: int = 3,
    minutes: int = 1,
    seed: int = 7,
    start: float = 70_000,
    step: float = 60,
) -> Series:
    """A random walk of whole-won prices with some flat bars (``close == open``, so
    ``close - open`` divides by zero now and then) and some zero volumes."""
    parsed = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
    rng = np.random.default_rng(seed)
    stamps = session_stamps(days, minutes)
    n = len(stamps)
    moves = rng.normal(0, step, n).round()
    moves[rng.random(n) < 0.1] = 0.0
    close = np.maximum(start + np.cumsum(moves), 1_000.0)
    open_ = np.concatenate(([close[0]], close[:-1]))
    wiggle = np.abs(rng.normal(0, step / 2, n)).round()
    high = np.maximum(open_, close) + wiggle
    low = np.maximum(np.minimum(open_, close) - wiggle, 1.0)
    volume = rng.integers(0, 5_000, n).astype(float)
    bars = [
        Bar(
            bar_type=parsed,
            open=Price(int(o)),
            high=Price(int(h)),
            low=Price(int(lo)),
            close=Price(int(c)),
            volume=Quantity(int(v)),
            ts_event=ts,
            ts_init=ts,
        )
        for o, h, lo, c, v, ts in zip(open_, high, low, close, volume, stamps, strict=True)
    ]
    arrays = BarArrays.of(
        open=open_, high=high, low=low, close=close, volume=volume, ts=np.asarray(stamps)
    )
    return Series(bars, arrays)


class NextOpenVenue(ScriptedVenue):
    """Accepts at once and fills every market order at the open of the next bar it is shown
    (`fill_at_open`), like the backtester's default fill model."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__(clock)
        self.fills: list[tuple[ClientOrderId, str, str]] = []

    def fill_at_open(self, bar: Bar, kernel: Kernel) -> None:
        instrument_id = bar.bar_type.instrument_id
        for order in kernel.cache.open_orders(instrument_id):
            qty = str(order.leaves_qty)
            self.fill(order.client_order_id, qty, str(bar.open))
            self.fills.append((order.client_order_id, qty, str(bar.open)))


@dataclass
class Desk:
    """A kernel on a simulated clock with a next-open venue and one funded KRX account."""

    kernel: Kernel
    clock: SimulatedClock
    venue: NextOpenVenue
    fill: bool = True
    seen: list[Bar] = field(default_factory=list)

    def feed(self, bars: Iterable[Bar]) -> None:
        for bar in bars:
            self.clock.set_time(bar.ts_event)
            if self.fill:
                self.venue.fill_at_open(bar, self.kernel)
            self.kernel.process_bar(bar)
            self.seen.append(bar)


def desk(
    *,
    cash: int = 1_000_000_000,
    instruments: Sequence[InstrumentId] = (SAMSUNG, HYNIX),
    allow_short: bool = True,
    fill: bool = True,
) -> Desk:
    clock = SimulatedClock(start_ns=0)
    venue = NextOpenVenue(clock)
    kernel = Kernel(
        clock,
        ids=SequentialIdFactory("T"),
        risk_limits=RiskLimits(allow_short=allow_short, check_daily_limits=False),
    )
    names = {SAMSUNG: "Samsung Electronics", HYNIX: "SK hynix"}
    for iid in instruments:
        kernel.add_instrument(krx_equity(str(iid.symbol), names[iid], Market.KOSPI))
    account = Account(ACCOUNT)
    account.deposit(Money(cash, KRW))
    kernel.add_account(account, default=True)
    kernel.add_execution_client(venue)
    return Desk(kernel, clock, venue, fill)


def merge(*series: Series) -> list[Bar]:
    """Bars of several instruments in time order (stable: the first series first on a tie)."""
    return sorted((b for s in series for b in s.bars), key=lambda b: b.ts_event)


# --------------------------------------------------------------------------------- comparisons

DECISIONS = ("enter_long", "exit_long", "enter_short", "exit_short", "entry_allowed", "flatten")


def same_bits(
    actual: npt.NDArray[np.float64], expected: npt.NDArray[np.float64], what: str
) -> None:
    """Equal as IEEE bit patterns (so ``0.0`` differs from ``-0.0``), NaN where NaN."""
    actual = np.ascontiguousarray(actual, dtype=np.float64)
    expected = np.ascontiguousarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, what
    unknown = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(actual), unknown, err_msg=f"{what}: NaN positions")
    mismatch = np.flatnonzero(
        actual.view(np.uint64)[~unknown] != expected.view(np.uint64)[~unknown]
    )
    if mismatch.size:
        index = np.flatnonzero(~unknown)[mismatch[0]]
        raise AssertionError(
            f"{what}: bar {index}: streaming {actual[index]!r}, vectorised {expected[index]!r}"
        )


def assert_same_decisions(trace: Sequence[BarDecision], signals: Signals) -> None:
    """The streaming trace holds exactly the vectorised evaluator's results, bar for bar."""
    assert len(trace) == len(signals.enter_long)
    for name in DECISIONS:
        got = np.asarray([getattr(d, name) for d in trace], dtype=np.bool_)
        np.testing.assert_array_equal(got, getattr(signals, name), err_msg=name)
    for kind, table in (("series", signals.series), ("amounts", signals.amounts)):
        for name, expected in table.items():
            values = np.asarray([getattr(d, kind)[name] for d in trace], dtype=np.float64)
            same_bits(values, expected, f"{kind}[{name!r}]")
        if trace:
            assert set(getattr(trace[0], kind)) == set(table), kind


def stream(
    program: Program, arrays: BarArrays, params: Mapping[str, object] | None = None
) -> list[BarDecision]:
    """Run the streaming evaluator alone over ``arrays`` and return its trace."""
    evaluator = BarEvaluator(build_plan(program, program.bind(params)), trace=True)
    ts = arrays.ts if arrays.ts is not None else np.arange(1, len(arrays) + 1) * NANOS_PER_MINUTE
    rows = zip(
        arrays.open.tolist(),
        arrays.high.tolist(),
        arrays.low.tolist(),
        arrays.close.tolist(),
        arrays.volume.tolist(),
        np.asarray(ts).tolist(),
        strict=True,
    )
    for row in rows:
        evaluator.step(*row)
    assert evaluator.trace is not None
    return evaluator.trace


# ------------------------------------------------------------------------ the kit's own tests


def test_random_series_agrees_with_its_arrays() -> None:
    series = random_series("005930.KRX-1-MINUTE-LAST-EXTERNAL", days=2, seed=3)
    arrays = series.arrays
    assert len(series.bars) == len(arrays) == 2 * 390
    for i, bar in enumerate(series.bars):
        assert bar.open.as_float() == arrays.open[i]
        assert bar.high.as_float() == arrays.high[i]
        assert bar.low.as_float() == arrays.low[i]
        assert bar.close.as_float() == arrays.close[i]
        assert bar.volume.as_float() == arrays.volume[i]
        assert bar.ts_event == arrays.ts[i]  # type: ignore[index]
    assert (arrays.close == arrays.open).any(), "flat bars make close - open unknown sometimes"


def test_sessions_skip_weekends_and_close_at_1530_kst() -> None:
    stamps = session_stamps(6, minutes=15)
    days = sorted({dt.datetime.fromtimestamp(s / 1e9, KST).date() for s in stamps})
    assert len(days) == 6
    assert all(d.weekday() < 5 for d in days)
    last = dt.datetime.fromtimestamp(stamps[25] / 1e9, KST)
    assert (last.hour, last.minute) == (15, 30)


def test_next_open_venue_fills_at_the_following_open() -> None:
    d = desk()
    series = random_series("005930.KRX-1-MINUTE-LAST-EXTERNAL", days=1)
    d.feed(series.bars[:1])
    strategy = Strategy(strategy_id="Probe-001")
    d.kernel.add_strategy(strategy)
    d.kernel.start()
    strategy.submit(OrderSide.BUY, SAMSUNG, 5)
    d.feed(series.bars[1:2])
    assert strategy.position_qty(SAMSUNG) == 5
    assert d.venue.fills[0][2] == str(series.bars[1].open)


def test_same_bits_tells_signed_zeros_and_nan_positions_apart() -> None:
    same_bits(np.array([0.0, np.nan, 1.5]), np.array([0.0, np.nan, 1.5]), "equal")
    for actual, expected in (([-0.0], [0.0]), ([np.nan], [1.0]), ([1.0], [np.nan])):
        try:
            same_bits(np.array(actual), np.array(expected), "different")
        except AssertionError:
            continue
        raise AssertionError(f"{actual} and {expected} passed as equal")
