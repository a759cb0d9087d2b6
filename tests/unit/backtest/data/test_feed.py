"""The merged feed: order, ties, bounded buffering, ranges, Bar and TradeTick objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.backtest.data.errors import DuplicateRowError, FeedOptionError
from jts.backtest.data.feed import BarFeed, TradeTickFeed, merge_frames, resolve_bound
from jts.backtest.data.frames import Frame
from jts.backtest.data.schema import DataKind, ReadOptions
from jts.core.time import KST, NANOS_PER_DAY, NANOS_PER_MINUTE
from jts.domain.market_data import AggregationSource, AggressorSide, Bar, TradeTick
from jts.domain.values import Price, Quantity

from .helpers import BAR_HEADER, BTC, HYNIX, KODEX, SAMSUNG, kst, minute_rows, write

MULTI = "timestamp,instrument,open,high,low,close,volume"


def frame(ts: list[int], iid: list[int], source: int) -> Frame:
    n = len(ts)
    base = Frame.empty(DataKind.BARS)
    columns = {name: np.zeros(n, dtype=values.dtype) for name, values in base.columns.items()}
    columns["ts"] = np.array(ts, dtype=np.int64)
    columns["iid"] = np.array(iid, dtype=np.int32)
    return Frame(DataKind.BARS, columns, np.full(n, source, np.int32), np.arange(1, n + 1))


def chunks_of(ts: list[int], iid: int, size: int, source: int) -> list[Frame]:
    return [
        frame(ts[i : i + size], [iid] * len(ts[i : i + size]), source)
        for i in range(0, len(ts), size)
    ]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 40), max_size=40).map(sorted),
            st.integers(1, 7),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_merge_orders_by_time_then_instrument_and_loses_nothing(
    streams: list[tuple[list[int], int]],
) -> None:
    # instrument i has rank (4 - i) % 5: ties must follow the rank, not the stream order
    ranks = np.array([(4 - i) % 5 for i in range(5)], dtype=np.int64)
    sources = [iter(chunks_of(ts, i, size, i)) for i, (ts, size) in enumerate(streams)]
    merged = list(merge_frames(sources, lambda: ranks))
    got = [(int(t), int(i)) for f in merged for t, i in zip(f.ts, f.iid, strict=True)]
    want = sorted(
        ((t, i) for i, (ts, _) in enumerate(streams) for t in ts), key=lambda p: (p[0], ranks[p[1]])
    )
    assert got == want
    assert all(len(f) for f in merged)


def test_merge_holds_a_bounded_number_of_frames_per_stream() -> None:
    pulled = [0, 0]
    emitted = 0

    def stream(index: int, start: int) -> Iterator[Frame]:
        for k in range(200):
            pulled[index] += 1
            yield frame(list(range(start + 10 * k, start + 10 * k + 10)), [index] * 10, index)

    ranks = np.array([0, 1], dtype=np.int64)
    for out in merge_frames([stream(0, 0), stream(1, 5)], lambda: ranks):
        emitted += len(out)
        # rows handed out so far trail the rows read by at most two frames per stream
        assert sum(pulled) * 10 - emitted <= 2 * 2 * 10
    assert emitted == 4000


def test_files_are_merged_with_stable_ties_by_instrument_id(tmp_path: Path) -> None:
    write(tmp_path, "b/000660.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 3, 130_000))
    write(tmp_path, "a/005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 2, 3))
    write(
        tmp_path,
        "c.csv",
        MULTI,
        "2024-01-02T09:02:00+09:00,069500.KRX,35000,35000,35000,35000,1",
        "2024-01-02T09:02:00+09:00,005935.KRX,50000,50000,50000,50000,1",
    )
    f = BarFeed(tmp_path, options=ReadOptions(chunk_rows=2))
    bars = list(f.iter_bars())
    order = [(b.ts_event, str(b.bar_type.instrument_id)) for b in bars]
    assert order == sorted(order)
    assert [str(b.bar_type.instrument_id) for b in bars][:5] == [
        "000660.KRX",
        "000660.KRX",
        "005930.KRX",
        "005935.KRX",
        "069500.KRX",
    ]
    assert f.report.rows_delivered == 8


def test_iter_bars_builds_exact_bars_matching_the_arrays(tmp_path: Path) -> None:
    write(tmp_path, "005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 3))
    write(
        tmp_path,
        "KRW-BTC.UPBIT.csv",
        BAR_HEADER,
        "2024-01-02T09:01:30+09:00,60000000.5,60000001,60000000,60000001,0.12345678",
    )
    f = BarFeed(tmp_path)
    bars = list(f)
    assert all(isinstance(b, Bar) for b in bars)
    btc = next(b for b in bars if b.bar_type.instrument_id == BTC)
    assert btc.open == Price("60000000.5")
    assert btc.open.precision == 8
    assert btc.volume == Quantity("0.12345678")
    samsung = [b for b in bars if b.bar_type.instrument_id == SAMSUNG]
    assert str(samsung[0].bar_type) == "005930.KRX-1-MINUTE-LAST-EXTERNAL"
    assert samsung[0].bar_type.source is AggregationSource.EXTERNAL
    assert [b.close for b in samsung] == [Price(70_000), Price(70_100), Price(70_200)]
    assert all(b.ts_init == b.ts_event for b in bars)
    arrays = list(f.iter_bar_arrays())
    assert sum(len(a) for a in arrays) == len(bars) == 4
    only = [x for a in arrays for x in a.for_instrument("005930.KRX").close.tolist()]
    assert only == [70_000, 70_100, 70_200]


def test_each_pass_reads_the_files_again_with_a_fresh_report(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 5))
    f = BarFeed(path)
    first = [b.ts_event for b in f]
    second = [b.ts_event for b in f]
    assert first == second
    assert f.report.rows_delivered == 5


def test_start_and_end_are_inclusive_and_dates_are_kst_days(tmp_path: Path) -> None:
    rows = [
        *minute_rows("2024-01-02", 1, 2),
        *minute_rows("2024-01-03", 1, 2),
        *minute_rows("2024-01-04", 1, 2),
    ]
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER, *rows)

    def times(**bounds: object) -> list[int]:
        return [b.ts_event for b in BarFeed(path, **bounds)]  # type: ignore[arg-type]

    day3 = [kst(2024, 1, 3, 9, 1), kst(2024, 1, 3, 9, 2)]
    assert times(start=dt.date(2024, 1, 3), end=dt.date(2024, 1, 3)) == day3
    assert times(start="2024-01-03", end="2024-01-03") == day3
    assert times(start=kst(2024, 1, 3, 9, 1), end=kst(2024, 1, 3, 9, 2)) == day3
    aware = dt.datetime(2024, 1, 3, 9, 2, tzinfo=KST)
    assert times(start="2024-01-03T09:02:00+09:00", end=aware) == day3[1:]
    assert len(times(end=dt.date(2024, 1, 2))) == 2


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        (
            {"start": dt.date(2024, 1, 4), "end": dt.date(2024, 1, 3)},
            "start .* is after option end",
        ),
        ({"start": dt.datetime(2024, 1, 3)}, "option start: naive datetime"),  # noqa: DTZ001
        ({"end": "yesterday"}, "option end: 'yesterday' is not a date"),
        ({"start": -1}, "option start must not be before 1970"),
        ({"start": 1.5}, "option start must be a date"),
    ],
)
def test_bad_bounds_name_the_option(
    tmp_path: Path, bounds: dict[str, object], message: str
) -> None:
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER)
    with pytest.raises(FeedOptionError, match=message):
        BarFeed(path, **bounds)  # type: ignore[arg-type]


def test_resolve_bound_of_a_date_covers_the_whole_kst_day() -> None:
    day = dt.date(2024, 1, 3)
    assert resolve_bound(day, "start", is_end=False) == kst(2024, 1, 3)
    assert resolve_bound(day, "end", is_end=True) == kst(2024, 1, 3) + NANOS_PER_DAY - 1
    assert resolve_bound(None, "start", is_end=False) is None


def test_the_same_bar_in_two_files_is_an_error_naming_both(tmp_path: Path) -> None:
    rows = minute_rows("2024-01-02", 1, 3)
    first = write(tmp_path, "a/005930.KRX.csv", BAR_HEADER, *rows)
    second = write(tmp_path, "b/005930.KRX.csv", BAR_HEADER, *rows[2:])
    with pytest.raises(DuplicateRowError) as caught:
        list(BarFeed(tmp_path).iter_bar_arrays())
    assert caught.value.file == str(second)
    assert caught.value.row == 1
    assert f"is also in {first} row 3: files overlap" in str(caught.value)


def test_files_split_by_year_continue_each_other(tmp_path: Path) -> None:
    write(tmp_path, "2023/005930.KRX.csv", BAR_HEADER, *minute_rows("2023-12-28", 1, 2))
    write(tmp_path, "2024/005930.KRX.csv", BAR_HEADER, *minute_rows("2024-01-02", 1, 2))
    times = [b.ts_event for b in BarFeed(tmp_path)]
    assert times == sorted(times)
    assert len(times) == 4


def test_options_must_be_read_options(tmp_path: Path) -> None:
    path = write(tmp_path, "005930.KRX.csv", BAR_HEADER)
    with pytest.raises(FeedOptionError, match="ReadOptions"):
        BarFeed(path, options={"repair": True})  # type: ignore[arg-type]
    with pytest.raises(FeedOptionError, match="option calendar must be a TradingCalendar"):
        BarFeed(path, calendar="XKRX")  # type: ignore[arg-type]


def test_trade_ticks_become_trade_tick_messages(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ticks.csv",
        "timestamp,instrument,price,size,aggressor,trade_id",
        "2024-01-02T09:00:00.5+09:00,069500.KRX,35005,3,B,X1",
        "2024-01-02T09:00:00.5+09:00,000660.KRX,130000,2,S,",
        "2024-01-02T09:00:01+09:00,069500.KRX,35000,1,,",
    )
    ticks = list(TradeTickFeed(path))
    assert all(isinstance(t, TradeTick) for t in ticks)
    assert [(t.instrument_id, t.price, t.size, t.aggressor_side, t.trade_id) for t in ticks] == [
        (HYNIX, Price(130_000), Quantity(2), AggressorSide.SELLER, f"{ticks[0].ts_event}-0"),
        (KODEX, Price(35_005), Quantity(3), AggressorSide.BUYER, "X1"),
        (KODEX, Price(35_000), Quantity(1), AggressorSide.NO_AGGRESSOR, f"{ticks[2].ts_event}-0"),
    ]
    assert ticks[0].ts_event == kst(2024, 1, 2, 9) + 500_000_000
    chunks = list(TradeTickFeed(path).iter_tick_arrays())
    assert [x for c in chunks for x in c.aggressor.tolist()] == [2, 1, 0]
    assert [x for c in chunks for x in c.trade_id.tolist()] == [None, "X1", None]
    kodex = [x for c in chunks for x in c.for_instrument("069500.KRX").price.tolist()]
    assert kodex == [35_005, 35_000]


def test_minute_of_many_instruments_is_delivered_whole(tmp_path: Path) -> None:
    lines = []
    for m in range(1, 4):
        ts = kst(2024, 1, 2, 9) + m * NANOS_PER_MINUTE
        for symbol in ("069500.KRX", "000660.KRX", "005930.KRX"):
            lines.append(f"{ts},{symbol},10,10,10,10,1")
    path = write(tmp_path, "multi.csv", MULTI, *lines)
    chunks = list(BarFeed(path, options=ReadOptions(chunk_rows=4)).iter_bar_arrays())
    seen = [str(c.instrument_ids[i]) for c in chunks for i in c.instrument_index]
    assert seen == ["000660.KRX", "005930.KRX", "069500.KRX"] * 3
