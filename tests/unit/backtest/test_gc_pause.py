"""A backtest run relaxes the garbage collector and always puts it back."""

from __future__ import annotations

import gc
import weakref

import pytest

from jts.backtest.gc_pause import relaxed_gc


def _failing_run(before: tuple[int, int, int]) -> None:
    with relaxed_gc(young=50_000):
        assert gc.get_threshold()[0] == max(before[0], 50_000)
        raise RuntimeError("a strategy failed")


def test_thresholds_and_freeze_are_restored_even_after_an_error() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError):
        _failing_run(before)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_overlapping_runs_restore_once_the_last_ends() -> None:
    before = gc.get_threshold()
    outer = relaxed_gc()
    inner = relaxed_gc()
    outer.__enter__()
    inner.__enter__()
    relaxed = gc.get_threshold()
    assert relaxed != before
    outer.__exit__(None, None, None)  # the first run ends while the second still runs
    assert gc.get_threshold() == relaxed
    inner.__exit__(None, None, None)
    assert gc.get_threshold() == before


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_cycles_made_during_a_run_are_still_collected_automatically() -> None:
    with relaxed_gc(young=10_000):
        cycle = _Node()
        alive = weakref.ref(cycle)
        del cycle
        keep = [_Node() for _ in range(30_000)]  # allocations past the young threshold
        assert alive() is None
        del keep
