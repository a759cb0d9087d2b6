"""Seeded synthetic KRX bars for demos, tests and benchmarks.

The model, per instrument (same seed -> the same bytes; each instrument's path depends only on
the seed and its own id, not on which other instruments are generated with it):

- sessions come from a `TradingCalendar` (XKRX by default): holidays are skipped, the year's
  first session opens at 10:00, CSAT days are shifted; intraday bars cover continuous trading
  (09:00 to the 15:20 closing auction) and one more bar at the close carries the closing
  auction, a single price (open = high = low = close), as KRX minute data does;
- the price is a random walk in log space, sampled a few times inside each bar so that high and
  low differ from open and close; its volatility is U-shaped over the day (high after the open
  and before the close), and the overnight move is a separate, smaller jump;
- every price is snapped to the tick table in force on its day (`Instrument.tick_scheme`) and
  kept inside the day's ±30 % limits around the previous close (`Instrument.daily_limits`),
  so the walk "locks" at a limit as real prices do; OHLC follow from the snapped points, so they
  are consistent by construction;
- volume is U-shaped over the day with log-normal noise, at least one share per bar.

The model runs in floats (a random walk is not money); only its snapped, exact integer prices
leave this module. ``n_bars`` asks for exactly N bars of one instrument: enough sessions are
generated from ``start`` and the result is cut after the N-th bar (so the last day is usually
partial).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from jts.backtest.data.arrays import Int64Array
from jts.backtest.data.errors import FeedOptionError
from jts.backtest.data.price_grid import grid_lists, round_one, round_to_grid
from jts.backtest.data.schema import ONE_MINUTE
from jts.backtest.data.writers import bar_table
from jts.core.errors import InvalidInputError
from jts.domain.identifiers import KRX, NXT, InstrumentId
from jts.domain.instruments import Instrument
from jts.domain.market_data import BarAggregation, BarSpecification
from jts.domain.reference import load_reference_instruments
from jts.domain.tick_rules import TickScheme
from jts.domain.values import Price, Rounding
from jts.ports.calendar import Session, TradingCalendar

__all__ = [
    "DEFAULT_MODELS",
    "DEFAULT_SYMBOLS",
    "PriceModel",
    "generate_bars",
    "synthetic_sessions",
]

DEFAULT_SYMBOLS: Final = ("005930.KRX", "000660.KRX", "035420.KRX", "069500.KRX")
_DEFAULT_DAYS: Final = 20
_INTRADAY_SUBSTEPS: Final = 4
_DAILY_SUBSTEPS: Final = 48
_OVERNIGHT_SHARE: Final = 0.4  # stdev of the overnight jump, as a share of the daily stdev
_U_VOLATILITY: Final = 2.5  # volatility weight at the open/close is 1 + this (middle: 1)
_U_VOLUME: Final = 3.0
_AUCTION_SIGMA: Final = 0.0015
_AUCTION_VOLUME_SHARE: Final = 0.06


@dataclass(frozen=True, slots=True)
class PriceModel:
    """The parameters of one instrument's walk: where it starts (KRW, snapped to the grid),
    the stdev of its daily log return, and its average volume per day (shares)."""

    start_price: int
    daily_volatility: float
    daily_volume: int

    def __post_init__(self) -> None:
        if type(self.start_price) is not int or self.start_price <= 0:
            raise FeedOptionError(f"start_price must be a positive int, got {self.start_price!r}")
        if not 0 < self.daily_volatility < 0.5:
            raise FeedOptionError(
                f"daily_volatility must be in (0, 0.5), got {self.daily_volatility!r}"
            )
        if type(self.daily_volume) is not int or self.daily_volume < 1:
            raise FeedOptionError(f"daily_volume must be an int >= 1, got {self.daily_volume!r}")


DEFAULT_MODELS: Final[Mapping[str, PriceModel]] = {
    "005930.KRX": PriceModel(70_000, 0.018, 12_000_000),
    "000660.KRX": PriceModel(130_000, 0.026, 3_000_000),
    "035420.KRX": PriceModel(200_000, 0.022, 600_000),
    "069500.KRX": PriceModel(35_000, 0.011, 4_000_000),
}


@dataclass(frozen=True, slots=True)
class _Day:
    """One session's bar close times (continuous trading) and its auction bar time."""

    session: Session
    times: Int64Array
    auction_ns: int | None

    @property
    def bars(self) -> int:
        return len(self.times) + (self.auction_ns is not None)


