"""A machine's first vectorised run compiles on two cores instead of one.

The first run ever (numba's on-disk cache empty) spends most of its time compiling: the
indicator kernels, then the state machine's driver and its helpers (`jts.dsl.vector.kernels`),
one after the other, because numba compiles under one process-wide lock. The helpers are the
same for every shape of driver, so `begin` forks a child that compiles the largest of them (the
venue pass, with `_book`, `mul`, `charge` and `_log` inside it, and `_close_out`) into the
on-disk cache while this process prepares the data, evaluates the signals and compiles the
other helpers; `finish` waits for the child before the driver is compiled, which then loads the
child's helpers from the cache instead of compiling them (their bitcode is cached too, so LLVM
still inlines them). Measured on the reference case: 2.5-2.7 s of warm-up become 1.9-2.1 s;
the driver, compiled last, is most of what remains.

Nothing depends on the child: when it cannot run (no ``fork``, other threads alive, a single
core, the helpers already cached or compiled) or fails, the driver compiles what is missing
itself, as it always did. The signatures below are the types the driver calls the helpers
with; `tests/unit/dsl/test_vector_warmup.py` checks that they still are, since a stale one
would only waste the child's work."""

from __future__ import annotations

import contextlib
import functools
import os
import select
import signal
import threading
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, ParamSpec, TypeVar

from numba.core import types

from jts.dsl.vector import kernels

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = ["CHILD_HELPERS", "SHARED_HELPERS", "begin", "finish"]

_I64 = types.int64
_I32 = types.int32
_BOOL = types.boolean
_I2 = types.Array(types.int64, 2, "C")
_I3 = types.Array(types.int64, 3, "C")
_F2 = types.Array(types.float64, 2, "C")
_F3 = types.Array(types.float64, 3, "C")
Helpers = tuple[tuple[str, tuple[types.Type, ...]], ...]

#: compiled by the child: the venue pass first, the largest helper (only the driver calls it,
#: with these types)
CHILD_HELPERS: Helpers = (
    (
        "_venue",
        (_BOOL, _I32, _I64, _I32, _I64, _I64, _I64, _BOOL, _BOOL, *(_I64,) * 6,
         _I2, _F2, _I3, _F3, _I2, _I2, _I3, _I2),
    ),
    ("_close_out", (_I3, _I2, _I32, _I64, _I64, _I2)),
)  # fmt: skip
#: compiled here while the child works, after this process's indicator kernels
SHARED_HELPERS: Helpers = (
    ("_window", (_I2, _I32, _I64, _I64)),
    ("_equity", (_I64, _I2)),
    ("_admit", (_I3, _F3, _I2, _I32, *(_I64,) * 3, _BOOL, *(_I64,) * 3, _BOOL, *(_I64,) * 3, _I2)),
)
#: how long `finish` waits for the child before compiling the rest itself
WAIT_S = 30.0


class _State:
    """This process's part: whether `begin` ran, the child it started (pid, read end of the
    pipe it writes to when its compile is cached), and children a failed run left to finish."""

    begun = False
    forked = 0
    child: tuple[int, int] | None = None
    orphans: ClassVar[list[int]] = []


_state = _State()


def _dispatcher(name: str) -> Any:
    return getattr(kernels, name)


def _cached(name: str, signature: tuple[Any, ...]) -> bool:
    """Whether the helper is compiled in this process or on disk for ``signature``. Looks the
    key up in the cache's index without loading the code (numba's own ``load_overload`` would
    rebuild it, wasted work on every run after the first)."""
    dispatcher = _dispatcher(name)
    if dispatcher.overloads:
        return True
    cache = getattr(dispatcher, "_cache", None)
    if cache is None:
        return True  # nothing to share through (caching off): leave it to the driver
    try:  # keyed as `Dispatcher.compile` keys it: on the argument types as given
        key = cache._index_key(signature, dispatcher.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # another numba, or a cache it cannot read: let the driver decide
        return True


def begin() -> None:
    """Start the child, once per process, when it can help (see the module docstring)."""
    if _state.begun:
        return
    _state.begun = True
    name, signature = CHILD_HELPERS[0]
    if (
        not hasattr(os, "fork")
        or (os.cpu_count() or 1) < 2
        or threading.active_count() > 1
        or not hasattr(_dispatcher(name), "compile")  # NUMBA_DISABLE_JIT
        or _cached(name, signature)
    ):
        return
    ready, done = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns on fork with native (BLAS) threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its work shows in the cache
        code = 1
        try:
            os.close(ready)
            for name, signature in CHILD_HELPERS:
                _dispatcher(name).compile(signature)
            os.write(done, b"1")
            code = 0
        finally:
            os._exit(code)
    os.close(done)
    _state.child = (pid, ready)
    _state.forked += 1


def compiling(run: Callable[_P, _R]) -> Callable[_P, _R]:
    """For a run's entry point: `begin` first; if the run fails before `finish`, `abandon`."""

    @functools.wraps(run)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        begin()
        try:
            return run(*args, **kwargs)
        except BaseException:
            abandon()
            raise

    return wrapper


def abandon() -> None:
    """A run failed between `begin` and `finish`: stop waiting for the child. It finishes its
    compile (kept in the cache for the next run) and is reaped as soon as it has exited, here
    or by a later run, so no zombie and no pipe stays behind."""
    child, _state.child = _state.child, None
    if child is None:
        return
    pid, ready = child
    os.close(ready)
    _state.orphans.append(pid)
    _reap()


def _reap() -> None:
    for pid in list(_state.orphans):
        try:
            exited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            exited = pid
        if exited:
            _state.orphans.remove(pid)


def finish() -> None:
    """Compile the shared helpers here, then wait for the child (if any) to finish."""
    _reap()
    child, _state.child = _state.child, None
    if child is None:
        return
    pid, ready = child
    readable: list[int] = []
    try:
        for name, signature in SHARED_HELPERS:
            if not _cached(name, signature):
                _dispatcher(name).compile(signature)
        readable, _, _ = select.select([ready], [], [], WAIT_S)
    finally:
        os.close(ready)
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            if not readable:  # stuck or failed: the driver compiles the venue pass itself
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
