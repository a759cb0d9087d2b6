"""The backtest engine: the live kernel on a simulated clock, fed historical data.

For every data point, in timestamp order:

1. the simulated clock moves to the point's time, firing any strategy timers due before it;
2. on a new KST day, cash due by that day settles (T+2 proceeds become settled cash);
3. the simulated venue sees the point first, so orders resting from earlier points fill on it
   (a market order placed on bar t fills at bar t+1's open before any strategy sees bar t+1);
4. the kernel processes it: cache, strategies, risk, OMS, portfolio — the same code as live,
   the OMS journaling every order event first (to a `MemoryJournal`, ``engine.journal``);
5. the equity curve records the account's value at that instant.

Nothing here reads the wall clock or iterates an unordered collection, so a run is
deterministic: the same inputs give byte-identical results. The loop runs with the garbage
collector relaxed (`gc_pause`): a long run keeps many objects, and collecting never changes a
result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from jts.analytics import analyse, round_trips_from_position_events
from jts.backtest.equity import EquityTracker
from jts.backtest.gc_pause import relaxed_gc
from jts.backtest.journal import MemoryJournal
from jts.backtest.results import BacktestResult
from jts.core.clock import SimulatedClock
from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_DAY, NANOS_PER_HOUR, kst_date
from jts.domain.accounts import Account
from jts.domain.events_order import OrderEvent, OrderFilled
from jts.domain.events_position import PositionClosed, PositionEvent
from jts.domain.identifiers import AccountId, Venue
from jts.domain.instruments import AssetClass, Instrument
from jts.domain.market_data import Bar, OrderBookSnapshot, TradeTick
from jts.domain.orders import Order
from jts.domain.values import KRW, Money
from jts.kernel.ids import SequentialIdFactory
from jts.kernel.kernel import Kernel
from jts.kernel.risk.limits import RiskLimits
from jts.kernel.strategy import Strategy
from jts.ports.calendar import TradingCalendar

#: the prefix of a backtest's client order ids ("O-BT-00000001"); the vectorised backtester
#: numbers its orders the same way, so both write the same files
ORDER_ID_PREFIX: Final = "BT"

FillMode = Literal["next-open", "close"]
_KST_OFFSET_NS = 9 * NANOS_PER_HOUR


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """One run's settings. ``commission``/``tax`` None = the venue's defaults; 0 disables."""

    cash: Money = field(default_factory=lambda: Money(100_000_000, KRW))
    fill: FillMode = "next-open"
    commission: Decimal | None = None
    tax: Decimal | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    account_id: str = "SIM-001"
    trader_id: str = "BACKTEST-001"
    risk_limits: RiskLimits = field(default_factory=RiskLimits)
    periods_per_year: int = 252
    risk_free: float = 0.0

    def __post_init__(self) -> None:
        if self.fill not in ("next-open", "close"):
            raise InvalidInputError(f"--fill must be 'next-open' or 'close', got {self.fill!r}")
        if self.cash.raw <= 0:
            raise InvalidInputError(f"--cash must be positive, got {self.cash}")
        for name in ("commission", "tax"):
            value = getattr(self, name)
            if value is not None and (not value.is_finite() or value < 0 or value >= 1):
                raise InvalidInputError(f"--{name} must be a rate in [0, 1), got {value}")
        if self.start_ns is not None and self.end_ns is not None and self.end_ns < self.start_ns:
            raise InvalidInputError("--end is before --start")


VenueFactory = Callable[["BacktestEngine", Venue, AccountId], Any]


class BacktestEngine:
    def __init__(
        self,
        config: BacktestConfig,
        instruments: Sequence[Instrument],
        *,
        venue_factory: VenueFactory,
        calendar: TradingCalendar | None = None,
    ) -> None:
        if not instruments:
            raise InvalidInputError("a backtest needs at least one instrument")
        venues = sorted({i.venue for i in instruments})
        if len(venues) != 1:
            raise InvalidInputError(
                f"one venue per backtest for now, got {', '.join(map(str, venues))}"
            )
        self.config = config
        self.calendar = calendar
        self.clock = SimulatedClock(0)
        self.journal = MemoryJournal()  # journal first, as live: every order event lands here
        self.kernel = Kernel(
            self.clock,
            trader_id=config.trader_id,
            ids=SequentialIdFactory(ORDER_ID_PREFIX),
            journal=self.journal,
            risk_limits=config.risk_limits,
            settlement=self._settlement_date,
        )
        self.kernel.add_instruments(instruments)
        account_id = AccountId(config.account_id)
        account = Account(account_id)
        account.deposit(config.cash)
        self.kernel.add_account(account, default=True)
        self.venue = venue_factory(self, venues[0], account_id)
        self.kernel.add_execution_client(self.venue)
        self.equity = EquityTracker(self.kernel.portfolio, config.cash.currency)
        self.fills: list[OrderFilled] = []
        # round trips need only the closes: the other position events are not kept
        self.closed_positions: list[PositionClosed] = []
        self.kernel.execution.add_listener(self._on_order_event)
        self.kernel.add_position_listener(self._on_position_event, (PositionClosed,))
        self._day_end = -1
        self._settles: dict[dt.date, dt.date] = {}
        self._fill_day_start, self._fill_day_end = 0, 0
        self._fill_day_settles: dt.date | None = None
        self.bars = 0

    # ---- wiring -------------------------------------------------------------------------------
    def _settlement_date(self, instrument: Instrument, ts_ns: int) -> dt.date | None:
        if instrument.asset_class is AssetClass.CRYPTO or self.calendar is None:
            return None
        if self._fill_day_start <= ts_ns < self._fill_day_end:  # the day of the last fill
            return self._fill_day_settles
        trade_date = kst_date(ts_ns)
        settles = self._settles.get(trade_date)
        if settles is None:  # one calendar lookup per trading day, not per fill
            settles = self._settles[trade_date] = self.calendar.settlement_date(trade_date, 2)
        start = (ts_ns + _KST_OFFSET_NS) // NANOS_PER_DAY * NANOS_PER_DAY - _KST_OFFSET_NS
        self._fill_day_start, self._fill_day_end = start, start + NANOS_PER_DAY
        self._fill_day_settles = settles
        return settles

    def _on_position_event(self, event: PositionEvent) -> None:
        if isinstance(event, PositionClosed):
            self.closed_positions.append(event)

    def _on_order_event(self, order: Order, event: OrderEvent) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(event)
            self.equity.on_order_event(order, event)

    def add_strategy(self, strategy: Strategy) -> None:
        self.kernel.add_strategy(strategy)

    # ---- the loop -----------------------------------------------------------------------------
    def run(
        self,
        data: Iterable[Bar | TradeTick | OrderBookSnapshot],
        *,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 10_000,
    ) -> BacktestResult:
        # the analysis stays inside: with the usual thresholds restored, the collector would
        # walk every order and event the run kept, several times, while the results are built
        with relaxed_gc():
            count = self._loop(data, progress, progress_every)
            if progress is not None:
                progress(count)
            return self._result()

    def _loop(
        self,
        data: Iterable[Bar | TradeTick | OrderBookSnapshot],
        progress: Callable[[int], None] | None,
        progress_every: int,
    ) -> int:
        kernel, venue, clock, equity = self.kernel, self.venue, self.clock, self.equity
        start, end = self.config.start_ns, self.config.end_ns
        record = equity.record
        # bound once: a bar goes through these four calls (and the clock's one) and no others
        venue_bar, kernel_bar, mark = venue.process_bar, kernel.process_bar, equity.mark
        set_time_if_idle = clock.set_time_if_idle
        kernel.start()
        count = bars = 0
        try:
            for item in data:
                ts = item.ts_event
                if start is not None and ts < start:
                    continue
                if end is not None and ts > end:
                    break
                if ts >= self._day_end:
                    self._new_day(ts)
                if not set_time_if_idle(ts):
                    kernel.advance_time(ts)
                if type(item) is Bar:
                    venue_bar(item)
                    kernel_bar(item)
                    mark(item.bar_type.instrument_id, item.close, ts)
                    bars += 1
                elif type(item) is TradeTick:
                    venue.process_trade_tick(item)
                    kernel.process_trade_tick(item)
                    equity.on_price(item.instrument_id, item.price)
                    record(ts)
                elif type(item) is OrderBookSnapshot:
                    venue.process_book(item)
                    kernel.process_book(item)
                    record(ts)
                else:
                    raise InvalidInputError(f"cannot backtest on {type(item).__name__}")
                count += 1
                if progress is not None and count % progress_every == 0:
                    progress(count)
        finally:
            self.bars += bars
        kernel.stop()
        return count

    def _new_day(self, ts: int) -> None:
        day_start = (ts + _KST_OFFSET_NS) // NANOS_PER_DAY * NANOS_PER_DAY - _KST_OFFSET_NS
        self._day_end = day_start + NANOS_PER_DAY
        self.kernel.portfolio.settle(kst_date(ts))

    def _result(self) -> BacktestResult:
        self.equity.check()
        timestamps, values = self.equity.arrays()
        if len(timestamps) == 0:
            raise InvalidInputError("no data in the selected range: nothing was backtested")
        trips = round_trips_from_position_events(self.closed_positions)
        analysis = analyse(
            timestamps,
            values,
            trades=trips,
            fills=self.fills,
            risk_free=self.config.risk_free,
            periods_per_year=self.config.periods_per_year,
        )
        signals = [s for strategy in self.kernel.strategies for s in strategy.signals]
        signals.sort(key=lambda s: (s.ts_event, str(s.strategy_id)))
        return BacktestResult(
            currency=self.config.cash.currency,
            timestamps=timestamps,
            equity_raw=values,
            fills=self.fills,
            orders=self.kernel.cache.orders(),
            signals=signals,
            analysis=analysis,
            bars=self.bars,
        )
