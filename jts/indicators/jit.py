"""Numba kernels compiled on first use, never at import.

Importing numba costs seconds and compiling a kernel a fraction of one; a live node that only
streams indicators should pay neither. A `LazyKernel` wraps a plain Python loop: the first call
imports numba and compiles it with ``njit(cache=True)`` (so the next process loads the machine
code from the on-disk cache instead of recompiling). The compiled dispatcher is memoised on the
wrapper, exactly like ``functools.cache`` memoises a result; it holds no other state.

Kernels are written so that their floating-point operations happen in the same order as the
streaming ``update`` of the same indicator; with numba's default (no fastmath, no FMA
contraction) the two forms then agree bit for bit, which the DSL's live/backtest parity needs.

Compiling allocates hundreds of thousands of short-lived Python objects, and every burst of
them sets off the cyclic garbage collector, whose full passes walk every object the process
holds (the imported libraries, a data set's metadata): about a tenth of a first run's compile
time. `collector_paused` holds the collector off while a kernel compiles; compiled code makes
no reference cycles, and the collector's state is restored afterwards.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, ParamSpec, TypeVar

__all__ = ["LazyKernel", "collector_paused", "lazy_njit"]

P = ParamSpec("P")
R = TypeVar("R")


class _Pause:
    """The collector is process-wide: the first block in switches it off (if it was on), the
    last one out switches it back on (a count, so overlapping blocks in threads cannot leave
    it off or switch it on early)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocks = 0
        self._was_enabled = False

    def enter(self) -> None:
        with self._lock:
            if self._blocks == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._blocks += 1

    def leave(self) -> None:
        with self._lock:
            self._blocks -= 1
            if self._blocks == 0 and self._was_enabled:
                gc.enable()


_PAUSE = _Pause()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector off while the block runs (reference counting still
    frees everything that is not in a cycle); see the module docstring."""
    _PAUSE.enter()
    try:
        yield
    finally:
        _PAUSE.leave()


class LazyKernel(Generic[P, R]):
    """A Python loop that becomes a numba ``njit`` function the first time it is called."""

    __slots__ = ("__name__", "_compiled", "py_func")

    def __init__(self, py_func: Callable[P, R]) -> None:
        self.py_func = py_func
        self.__name__ = py_func.__name__
        self._compiled: Callable[P, R] | None = None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        fn = self._compiled
        if fn is None:
            fn = self._compile()
            with collector_paused():  # this call compiles (or loads the cached code)
                return fn(*args, **kwargs)
        return fn(*args, **kwargs)

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    @property
    def dispatcher(self) -> Callable[P, R]:
        """The numba function itself (compiling on first access), for callers that want to call
        a kernel from inside their own ``njit`` code, such as the DSL's vectorised evaluator."""
        return self._compiled if self._compiled is not None else self._compile()

    def _compile(self) -> Callable[P, R]:
        import numba  # noqa: PLC0415 - deferred on purpose, see the module docstring

        compiled: Callable[P, R] = numba.njit(cache=True, nogil=True)(self.py_func)
        self._compiled = compiled
        return compiled

    def compile_uncached(self, *example_args: Any) -> float:
        """Seconds to compile this kernel afresh (bypassing the disk cache); for benchmarks."""
        import numba  # noqa: PLC0415

        fresh = numba.njit(cache=False, nogil=True)(self.py_func)
        started = time.perf_counter()
        fresh.compile(tuple(numba.typeof(a) for a in example_args))  # type: ignore[no-untyped-call]
        return time.perf_counter() - started


def lazy_njit(py_func: Callable[P, R]) -> LazyKernel[P, R]:
    """Decorator: compile ``py_func`` with numba on its first call (see the module docstring)."""
    return LazyKernel(py_func)