def _day(session: Session, spec: BarSpecification) -> _Day:
    if spec.aggregation is BarAggregation.DAY:
        return _Day(session, np.array([session.close_ns], dtype=np.int64), None)
    step = spec.interval_ns()
    cut = session.closing_auction_start_ns or session.close_ns
    count = (cut - session.open_ns) // step
    times = session.open_ns + step * np.arange(1, count + 1, dtype=np.int64)
    if session.open_ns + count * step < cut:  # a partial last bar up to the auction
        times = np.append(times, np.int64(cut))
    auction = session.close_ns if cut < session.close_ns else None
    return _Day(session, times, auction)


def synthetic_sessions(
    calendar: TradingCalendar,
    start: dt.date,
    *,
    n_days: int | None = None,
    end: dt.date | None = None,
    n_bars: int | None = None,
    spec: BarSpecification = ONE_MINUTE,
) -> list[_Day]:
    """The sessions to generate: up to ``end``, ``n_days`` of them, or enough for ``n_bars``."""
    if end is not None:
        return [_day(s, spec) for s in calendar.sessions_in_range(start, end)]
    days: list[_Day] = []
    bars = 0
    cursor = start
    while True:
        block_end = cursor + dt.timedelta(days=400)
        for session in calendar.sessions_in_range(cursor, block_end):
            day = _day(session, spec)
            days.append(day)
            bars += day.bars
            if (n_days is not None and len(days) >= n_days) or (
                n_bars is not None and bars >= n_bars
            ):
                return days
        cursor = block_end + dt.timedelta(days=1)


def _instrument_map(instruments: Iterable[Instrument] | None) -> dict[str, Instrument]:
    source = load_reference_instruments() if instruments is None else instruments
    return {str(i.id): i for i in source}


def _check_symbol(symbol: str, known: Mapping[str, Instrument]) -> Instrument:
    instrument = known.get(str(InstrumentId(symbol)))
    if instrument is None:
        raise FeedOptionError(
            f"option symbols: unknown instrument {symbol} (pass its Instrument in instruments=)"
        )
    if instrument.venue not in (KRX, NXT) or instrument.price_precision != 0:
        raise FeedOptionError(
            f"option symbols: {symbol} is not a KRX security; the generator models KRX only"
        )
    return instrument


def _model_for(
    symbol: str, models: Mapping[str, PriceModel], rng: np.random.Generator
) -> PriceModel:
    given = models.get(symbol) or DEFAULT_MODELS.get(symbol)
    if given is not None:
        return given
    return PriceModel(
        int(np.exp(rng.uniform(np.log(5_000), np.log(300_000)))),
        float(rng.uniform(0.015, 0.035)),
        int(np.exp(rng.uniform(np.log(100_000), np.log(5_000_000)))),
    )


@dataclass(frozen=True, slots=True)
class _Streams:
    """Independent random streams per quantity, so that each stream is drawn day by day and a
    longer run (more days, more bars) starts with exactly the bars of a shorter one."""

    model: np.random.Generator
    walk: np.random.Generator
    daily_volume: np.random.Generator
    bar_volume: np.random.Generator
    auction_volume: np.random.Generator


def _streams(seed: int, symbol: str) -> _Streams:
    root = np.random.SeedSequence([seed, zlib.crc32(symbol.encode())])
    return _Streams(*(np.random.default_rng(child) for child in root.spawn(5)))


