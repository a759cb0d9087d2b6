"""The synthetic generator: determinism, sessions, ticks, limits, OHLC, U-shapes."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jts.backtest.data.errors import FeedOptionError
from jts.backtest.data.feed import BarFeed
from jts.backtest.data.schema import ONE_DAY, GapPolicy, ReadOptions, SessionPolicy, bar_file_schema
from jts.backtest.data.synthetic import DEFAULT_SYMBOLS, PriceModel, generate_bars
from jts.backtest.data.writers import write_bars
from jts.core.time import NANOS_PER_MINUTE, kst_date
from jts.domain.market_data import BarAggregation, BarSpecification, PriceType
from jts.domain.reference import load_reference_instruments
from jts.domain.values import Price

from .calendar_fake import FakeKrxCalendar
from .helpers import KODEX, SAMSUNG, kst

HOLIDAY = dt.date(2024, 1, 1)
LATE = dt.date(2024, 1, 2)
CALENDAR = FakeKrxCalendar(holidays=[HOLIDAY, dt.date(2024, 1, 5)], late_opens=[LATE])
INSTRUMENTS = {str(i.id): i for i in load_reference_instruments()}


def generate(**options: object) -> pa.Table:
    options.setdefault("calendar", CALENDAR)
    options.setdefault("start", dt.date(2024, 1, 1))
    return generate_bars(**options)  # type: ignore[arg-type]


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    a = generate(n_days=3, seed=11)
    b = generate(n_days=3, seed=11)
    assert parquet_bytes(a) == parquet_bytes(b)
    write_bars(a, tmp_path / "a.parquet")
    write_bars(b, tmp_path / "b.parquet")
    write_bars(a, tmp_path / "a.csv")
    write_bars(b, tmp_path / "b.csv")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert parquet_bytes(generate(n_days=3, seed=12)) != parquet_bytes(a)


def test_an_instrument_path_does_not_depend_on_its_companions() -> None:
    alone = generate(symbols=["000660.KRX"], n_days=2, seed=3)
    together = generate(n_days=2, seed=3)
    mine = together.filter(pa.compute.equal(together["instrument"], "000660.KRX"))
    assert mine.equals(alone)


def test_schema_order_and_sessions() -> None:
    table = generate(n_days=3)
    assert table.schema == bar_file_schema()
    ts = table["timestamp"].cast(pa.int64()).to_numpy()
    ids = table["instrument"].to_pylist()
    assert list(zip(ts.tolist(), ids, strict=True)) == sorted(zip(ts.tolist(), ids, strict=True))
    assert sorted(set(ids)) == sorted(DEFAULT_SYMBOLS)
    days = sorted({kst_date(int(t)) for t in ts})
    assert days == [LATE, dt.date(2024, 1, 3), dt.date(2024, 1, 4)]  # holidays skipped
    samsung = table.filter(pa.compute.equal(table["instrument"], "005930.KRX"))
    times = samsung["timestamp"].cast(pa.int64()).to_numpy()
    first_day = times[: 320 + 1]
    assert first_day[0] == kst(2024, 1, 2, 10, 1)  # the late open
    assert first_day[-2] == kst(2024, 1, 2, 15, 20)  # last continuous bar
    assert first_day[-1] == kst(2024, 1, 2, 15, 30)  # the closing auction
    assert len(times) == 321 + 381 + 381
    assert np.all(np.diff(times[:320]) == NANOS_PER_MINUTE)


def test_the_feed_finds_no_gap_no_outside_bar_and_valid_ohlc(tmp_path: Path) -> None:
    path = write_bars(generate(n_days=4), tmp_path / "syn.parquet")
    strict = ReadOptions(gaps=GapPolicy.ERROR, outside_sessions=SessionPolicy.ERROR)
    feed = BarFeed(path, options=strict, calendar=CALENDAR)
    bars = list(feed)  # Bar construction checks OHLC consistency and positive prices
    assert len(bars) == 4 * (321 + 3 * 381)
    assert feed.report.issues == []


def test_every_price_is_on_the_tick_of_its_day_and_inside_the_daily_limits() -> None:
    table = generate(n_days=5, seed=5)
    by_key: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    closes: dict[tuple[str, dt.date], int] = {}
    stamps = table["timestamp"].cast(pa.int64()).to_pylist()
    for stamp, row in zip(stamps, table.to_pylist(), strict=True):
        key = (row["instrument"], kst_date(stamp))
        by_key[key].extend([row["open"], row["high"], row["low"], row["close"]])
        closes[key] = row["close"]
    previous: dict[str, int] = {}
    for (symbol, day), prices in sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        instrument = INSTRUMENTS[symbol]
        scheme = instrument.tick_scheme(day)
        assert all(scheme.is_valid(Price(p)) for p in set(prices)), (symbol, day)
        if symbol in previous:
            limits = instrument.daily_limits(Price(previous[symbol]), day)
            assert all(limits.contains(Price(p)) for p in (min(prices), max(prices)))
        previous[symbol] = closes[(symbol, day)]
    etf = {p for (symbol, _), prices in by_key.items() if symbol == str(KODEX) for p in prices}
    assert all(p % 5 == 0 for p in etf)  # ETFs trade in 5 won ticks


def test_the_auction_bar_is_a_single_price() -> None:
    table = generate(symbols=["005930.KRX"], n_days=2)
    rows = [
        r for r in table.to_pylist() if r["timestamp"].minute == 30 and r["timestamp"].hour == 6
    ]
    assert len(rows) == 2
    assert all(r["open"] == r["high"] == r["low"] == r["close"] for r in rows)


def test_limits_lock_the_price_when_the_walk_runs_away() -> None:
    wild = {"005930.KRX": PriceModel(70_000, 0.45, 1_000)}
    table = generate(symbols=["005930.KRX"], n_days=8, seed=1, models=wild)
    closes = []
    for row in table.to_pylist():
        if row["timestamp"].hour == 6 and row["timestamp"].minute == 30:
            closes.append(row["close"])
    instrument = INSTRUMENTS["005930.KRX"]
    days = sorted({kst_date(int(t)) for t in table["timestamp"].cast(pa.int64()).to_numpy()})
    hit = 0
    for day, before, after in zip(days[1:], closes, closes[1:], strict=False):
        limits = instrument.daily_limits(Price(before), day)
        assert limits.contains(Price(after))
        hit += after in (limits.upper, limits.lower)
    assert hit >= 1


def test_volatility_and_volume_are_u_shaped_over_the_day() -> None:
    table = generate(symbols=["005930.KRX"], n_days=30, seed=2)
    samsung = table.to_pydict()
    minutes = [(t.hour * 60 + t.minute + 9 * 60) for t in samsung["timestamp"]]
    close = np.array(samsung["close"], dtype=np.float64)
    volume = np.array(samsung["volume"], dtype=np.float64)
    moves = np.abs(np.diff(np.log(close), prepend=np.log(close[0])))
    regular = np.array([9 * 60 + 31 <= m <= 15 * 60 + 20 for m in minutes])
    edge = regular & np.array([m <= 10 * 60 or m >= 14 * 60 + 50 for m in minutes])
    middle = regular & np.array([12 * 60 <= m <= 13 * 60 for m in minutes])
    assert moves[edge].mean() > 1.3 * moves[middle].mean()
    assert volume[edge].mean() > 1.5 * volume[middle].mean()
    assert volume.min() >= 1


def test_exactly_n_bars_of_one_instrument() -> None:
    table = generate(symbols=["005930.KRX"], n_bars=1_000, seed=9)
    assert table.num_rows == 1_000
    assert set(table["instrument"].to_pylist()) == {"005930.KRX"}
    longer = generate(symbols=["005930.KRX"], n_bars=1_500, seed=9)
    assert longer.slice(0, 1_000).equals(table)  # the cut does not change earlier bars
    assert generate(n_days=6, seed=9).slice(0, 100).equals(generate(n_days=2, seed=9).slice(0, 100))


def test_daily_and_hourly_bars() -> None:
    daily = generate(n_days=4, interval=ONE_DAY)
    assert daily.num_rows == 16
    times = sorted(set(daily["timestamp"].cast(pa.int64()).to_pylist()))
    assert times[0] == kst(2024, 1, 2, 15, 30)
    rows = daily.to_pylist()
    assert all(
        r["low"] <= min(r["open"], r["close"]) <= max(r["open"], r["close"]) <= r["high"]
        for r in rows
    )
    hour = BarSpecification(1, BarAggregation.HOUR, PriceType.LAST)
    hourly = generate(symbols=["005930.KRX"], n_days=2, interval=hour)
    stamps = hourly["timestamp"].cast(pa.int64()).to_pylist()
    day3 = [t for t in stamps if kst_date(t) == dt.date(2024, 1, 3)]
    assert day3 == [kst(2024, 1, 3, h) for h in range(10, 16)] + [
        kst(2024, 1, 3, 15, 20),  # the partial hour up to the closing auction
        kst(2024, 1, 3, 15, 30),
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_days": 2, "end": dt.date(2024, 2, 1)}, "only one of n_days, end and n_bars"),
        ({"n_bars": 10}, "n_bars needs exactly one symbol"),
        ({"n_days": 0}, "n_days must be an int >= 1"),
        ({"seed": -1}, "seed must be a non-negative int"),
        ({"symbols": ["999999.KRX"]}, "unknown instrument 999999.KRX"),
        ({"symbols": ["KRW-BTC.UPBIT"]}, "not a KRX security"),
        ({"symbols": "005930.KRX"}, "non-empty list"),
        ({"symbols": ["005930.KRX", "005930.KRX"]}, "duplicates"),
        ({"end": dt.date(2023, 1, 1)}, "end must be a date on or after start"),
        ({"interval": BarSpecification(5, BarAggregation.SECOND, PriceType.LAST)}, "interval"),
        ({"interval": BarSpecification(2, BarAggregation.DAY, PriceType.LAST)}, "interval"),
        ({"start": dt.datetime(2024, 1, 2)}, "start must be a date"),  # noqa: DTZ001
        ({"end": dt.date(2024, 1, 1)}, "no session"),
    ],
)
def test_bad_options_name_the_option(options: dict[str, object], message: str) -> None:
    with pytest.raises(FeedOptionError, match=message):
        generate(**options)


def test_price_model_checks_itself() -> None:
    with pytest.raises(FeedOptionError, match="start_price"):
        PriceModel(0, 0.02, 10)
    with pytest.raises(FeedOptionError, match="daily_volatility"):
        PriceModel(1000, 0.0, 10)
    with pytest.raises(FeedOptionError, match="daily_volume"):
        PriceModel(1000, 0.02, 0)


def test_unknown_symbols_get_a_seeded_model_of_their_own() -> None:
    a = generate(symbols=["035720.KRX"], n_days=1, seed=4)
    b = generate(symbols=["035720.KRX"], n_days=1, seed=4)
    assert a.equals(b)
    assert a.num_rows == 321


def test_samsung_default_starts_near_its_model_price() -> None:
    table = generate(symbols=[str(SAMSUNG)], n_days=1, seed=0)
    first_open = table["open"][0].as_py()
    assert 0.9 * 70_000 < first_open < 1.1 * 70_000
