"""A synthetic KRX market: prices on the tick grid, inside the daily limits, per symbol.

Each symbol carries yesterday's close (기준가), today's OHLC, volumes and a ten-level book around
the last price. `step` advances a symbol by one to three trade prints of a bounded random walk
(one to two ticks a move, pulled back toward the base price so a long run does not pin itself to
a limit), or, in replay mode, by the next points of given bars (open, the adverse extreme, the
other extreme, close), and nothing else once a replay was loaded. Fills of simulated orders
are recorded as trades too, so the tick stream and the day's volume include them, except on a
replayed tape: history does not know our orders (the venue fills them without a print, as a
backtest does).

All prices are whole won as ``int``; the tick grid and the limits come from the domain
(`Instrument.tick_scheme`, `Instrument.daily_limits`), so the simulator and the risk engine
agree on what a valid price is. Randomness is seeded per symbol: the same seed gives the same
market.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from jts.adapters.kis.simulator.codes import Codes, KisRequestError
from jts.adapters.kis.simulator.config import SymbolConfig
from jts.core.clock import Clock
from jts.core.errors import ConfigError, InvalidPriceError
from jts.core.time import KST, kst_date, ns_to_dt
from jts.domain.instruments import Instrument, krx_equity
from jts.domain.tick_rules import InstrumentKind, Market, TickScheme
from jts.domain.values import Price, Rounding

__all__ = [
    "BookLevels",
    "DailyBar",
    "MinuteBar",
    "ReplayBar",
    "SymbolState",
    "SyntheticMarket",
    "TickView",
    "TradePrint",
]

Side = Literal["1", "5"]  # CCLD_DVSN: 1 buyer-initiated, 5 seller-initiated


@dataclass(frozen=True, slots=True)
class TickView:
    """The day's statistics right after a print, as a tick frame reports them (a frame with
    several prints must show each print's own running totals, not the last one's)."""

    open: int
    high: int
    low: int
    open_hhmmss: str
    high_hhmmss: str
    low_hhmmss: str
    cum_vol: int
    cum_value: int
    buy_vol: int
    sell_vol: int
    buy_count: int
    sell_count: int
    ask: tuple[int, int]
    bid: tuple[int, int]
    total_ask: int
    total_bid: int


@dataclass(frozen=True, slots=True)
class TradePrint:
    symbol: str
    ts_ns: int
    price: int
    qty: int
    side: Side
    view: TickView


@dataclass(frozen=True, slots=True)
class BookLevels:
    """Ten ask and ten bid levels, best first, with resting quantities."""

    asks: tuple[tuple[int, int], ...]
    bids: tuple[tuple[int, int], ...]


class ReplayBar(msgspec.Struct, frozen=True):
    """A bar to replay: ``ts_ns`` is its start (ns UTC); prices whole won."""

    ts_ns: int
    open: int
    high: int
    low: int
    close: int
    volume: int


@dataclass(slots=True)
class MinuteBar:
    hhmm: str
    open: int
    high: int
    low: int
    close: int
    volume: int = 0
    value: int = 0


@dataclass(frozen=True, slots=True)
class DailyBar:
    date: dt.date
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int


@dataclass(slots=True)
class SymbolState:
    """Today's market in one symbol (the fields the quote APIs and frames report)."""

    instrument: Instrument
    name: str
    trading_date: dt.date
    base: int
    upper: int
    lower: int
    last: int
    open: int = 0
    high: int = 0
    low: int = 0
    open_hhmmss: str = "090000"
    high_hhmmss: str = "090000"
    low_hhmmss: str = "090000"
    cum_vol: int = 0
    cum_value: int = 0
    buy_vol: int = 0
    sell_vol: int = 0
    buy_count: int = 0
    sell_count: int = 0
    last_qty: int = 0
    last_side: Side = "1"
    last_ts_ns: int = 0
    book: BookLevels = field(default_factory=lambda: BookLevels((), ()))
    minutes: dict[str, MinuteBar] = field(default_factory=dict)
    replay: deque[tuple[int, int, int]] = field(default_factory=deque)
    #: the symbol's prints come from replayed bars: no random walk, before or after them
    replayed: bool = False

    @property
    def symbol(self) -> str:
        return str(self.instrument.symbol)

    @property
    def traded(self) -> bool:
        return self.cum_vol > 0


class _Persisted(msgspec.Struct):
    """What a restart keeps of a symbol: enough to continue the same day's prices."""

    symbol: str
    trading_date: str
    base: int
    last: int
    open: int
    high: int
    low: int
    cum_vol: int
    cum_value: int


def _hhmmss(ts_ns: int) -> str:
    return ns_to_dt(ts_ns, KST).strftime("%H%M%S")