class _Layout:
    """Where each day's points sit in one flat array: [open, S points per bar..., auction]."""

    def __init__(self, days: Sequence[_Day], substeps: int) -> None:
        self.substeps = substeps
        bars = np.array([len(d.times) for d in days], dtype=np.int64)
        auctions = np.array([d.auction_ns is not None for d in days], dtype=bool)
        points = 1 + bars * substeps + auctions
        self.day_start = np.concatenate([[0], np.cumsum(points)[:-1]]).astype(np.int64)
        self.total = int(points.sum())
        self.bar_day = np.repeat(np.arange(len(days), dtype=np.int64), bars)
        first_bar = np.concatenate([[0], np.cumsum(bars)[:-1]]).astype(np.int64)
        self.bar_pos = np.arange(len(self.bar_day), dtype=np.int64) - first_bar[self.bar_day]
        self.bars_per_day = bars
        self.auction_days = np.flatnonzero(auctions)
        self.auction_point = self.day_start[auctions] + 1 + bars[auctions] * substeps
        self.bar_open_point = self.day_start[self.bar_day] + self.bar_pos * substeps
        last_bar_close = self.day_start + bars * substeps
        self.close_point = last_bar_close.copy()
        self.close_point[auctions] = self.auction_point
        self.point_day = np.repeat(np.arange(len(days), dtype=np.int64), points)


def _walk(
    layout: _Layout, model: PriceModel, rng: np.random.Generator, start_log: float
) -> np.ndarray:
    """The latent log-price at every point (before limits and ticks)."""
    sigma_day = model.daily_volatility
    sigma = np.empty(layout.total, dtype=np.float64)
    sigma[layout.day_start] = _OVERNIGHT_SHARE * sigma_day
    x = (layout.bar_pos + 0.5) / layout.bars_per_day[layout.bar_day]
    weight = 1.0 + _U_VOLATILITY * (2.0 * x - 1.0) ** 2
    total_weight = np.bincount(layout.bar_day, weights=weight, minlength=len(layout.day_start))
    intraday = sigma_day * np.sqrt(1.0 - _OVERNIGHT_SHARE**2)
    per_bar = intraday * np.sqrt(weight / total_weight[layout.bar_day])
    per_step = per_bar / np.sqrt(layout.substeps)
    steps = layout.bar_open_point[:, None] + 1 + np.arange(layout.substeps)[None, :]
    sigma[steps.ravel()] = np.repeat(per_step, layout.substeps)
    sigma[layout.auction_point] = _AUCTION_SIGMA
    return np.asarray(start_log + np.cumsum(sigma * rng.standard_normal(layout.total)))


def _snap(
    instrument: Instrument, days: Sequence[_Day], layout: _Layout, latent: np.ndarray, start: int
) -> Int64Array:
    """Exact prices at every point: inside each day's limits (around the previous snapped
    close) and on each day's tick grid."""
    price = np.exp(latent)
    lower = np.empty(len(days), dtype=np.int64)
    upper = np.empty(len(days), dtype=np.int64)
    schemes: dict[str, tuple[int, TickScheme]] = {}
    grids: dict[str, tuple[list[int], list[int]]] = {}
    day_scheme = np.empty(len(days), dtype=np.int64)
    first_scheme = instrument.tick_scheme(days[0].session.date)
    previous = first_scheme.round(Price(start), Rounding.NEAREST).raw
    close_prices = price[layout.close_point].tolist()
    for index, day in enumerate(days):
        date = day.session.date
        scheme = instrument.tick_scheme(date)
        code, _ = schemes.setdefault(scheme.name, (len(schemes), scheme))
        day_scheme[index] = code
        limits = instrument.daily_limits(Price.from_raw(previous, 0), date)
        low, high = limits.lower.raw, limits.upper.raw
        lower[index], upper[index] = low, high
        grid = grids.get(scheme.name) or grids.setdefault(scheme.name, grid_lists(scheme))
        previous = round_one(min(max(close_prices[index], low), high), scheme, grid)
    clipped = np.clip(price, lower[layout.point_day], upper[layout.point_day])
    if len(schemes) == 1:
        return round_to_grid(clipped, first_scheme)
    out = np.empty(len(price), dtype=np.int64)
    point_scheme = day_scheme[layout.point_day]
    for code, scheme in schemes.values():
        where = np.flatnonzero(point_scheme == code)
        out[where] = round_to_grid(clipped[where], scheme)
    return out


