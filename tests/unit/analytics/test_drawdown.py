from __future__ import annotations

import datetime as dt

import pytest

from jts.analytics.curve import daily_equity
from jts.analytics.drawdown import (
    DrawdownPeriod,
    deepest,
    drawdown_periods,
    drawdown_series,
    longest,
)

from .builders import curve


def _dd(opening: int, closes: list[int]):  # type: ignore[no-untyped-def]
    return drawdown_series(daily_equity(*curve(opening, closes)))


def test_peak_starts_at_the_opening_so_a_first_day_loss_is_a_drawdown() -> None:
    series = _dd(1_000, [900, 1_000, 1_100, 1_045])
    assert list(series.values) == [-0.1, 0.0, 0.0, -0.05]
    assert series.max_drawdown == -0.1


def test_back_at_the_old_peak_is_exactly_zero() -> None:
    series = _dd(1_000, [1_100, 990, 1_100])
    assert series.values[2] == 0.0
    assert str(series.values[2]) == "0.0"  # not -0.0


def test_no_drawdown_when_every_close_is_a_new_high_or_flat() -> None:
    series = _dd(100, [100, 101, 101, 105])
    assert series.max_drawdown == 0.0
    assert drawdown_periods(series) == ()
    assert deepest(()) is None
    assert longest(()) is None


def test_periods_count_calendar_days_inclusive_like_quantstats() -> None:
    # weekdays from Tue 2024-01-02: Fri 01-05 and Mon 01-08 under water -> 4 calendar days
    series = _dd(1_000, [1_000, 1_010, 1_020, 1_000, 990, 1_030, 1_020])
    periods = drawdown_periods(series)
    assert periods == (
        DrawdownPeriod(
            start=dt.date(2024, 1, 5),
            valley=dt.date(2024, 1, 8),
            end=dt.date(2024, 1, 8),
            days=4,
            depth=pytest.approx(990 / 1020 - 1),  # type: ignore[arg-type]
            recovered=True,
        ),
        DrawdownPeriod(
            start=dt.date(2024, 1, 10),
            valley=dt.date(2024, 1, 10),
            end=dt.date(2024, 1, 10),
            days=1,
            depth=pytest.approx(1020 / 1030 - 1),  # type: ignore[arg-type]
            recovered=False,
        ),
    )


def test_deepest_and_longest_can_be_different_drawdowns() -> None:
    # a long shallow one, then a short deep one still open at the end
    series = _dd(1_000, [990, 995, 990, 992, 998, 1_200, 600])
    periods = drawdown_periods(series)
    assert len(periods) == 2
    assert longest(periods) == periods[0]
    assert periods[0].days == 7  # Tue 01-02 .. Mon 01-08, the weekend included
    assert deepest(periods) == periods[1]
    assert periods[1].depth == -0.5
    assert not periods[1].recovered


def test_ties_go_to_the_earliest() -> None:
    series = _dd(100, [90, 100, 90, 100])
    periods = drawdown_periods(series)
    assert deepest(periods) is periods[0]
    assert longest(periods) is periods[0]
