"""`collector_paused`: the cyclic garbage collector is off while a kernel compiles and back as
it was afterwards, also when blocks overlap or fail."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator

import pytest

from jts.indicators.jit import LazyKernel, collector_paused, lazy_njit


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_blocks_restore_it_only_when_the_last_one_ends() -> None:
    outer = collector_paused()
    inner = collector_paused()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first one out must not switch it back on
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failing_block_restores_it() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_blocks_in_threads_share_one_pause() -> None:
    entered, release = threading.Barrier(3), threading.Event()

    def hold() -> None:
        with collector_paused():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert not gc.isenabled()
    release.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


def test_a_kernels_first_call_runs_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call is the one that compiles (or loads the cached code); later calls run
    with the collector as it is."""
    seen: list[bool] = []

    def compile_observed(self: LazyKernel[..., int]) -> Callable[..., int]:
        def compiled(*args: object) -> int:
            seen.append(gc.isenabled())
            return 0

        self._compiled = compiled
        return compiled

    monkeypatch.setattr(LazyKernel, "_compile", compile_observed)

    @lazy_njit
    def identity(x: int) -> int:
        return x

    identity(1)
    identity(2)
    assert seen == [False, True]
    assert gc.isenabled()