def _volumes(
    layout: _Layout, model: PriceModel, streams: _Streams
) -> tuple[Int64Array, Int64Array]:
    """Per continuous bar and per auction bar: U-shaped, log-normal noise, at least 1."""
    days = len(layout.day_start)
    daily = model.daily_volume * streams.daily_volume.lognormal(0.0, 0.35, days)
    x = (layout.bar_pos + 0.5) / layout.bars_per_day[layout.bar_day]
    weight = 1.0 + _U_VOLUME * (2.0 * x - 1.0) ** 2
    total = np.bincount(layout.bar_day, weights=weight, minlength=days)
    share = 1.0 - (_AUCTION_VOLUME_SHARE if len(layout.auction_days) else 0.0)
    noise = streams.bar_volume.lognormal(-0.18, 0.6, len(weight))  # mean about 1
    expected = daily[layout.bar_day] * share * weight / total[layout.bar_day]
    bars = np.maximum(1, np.floor(expected * noise))
    auction_noise = streams.auction_volume.lognormal(0.0, 0.3, len(layout.auction_days))
    auction = np.maximum(
        1, np.floor(daily[layout.auction_days] * _AUCTION_VOLUME_SHARE * auction_noise)
    )
    return bars.astype(np.int64), auction.astype(np.int64)


def _day_times(day: _Day) -> Int64Array:
    if day.auction_ns is None:
        return day.times
    return np.append(day.times, np.int64(day.auction_ns))


Ohlcv = tuple[Int64Array, Int64Array, Int64Array, Int64Array, Int64Array]


def _one_instrument(
    instrument: Instrument,
    days: Sequence[_Day],
    spec: BarSpecification,
    seed: int,
    models: Mapping[str, PriceModel],
) -> tuple[Int64Array, Ohlcv]:
    symbol = str(instrument.id)
    streams = _streams(seed, symbol)
    model = _model_for(symbol, models, streams.model)
    daily = spec.aggregation is BarAggregation.DAY
    layout = _Layout(days, _DAILY_SUBSTEPS if daily else _INTRADAY_SUBSTEPS)
    latent = _walk(layout, model, streams.walk, float(np.log(model.start_price)))
    points = _snap(instrument, days, layout, latent, model.start_price)
    gathered = np.stack([points[layout.bar_open_point + k] for k in range(layout.substeps + 1)])
    bar_volume, auction_volume = _volumes(layout, model, streams)
    auction_price = points[layout.auction_point]
    ts = np.concatenate([_day_times(d) for d in days])
    # interleave each day's auction bar after its continuous bars
    is_auction = np.zeros(len(ts), dtype=bool)
    bar_counts = np.array([d.bars for d in days], dtype=np.int64)
    ends = np.cumsum(bar_counts) - 1
    has = np.array([d.auction_ns is not None for d in days], dtype=bool)
    is_auction[ends[has]] = True
    o = np.empty(len(ts), dtype=np.int64)
    h, low, c, v = o.copy(), o.copy(), o.copy(), o.copy()
    cont = ~is_auction
    o[cont], c[cont] = gathered[0], gathered[-1]
    h[cont], low[cont] = gathered.max(axis=0), gathered.min(axis=0)
    v[cont] = bar_volume
    for column in (o, h, low, c):
        column[is_auction] = auction_price
    v[is_auction] = auction_volume
    return ts, (o, h, low, c, v)


