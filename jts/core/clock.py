"""Clocks: the kernel asks the time and sets timers only through the `Clock` port.

Backtests use `SimulatedClock` (time moves only when the engine advances it, so a run is
deterministic); live nodes use `LiveClock` (wall time, timers on the asyncio loop). Both fire
timers in time order, and timers due at the same instant in the order they were set.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from jts.core.errors import InvalidInputError, StateError
from jts.core.time import unix_nanos_now


@dataclass(frozen=True, slots=True)
class TimeEvent:
    """A timer or alert firing: ``ts_event`` is when it was due, ``ts_init`` when it ran."""

    name: str
    ts_event: int
    ts_init: int


TimeCallback = Callable[[TimeEvent], None]


@runtime_checkable
class Clock(Protocol):
    """What the kernel needs from time; nothing in the kernel reads the system clock directly."""

    def timestamp_ns(self) -> int:
        """Now, in nanoseconds since the epoch (UTC)."""
        ...

    def set_time_alert(self, name: str, alert_ns: int, callback: TimeCallback) -> None:
        """Call ``callback`` once at ``alert_ns`` (on the next advance if already past)."""
        ...

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimeCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call ``callback`` every ``interval_ns`` from ``start_ns`` (or now) until ``stop_ns``."""
        ...

    def cancel_timer(self, name: str) -> None:
        """Stop a timer or alert; unknown names are ignored (cancel is idempotent)."""
        ...

    def timer_names(self) -> list[str]:
        """Names of the timers and alerts still pending, sorted."""
        ...


@dataclass(slots=True)
class _Timer:
    name: str
    callback: TimeCallback
    next_ns: int
    interval_ns: int  # 0 for a one-shot alert
    stop_ns: int | None
    generation: int
    cancelled: bool = field(default=False)


def _check_name(name: str) -> None:
    if not name:
        raise InvalidInputError("a timer needs a non-empty name")


def _check_interval(interval_ns: int) -> None:
    if interval_ns <= 0:
        raise InvalidInputError(f"timer interval must be positive, got {interval_ns} ns")


class SimulatedClock:
    """A clock that moves only when told to; used by backtests and tests.

    Time never goes backwards: advancing to an earlier instant is an error, because a backtest
    that did so would silently reorder events.
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._timers: dict[str, _Timer] = {}
        self._heap: list[tuple[int, int, _Timer]] = []
        self._seq = itertools.count()

    def timestamp_ns(self) -> int:
        return self._now

    def set_time(self, ts_ns: int) -> None:
        """Move time without firing timers (for feeding data that carries its own time)."""
        if ts_ns < self._now:
            raise StateError(f"simulated time cannot go back from {self._now} to {ts_ns}")
        self._now = ts_ns

    def _push(self, timer: _Timer) -> None:
        heapq.heappush(self._heap, (timer.next_ns, next(self._seq), timer))

    def _add(self, timer: _Timer) -> None:
        old = self._timers.get(timer.name)
        if old is not None:
            old.cancelled = True
        self._timers[timer.name] = timer
        self._push(timer)

    def set_time_alert(self, name: str, alert_ns: int, callback: TimeCallback) -> None:
        _check_name(name)
        self._add(_Timer(name, callback, max(alert_ns, self._now), 0, None, 0))

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimeCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        _check_name(name)
        _check_interval(interval_ns)
        start = self._now if start_ns is None else start_ns
        self._add(_Timer(name, callback, start + interval_ns, interval_ns, stop_ns, 0))

    def cancel_timer(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancelled = True

    def timer_names(self) -> list[str]:
        return sorted(self._timers)

    def next_event_ns(self) -> int | None:
        """When the next pending timer is due, or None."""
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def set_time_if_idle(self, ts_ns: int) -> bool:
        """Move time to ``ts_ns`` unless a timer is due by then; False means call `advance_to`.

        One call instead of `next_event_ns` plus `set_time` for every bar of a backtest, where
        a timer is rarely due: the backtest loop is hot enough for the saved call to show.
        """
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        if heap and heap[0][0] <= ts_ns:
            return False
        if ts_ns < self._now:
            raise StateError(f"simulated time cannot go back from {self._now} to {ts_ns}")
        self._now = ts_ns
        return True

    def advance_to(self, to_ns: int) -> int:
        """Fire every timer due up to and including ``to_ns`` in time order; returns the count.

        Each callback sees the clock at its own due time, and timers it sets that fall before
        ``to_ns`` fire in the same call.
        """
        if to_ns < self._now:
            raise StateError(f"simulated time cannot go back from {self._now} to {to_ns}")
        fired = 0
        while self._heap and self._heap[0][0] <= to_ns:
            due, _, timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            self._now = due
            if timer.interval_ns:
                nxt = due + timer.interval_ns
                if timer.stop_ns is None or nxt <= timer.stop_ns:
                    timer.next_ns = nxt
                    self._push(timer)
                else:
                    self._timers.pop(timer.name, None)
            else:
                self._timers.pop(timer.name, None)
            timer.callback(TimeEvent(timer.name, due, due))
            fired += 1
        self._now = to_ns
        return fired


class LiveClock:
    """Wall-clock time with timers scheduled on the running asyncio loop.

    Callbacks run on the loop's thread, so the kernel stays single-threaded; a callback that
    raises is reported to the loop's exception handler and does not stop other timers.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._handles: dict[str, asyncio.TimerHandle] = {}

    def timestamp_ns(self) -> int:
        return unix_nanos_now()

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _schedule(self, name: str, due_ns: int, fire: Callable[[int], None]) -> None:
        loop = self._get_loop()
        delay = max(0, due_ns - unix_nanos_now()) / 1e9
        self._handles[name] = loop.call_later(delay, fire, due_ns)

    def set_time_alert(self, name: str, alert_ns: int, callback: TimeCallback) -> None:
        _check_name(name)
        self.cancel_timer(name)

        def fire(due: int) -> None:
            self._handles.pop(name, None)
            callback(TimeEvent(name, due, unix_nanos_now()))

        self._schedule(name, alert_ns, fire)

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimeCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        _check_name(name)
        _check_interval(interval_ns)
        self.cancel_timer(name)
        first = (unix_nanos_now() if start_ns is None else start_ns) + interval_ns

        def fire(due: int) -> None:
            nxt = due + interval_ns
            if stop_ns is None or nxt <= stop_ns:
                self._schedule(name, nxt, fire)
            else:
                self._handles.pop(name, None)
            callback(TimeEvent(name, due, unix_nanos_now()))

        self._schedule(name, first, fire)

    def cancel_timer(self, name: str) -> None:
        handle = self._handles.pop(name, None)
        if handle is not None:
            handle.cancel()

    def timer_names(self) -> list[str]:
        return sorted(self._handles)
