"""Walk-forward: window planning, per-window choice, out-of-sample runs, stitched curve."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from jts.backtest.runner import load_strategy, run_backtest
from jts.backtest.sweeps import (
    Constraint,
    ParamSpace,
    SerialExecutor,
    SweepJob,
    SweepSpec,
    WalkForwardError,
    Window,
    WindowSpec,
    plan_windows,
    walk_forward,
)
from jts.core.time import NANOS_PER_DAY, NANOS_PER_MINUTE, kst_to_ns
from jts.domain.values import Money
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .conftest import DAYS, SMA_PY


def minutes(day: int, count: int) -> list[int]:
    """``count`` one-minute stamps from 09:01 KST of the ``day``-th day after 2024-03-04."""
    import datetime as dt

    start = kst_to_ns(dt.date(2024, 3, 4) + dt.timedelta(days=day), "090100")
    return [start + i * NANOS_PER_MINUTE for i in range(count)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60d:20d", WindowSpec(60, 20, "days")),
        (" 5d : 2d ", WindowSpec(5, 2, "days")),
        ("6000:2_000", WindowSpec(6000, 2000, "bars")),
    ],
)
def test_window_specs(text: str, expected: WindowSpec) -> None:
    assert WindowSpec.parse(text) == expected
    assert WindowSpec.parse(text, anchored=True).anchored


@pytest.mark.parametrize("text", ["60d", "60d:20", "60:20d", "a:b", "0d:5d", "5:0", "-5:2"])
def test_bad_window_specs_name_the_option(text: str) -> None:
    with pytest.raises(WalkForwardError, match="--walk-forward"):
        WindowSpec.parse(text)


def test_day_windows_tile_the_out_of_sample_ranges() -> None:
    # 7 trading days of 3 bars each, one weekend in between (days 5 and 6 are Sat/Sun)
    stamps = np.array([t for d in (0, 1, 2, 3, 4, 7, 8) for t in minutes(d, 3)], dtype=np.int64)
    windows = plan_windows(stamps, WindowSpec(3, 2, "days"))
    assert len(windows) == 2  # days 0-2 -> 3-4, days 2-4 -> 7-8; no room for a third
    first, second = windows
    assert (first.in_start_ns, first.in_end_ns) == (minutes(0, 1)[0], minutes(2, 3)[-1])
    assert (first.out_start_ns, first.out_end_ns) == (minutes(3, 1)[0], minutes(4, 3)[-1])
    assert (second.in_start_ns, second.out_start_ns) == (minutes(2, 1)[0], minutes(7, 1)[0])
    assert second.out_end_ns == minutes(8, 3)[-1]
    anchored = plan_windows(stamps, WindowSpec(3, 2, "days", anchored=True))
    assert [w.in_start_ns for w in anchored] == [minutes(0, 1)[0]] * 2
    assert [w.out_start_ns for w in anchored] == [w.out_start_ns for w in windows]


def test_bar_windows_count_distinct_timestamps() -> None:
    base = minutes(0, 10)
    stamps = np.array(sorted(base + base), dtype=np.int64)  # two instruments, same stamps
    windows = plan_windows(stamps, WindowSpec(4, 3, "bars"))
    assert windows == [
        Window(0, base[0], base[3], base[4], base[6]),
        Window(1, base[3], base[6], base[7], base[9]),
    ]


def test_too_little_data_says_how_much_there_is() -> None:
    stamps = np.array(minutes(0, 3) + minutes(1, 3), dtype=np.int64)
    with pytest.raises(WalkForwardError, match=r"needs at least 3 days of data.*the data has 2"):
        plan_windows(stamps, WindowSpec(2, 1, "days"))


def test_walk_forward_runs_exact_out_of_sample_backtests(
    job: SweepJob, calendar: FakeKrxCalendar
) -> None:
    space = ParamSpace.parse(["fast=4,8", "slow=20,30"])
    sweep = SweepSpec(space, constraints=(Constraint("fast < slow", space.names),))
    ticks: list[tuple[int, int]] = []
    result = walk_forward(
        job,
        sweep,
        WindowSpec(3, 2, "days"),
        executor=SerialExecutor(),
        progress=lambda done, total: ticks.append((done, total)),
    )
    assert len(result.windows) == (DAYS - 3) // 2
    assert ticks[-1] == (len(result.windows) * 5, len(result.windows) * 5)
    cash = job.config.cash
    for w in result.windows:
        # the choice is the in-sample best ...
        assert w.chosen is w.search.best
        assert w.search.start_ns == w.window.in_start_ns
        # ... and its out-of-sample run is a backtest of its own from the carried cash
        config = dataclasses.replace(
            job.config, start_ns=w.window.out_start_ns, end_ns=w.window.out_end_ns, cash=cash
        )
        single = run_backtest(
            [load_strategy(str(SMA_PY), dict(w.chosen.params))],
            job.data[0],
            config,
            calendar=calendar,
        )
        assert w.out_of_sample.stats() == single.stats()
        assert len(w.out_of_sample.fills) == len(single.fills)
        cash = Money.from_raw(int(single.equity_raw[-1]), cash.currency)
    # the stitched curve is the out-of-sample curves end to end
    expected = np.concatenate([w.out_of_sample.equity_raw for w in result.windows])
    assert np.array_equal(result.equity_raw, expected)
    assert bool(np.all(np.diff(result.timestamps) > 0))
    stats = result.stats()
    assert stats["final_equity"] == str(cash.raw)
    assert stats["start_equity"] == str(result.windows[0].out_of_sample.equity_raw[0])
    assert stats["trades"] == sum(len(w.out_of_sample.fills) for w in result.windows)
    assert stats["round_trips"] == sum(len(w.out_of_sample.analysis.trades) for w in result.windows)
    assert stats["windows"] == len(result.windows)
    assert stats["stitch"] == "continue-cash"
    assert result.analysis.stats.days == sum(
        w.out_of_sample.analysis.stats.days for w in result.windows
    )
    first_day = result.windows[0].window.out_start_ns // NANOS_PER_DAY
    assert result.timestamps[0] // NANOS_PER_DAY == first_day


def test_a_window_where_nothing_runs_names_the_window(job: SweepJob) -> None:
    space = ParamSpace.parse(["fast=30", "slow=20"])  # SMACross refuses fast >= slow
    with pytest.raises(WalkForwardError, match=r"window 0: in-sample 2024-03-04\.\.2024-03-06"):
        walk_forward(job, SweepSpec(space), WindowSpec(3, 2, "days"), executor=SerialExecutor())