def generate_bars(
    symbols: Sequence[str] = DEFAULT_SYMBOLS,
    *,
    start: dt.date = dt.date(2024, 1, 2),
    n_days: int | None = None,
    end: dt.date | None = None,
    n_bars: int | None = None,
    interval: BarSpecification = ONE_MINUTE,
    seed: int = 0,
    calendar: TradingCalendar | None = None,
    instruments: Iterable[Instrument] | None = None,
    models: Mapping[str, PriceModel] | None = None,
) -> pa.Table:
    """Bars in the file schema (docs/data-format.md), sorted by (timestamp, instrument).

    Give at most one of ``n_days`` (sessions from ``start``), ``end`` (the last date) and
    ``n_bars`` (exactly N bars of the single instrument in ``symbols``); with none,
    20 sessions. ``interval`` is a MINUTE or HOUR bar specification, or ``1-DAY``.
    ``calendar`` defaults to `jts.calendar.XkrxCalendar`.
    """
    _check_options(
        symbols, start=start, n_days=n_days, end=end, n_bars=n_bars, interval=interval, seed=seed
    )
    if n_days is None and end is None and n_bars is None:
        n_days = _DEFAULT_DAYS
    known = _instrument_map(instruments)
    chosen = [_check_symbol(s, known) for s in symbols]
    if calendar is None:
        from jts.calendar import XkrxCalendar  # noqa: PLC0415 - builds pandas tables on use

        calendar = XkrxCalendar()
    try:
        days = synthetic_sessions(
            calendar, start, n_days=n_days, end=end, n_bars=n_bars, spec=interval
        )
    except InvalidInputError as exc:
        raise FeedOptionError(f"option start/end: {exc}") from None
    if not days:
        raise FeedOptionError(f"option start/end: no session between {start} and {end}")
    parts = []
    for instrument in chosen:
        ts, ohlcv = _one_instrument(instrument, days, interval, seed, models or {})
        if n_bars is not None:
            o, h, low, c, v = ohlcv
            ts, ohlcv = ts[:n_bars], (o[:n_bars], h[:n_bars], low[:n_bars], c[:n_bars], v[:n_bars])
        names = pa.array([str(instrument.id)] * len(ts), pa.string())
        parts.append(bar_table(ts, names, ohlcv))
    table = pa.concat_tables(parts)
    if len(parts) > 1:
        table = table.sort_by([("timestamp", "ascending"), ("instrument", "ascending")])
    return table


def _check_options(
    symbols: Sequence[str],
    *,
    start: dt.date,
    n_days: int | None,
    end: dt.date | None,
    n_bars: int | None,
    interval: BarSpecification,
    seed: int,
) -> None:
    if isinstance(symbols, str) or not symbols:
        raise FeedOptionError(f"option symbols must be a non-empty list of ids, got {symbols!r}")
    if len(set(symbols)) != len(symbols):
        raise FeedOptionError(f"option symbols has duplicates: {list(symbols)}")
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise FeedOptionError(f"option start must be a date, got {start!r}")
    counts = (("n_days", n_days), ("end", end), ("n_bars", n_bars))
    given = [name for name, value in counts if value is not None]
    if len(given) > 1:
        raise FeedOptionError(f"give only one of n_days, end and n_bars, got {given}")
    for name, count in (("n_days", n_days), ("n_bars", n_bars)):
        if count is not None and (type(count) is not int or count < 1):
            raise FeedOptionError(f"option {name} must be an int >= 1, got {count!r}")
    bad_end = isinstance(end, dt.datetime) or not isinstance(end, dt.date) or end < start
    if end is not None and bad_end:
        raise FeedOptionError(f"option end must be a date on or after start {start}, got {end!r}")
    if n_bars is not None and len(symbols) != 1:
        raise FeedOptionError(f"option n_bars needs exactly one symbol, got {len(symbols)}")
    allowed = (BarAggregation.MINUTE, BarAggregation.HOUR, BarAggregation.DAY)
    if (
        not isinstance(interval, BarSpecification)
        or interval.aggregation not in allowed
        or (interval.aggregation is BarAggregation.DAY and interval.step != 1)
    ):
        raise FeedOptionError(
            f"option interval must be a MINUTE or HOUR specification or 1-DAY, got {interval}"
        )
    if type(seed) is not int or seed < 0:
        raise FeedOptionError(f"option seed must be a non-negative int, got {seed!r}")
