"""The bars a worker keeps are the bars the feed delivers, whole or sliced to a window."""

from __future__ import annotations

from pathlib import Path

from jts.backtest.data import BarFeed, ReadOptions
from jts.backtest.runner import resolve_instruments
from jts.backtest.sweeps.bars import BarStore
from jts.domain.identifiers import InstrumentId
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar


def fields(bar: object) -> tuple[object, ...]:
    return tuple(
        getattr(bar, name)
        for name in ("bar_type", "open", "high", "low", "close", "volume", "ts_event", "ts_init")
    )


def test_replay_equals_the_feed(bars_file: Path, calendar: FakeKrxCalendar) -> None:
    instruments = resolve_instruments([InstrumentId("005930.KRX")])
    feed = BarFeed([bars_file], instruments=instruments, calendar=calendar)
    expected = list(feed.iter_bars())
    store = BarStore.load(
        [bars_file],
        instruments=instruments,
        options=ReadOptions(),
        start_ns=None,
        end_ns=None,
        calendar=calendar,
    )
    assert len(store) == len(expected)
    assert store.nbytes == len(expected) * (4 + 6 * 8)
    assert [fields(b) for b in store.bars()] == [fields(b) for b in expected]
    # a window: inclusive bounds, found by binary search
    stamps = [b.ts_event for b in expected]
    lo, hi = stamps[100], stamps[499]
    window = list(store.bars(lo, hi))
    assert [fields(b) for b in window] == [fields(b) for b in expected[100:500]]
    assert list(store.bars(hi + 1, hi + 1)) == []
    assert [fields(b) for b in store.bars(None, stamps[9])] == [fields(b) for b in expected[:10]]
    # replaying twice gives equal bars (shared immutable prices)
    assert [fields(b) for b in store.bars(lo, hi)] == [fields(b) for b in window]