def _instrument_for(cfg: SymbolConfig) -> Instrument:
    try:
        market = Market(cfg.market)
        kind = InstrumentKind(cfg.kind)
    except ValueError as exc:
        raise ConfigError(f"symbol {cfg.symbol}: {exc}") from exc
    return krx_equity(cfg.symbol, cfg.name, market, kind)


class SyntheticMarket:
    """The prices of every configured symbol; ``clock`` stamps prints and picks the day."""

    def __init__(
        self,
        symbols: Sequence[SymbolConfig],
        clock: Clock,
        *,
        seed: int = 0,
        history_days: int = 400,
    ) -> None:
        self._clock = clock
        self._seed = seed
        self._history_days = history_days
        self._configs = {cfg.symbol: cfg for cfg in symbols}
        self._instruments = {cfg.symbol: _instrument_for(cfg) for cfg in symbols}
        self._states: dict[str, SymbolState] = {}
        self._rngs: dict[str, random.Random] = {}
        self._history: dict[str, list[DailyBar]] = {}

    # ---- lookup ---------------------------------------------------------------------------------
    def has(self, symbol: str) -> bool:
        return symbol in self._configs

    def symbols(self) -> list[str]:
        return list(self._configs)

    def instrument(self, symbol: str) -> Instrument:
        try:
            return self._instruments[symbol]
        except KeyError:
            raise KisRequestError(Codes.UNKNOWN_SYMBOL) from None

    def state(self, symbol: str) -> SymbolState:
        """Today's state of a symbol, rolled to a new day when the KST date changed."""
        today = kst_date(self._clock.timestamp_ns())
        state = self._states.get(symbol)
        if state is None:
            cfg = self._configs.get(symbol)
            if cfg is None:
                raise KisRequestError(Codes.UNKNOWN_SYMBOL)
            state = self._new_day(symbol, cfg.base_price, today)
        elif state.trading_date != today:
            replayed = state.replayed
            state = self._new_day(symbol, state.last, today, keep_replay=state.replay)
            state.replayed = replayed
        return state

    def is_replayed(self, symbol: str) -> bool:
        """Whether the symbol's tape is replayed history (our own fills do not print on it)."""
        state = self._states.get(symbol)
        return state is not None and state.replayed

    def replay_left(self) -> dict[str, int]:
        """Prints still queued per replayed symbol."""
        return {s: len(state.replay) for s, state in self._states.items() if state.replayed}

    def scheme(self, symbol: str) -> TickScheme:
        return self.instrument(symbol).tick_scheme(self.state(symbol).trading_date)

    def tick_size(self, symbol: str, price: int) -> int:
        return self.scheme(symbol).tick_at(Price(price)).raw_at(0)

    def best_ask(self, symbol: str) -> int:
        state = self.state(symbol)
        return state.book.asks[0][0] if state.book.asks else state.last

    def best_bid(self, symbol: str) -> int:
        state = self.state(symbol)
        return state.book.bids[0][0] if state.book.bids else state.last

    def _rng(self, symbol: str) -> random.Random:
        rng = self._rngs.get(symbol)
        if rng is None:
            rng = self._rngs[symbol] = random.Random(f"{self._seed}:{symbol}")  # noqa: S311 - reproducible, not secret
        return rng

    def _new_day(
        self,
        symbol: str,
        base: int,
        day: dt.date,
        keep_replay: deque[tuple[int, int, int]] | None = None,
    ) -> SymbolState:
        instrument = self._instruments[symbol]
        scheme = instrument.tick_scheme(day)
        base_price = scheme.round(Price(base), Rounding.NEAREST)
        limits = instrument.daily_limits(base_price, day)
        state = SymbolState(
            instrument=instrument,
            name=self._configs[symbol].name,
            trading_date=day,
            base=base_price.raw_at(0),
            upper=limits.upper.raw_at(0),
            lower=limits.lower.raw_at(0),
            last=base_price.raw_at(0),
        )
        if keep_replay:
            state.replay = keep_replay
        self._states[symbol] = state
        self._refresh_book(state)
        return state

    # ---- grid helpers ---------------------------------------------------------------------------
    def _move(self, state: SymbolState, price: int, ticks: int) -> int:
        scheme = state.instrument.tick_scheme(state.trading_date)
        current = Price(price)
        try:
            if ticks > 0:
                moved = scheme.next_up(current, ticks)
            elif ticks < 0:
                moved = scheme.next_down(current, -ticks)
            else:
                moved = current
        except InvalidPriceError:
            moved = scheme.min_price()
        return min(max(moved.raw_at(0), state.lower), state.upper)

    def _refresh_book(self, state: SymbolState) -> None:
        rng = self._rng(state.symbol)
        asks: list[tuple[int, int]] = []
        bids: list[tuple[int, int]] = []
        ask = self._move(state, state.last, 1) if state.last < state.upper else state.upper
        bid = state.last
        for _ in range(10):
            if not asks or ask > asks[-1][0]:
                asks.append((ask, rng.randint(1, 50) * 10))
            if not bids or bid < bids[-1][0]:
                bids.append((bid, rng.randint(1, 50) * 10))
            ask = self._move(state, ask, 1)
            bid = self._move(state, bid, -1)
        state.book = BookLevels(tuple(asks), tuple(bids))

    # ---- trades ---------------------------------------------------------------------------------
    def record_trade(
        self, symbol: str, price: int, qty: int, side: Side, ts_ns: int | None = None
    ) -> TradePrint:
        """Book a trade into the day's statistics and minute bars, and re-center the book."""
        state = self.state(symbol)
        ts = self._clock.timestamp_ns() if ts_ns is None else ts_ns
        hhmmss = _hhmmss(ts)
        if not state.traded:
            state.open = state.high = state.low = price
            state.open_hhmmss = state.high_hhmmss = state.low_hhmmss = hhmmss
        if price > state.high:
            state.high, state.high_hhmmss = price, hhmmss
        if price < state.low:
            state.low, state.low_hhmmss = price, hhmmss
        state.last, state.last_qty, state.last_side, state.last_ts_ns = price, qty, side, ts
        state.cum_vol += qty
        state.cum_value += price * qty
        if side == "1":
            state.buy_vol += qty
            state.buy_count += 1
        else:
            state.sell_vol += qty
            state.sell_count += 1
        hhmm = hhmmss[:4]
        bar = state.minutes.get(hhmm)
        if bar is None:
            state.minutes[hhmm] = MinuteBar(hhmm, price, price, price, price, qty, price * qty)
        else:
            bar.high, bar.low, bar.close = max(bar.high, price), min(bar.low, price), price
            bar.volume += qty
            bar.value += price * qty
        self._refresh_book(state)
        book = state.book
        view = TickView(
            open=state.open,
            high=state.high,
            low=state.low,
            open_hhmmss=state.open_hhmmss,
            high_hhmmss=state.high_hhmmss,
            low_hhmmss=state.low_hhmmss,
            cum_vol=state.cum_vol,
            cum_value=state.cum_value,
            buy_vol=state.buy_vol,
            sell_vol=state.sell_vol,
            buy_count=state.buy_count,
            sell_count=state.sell_count,
            ask=book.asks[0] if book.asks else (price, 0),
            bid=book.bids[0] if book.bids else (price, 0),
            total_ask=sum(qty for _, qty in book.asks),
            total_bid=sum(qty for _, qty in book.bids),
        )
        return TradePrint(symbol, ts, price, qty, side, view)

    def step(self, symbol: str) -> list[TradePrint]:
        """The next one to three prints of a symbol (replay data first, else the random walk)."""
        state = self.state(symbol)
        if state.replay:
            ts, price, qty = state.replay.popleft()
            direction: Side = "1" if price >= state.last else "5"
            return [self.record_trade(symbol, price, qty, direction, ts_ns=ts)]
        if state.replayed:
            return []  # the replayed day is over: nothing trades any more
        rng = self._rng(symbol)
        prints = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            span = max(state.upper - state.base, 1)
            pull = (state.last - state.base) / span  # in [-1, 1]: drift back toward the base
            draw = rng.random()
            up = 0.5 - 0.35 * pull
            ticks = rng.choice((1, 1, 1, 2))
            move = ticks if draw < up * 0.6 else (-ticks if draw > 1 - (1 - up) * 0.6 else 0)
            price = self._move(state, state.last, move)
            side: Side = "1" if move > 0 or (move == 0 and rng.random() < 0.5) else "5"
            prints.append(self.record_trade(symbol, price, rng.randint(1, 50) * 10, side))
        return prints

    def load_replay(self, symbol: str, bars: Iterable[ReplayBar], bar_ns: int = 0) -> int:
        """Queue bars for replay; each becomes up to four prints on the conservative path
        (open, the extreme against the bar's direction first, the other extreme, close;
        repeated prices merged), its volume spread over them. With ``bar_ns`` (the bar's
        length) the prints are spread evenly over ``[ts_ns, ts_ns + bar_ns)``, so a time bar
        rebuilt from them has the bar's own interval; without it they all carry ``ts_ns``.
        From then on the symbol prints nothing but replayed bars."""
        if type(bar_ns) is not int or bar_ns < 0:
            raise ConfigError(f"bar_ns must be an int >= 0, got {bar_ns!r}")
        state = self.state(symbol)
        scheme = state.instrument.tick_scheme(state.trading_date)
        prints: list[tuple[int, int, int]] = []  # all checked before any is queued
        for bar in bars:
            if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
                raise KisRequestError(
                    Codes.OFF_TICK,
                    f"replay bar of {symbol} at {bar.ts_ns} is not a bar: low {bar.low}, open "
                    f"{bar.open}, close {bar.close}, high {bar.high}",
                )
            for value in (bar.open, bar.high, bar.low, bar.close):
                if value < state.lower or value > state.upper or not scheme.is_valid(Price(value)):
                    raise KisRequestError(
                        Codes.OFF_TICK,
                        f"replay price {value} of {symbol} is off the tick grid or outside the "
                        f"limits {state.lower}..{state.upper}",
                    )
            path = (
                (bar.open, bar.low, bar.high, bar.close)
                if bar.close >= bar.open
                else (bar.open, bar.high, bar.low, bar.close)
            )
            points = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
            if bar.volume <= 0:
                continue  # nothing traded: no print (a rebuilt bar cannot exist either)
            # every point prints (the bar's extremes must appear); a bar with fewer shares than
            # points prints one share per point, slightly more than its volume
            share = max(bar.volume // len(points), 1)
            shares = [share] * len(points)
            shares[-1] = max(bar.volume - share * (len(points) - 1), 1)
            step = bar_ns // len(points)
            for index, (price, qty) in enumerate(zip(points, shares, strict=True)):
                prints.append((bar.ts_ns + index * step, price, qty))
        state.replayed = True
        state.replay.extend(prints)
        return len(prints)

    # ---- history --------------------------------------------------------------------------------
    def daily_history(self, symbol: str) -> list[DailyBar]:
        """Past daily bars (weekdays before today, oldest first), synthetic and deterministic,
        ending at the base price so yesterday's close is today's 기준가; today's bar is added
        when the symbol has traded."""
        state = self.state(symbol)
        past = self._history.get(symbol)
        if past is None or (past and past[-1].date >= state.trading_date):
            past = self._history[symbol] = self._make_history(state)
        if not state.traded:
            return list(past)
        today = DailyBar(
            state.trading_date,
            state.open,
            state.high,
            state.low,
            state.last,
            state.cum_vol,
            state.cum_value,
        )
        return [*past, today]

    def _make_history(self, state: SymbolState) -> list[DailyBar]:
        rng = random.Random(f"{self._seed}:{state.symbol}:history")  # noqa: S311
        days: list[dt.date] = []
        day = state.trading_date
        while len(days) < self._history_days:
            day -= dt.timedelta(days=1)
            if day.weekday() < 5:
                days.append(day)
        scheme = state.instrument.tick_scheme(state.trading_date)
        bars: list[DailyBar] = []
        close = state.base
        for day in days:  # newest first, walking backwards from the base price
            # integer basis points: prices never pass through floats
            open_ = self._on_grid(scheme, close + close * rng.randint(-100, 100) // 10_000)
            top, bottom = max(open_, close), min(open_, close)
            high = self._on_grid(scheme, top + top * rng.randint(0, 150) // 10_000)
            low = self._on_grid(scheme, bottom - bottom * rng.randint(0, 150) // 10_000)
            volume = rng.randint(10_000, 2_000_000)
            value = volume * ((high + low) // 2)
            bars.append(DailyBar(day, open_, high, low, close, volume, value))
            close = self._on_grid(scheme, close * 10_000 // (10_000 + rng.randint(-200, 200)))
        bars.reverse()
        return bars

    @staticmethod
    def _on_grid(scheme: TickScheme, value: int) -> int:
        return scheme.round(Price(max(value, 1)), Rounding.NEAREST).raw_at(0)

    def minute_bars(self, symbol: str) -> list[MinuteBar]:
        """Today's one-minute bars that have trades, oldest first."""
        state = self.state(symbol)
        return [state.minutes[key] for key in sorted(state.minutes)]

    # ---- persistence ----------------------------------------------------------------------------
    def snapshot(self) -> list[_Persisted]:
        return [
            _Persisted(
                s.symbol,
                s.trading_date.isoformat(),
                s.base,
                s.last,
                s.open,
                s.high,
                s.low,
                s.cum_vol,
                s.cum_value,
            )
            for s in self._states.values()
        ]

    def restore(self, rows: Sequence[_Persisted]) -> None:
        """Continue from a previous run's prices (rows of other days become the new base)."""
        today = kst_date(self._clock.timestamp_ns())
        for row in rows:
            if row.symbol not in self._configs:
                continue
            if row.trading_date != today.isoformat():
                self._new_day(row.symbol, row.last, today)
                continue
            state = self._new_day(row.symbol, row.base, today)
            state.last, state.open, state.high, state.low = row.last, row.open, row.high, row.low
            state.cum_vol, state.cum_value = row.cum_vol, row.cum_value
            self._refresh_book(state)

    @staticmethod
    def persisted_type() -> type[_Persisted]:
        return _Persisted
