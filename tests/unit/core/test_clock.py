from __future__ import annotations

import asyncio

import pytest

from jts.core.clock import Clock, LiveClock, SimulatedClock, TimeEvent
from jts.core.errors import InvalidInputError, StateError


def test_simulated_clock_fires_in_time_order_with_ties_in_set_order() -> None:
    clock = SimulatedClock(start_ns=0)
    fired: list[tuple[str, int, int]] = []

    def record(event: TimeEvent) -> None:
        fired.append((event.name, event.ts_event, clock.timestamp_ns()))

    clock.set_time_alert("b", 20, record)
    clock.set_time_alert("a", 10, record)
    clock.set_time_alert("c", 20, record)  # same instant as b, set later
    clock.set_timer("t", 15, record, stop_ns=45)
    assert clock.advance_to(50) == 6
    assert fired == [
        ("a", 10, 10),
        ("t", 15, 15),
        ("b", 20, 20),
        ("c", 20, 20),
        ("t", 30, 30),
        ("t", 45, 45),
    ]
    assert clock.timestamp_ns() == 50
    assert clock.timer_names() == []


def test_timers_set_inside_callbacks_fire_in_same_advance() -> None:
    clock = SimulatedClock()
    fired: list[int] = []

    def chain(event: TimeEvent) -> None:
        fired.append(event.ts_event)
        if event.ts_event < 30:
            clock.set_time_alert("chain", event.ts_event + 10, chain)

    clock.set_time_alert("chain", 10, chain)
    clock.advance_to(100)
    assert fired == [10, 20, 30]


def test_cancel_and_replace() -> None:
    clock = SimulatedClock()
    fired: list[str] = []
    clock.set_timer("t", 10, lambda e: fired.append("old"))
    clock.set_timer("t", 10, lambda e: fired.append("new"))  # replaces
    clock.set_time_alert("gone", 5, lambda e: fired.append("gone"))
    clock.cancel_timer("gone")
    clock.cancel_timer("never-set")
    clock.advance_to(10)
    assert fired == ["new"]
    assert clock.next_event_ns() == 20


def test_time_never_goes_back_and_bad_timers_refused() -> None:
    clock = SimulatedClock(start_ns=100)
    with pytest.raises(StateError):
        clock.advance_to(50)
    with pytest.raises(StateError):
        clock.set_time(99)
    with pytest.raises(InvalidInputError):
        clock.set_timer("x", 0, lambda e: None)
    with pytest.raises(InvalidInputError):
        clock.set_time_alert("", 200, lambda e: None)


def test_past_alert_fires_on_next_advance() -> None:
    clock = SimulatedClock(start_ns=100)
    fired: list[int] = []
    clock.set_time_alert("late", 10, lambda e: fired.append(e.ts_event))
    clock.advance_to(100)
    assert fired == [100]


def test_both_clocks_satisfy_the_port() -> None:
    assert isinstance(SimulatedClock(), Clock)
    assert isinstance(LiveClock(), Clock)


async def test_live_clock_fires_timers_in_order() -> None:
    clock = LiveClock()
    fired: list[str] = []
    done = asyncio.Event()
    now = clock.timestamp_ns()

    def record(event: TimeEvent) -> None:
        fired.append(event.name)
        assert event.ts_init >= event.ts_event - 1_000_000  # never early by more than a ms
        if len(fired) == 4:
            done.set()

    clock.set_time_alert("second", now + 20_000_000, record)
    clock.set_time_alert("first", now + 5_000_000, record)
    clock.set_timer("tick", 30_000_000, record, stop_ns=now + 65_000_000)
    await asyncio.wait_for(done.wait(), timeout=2)
    assert fired == ["first", "second", "tick", "tick"]
    await asyncio.sleep(0.05)
    assert fired == ["first", "second", "tick", "tick"]  # stopped after stop_ns
    assert clock.timer_names() == []
    clock.set_time_alert("x", now + 10**12, record)
    clock.cancel_timer("x")
    assert clock.timer_names() == []


def test_set_time_if_idle_moves_only_when_no_timer_is_due() -> None:
    clock = SimulatedClock(start_ns=0)
    fired: list[int] = []
    clock.set_time_alert("a", 100, lambda e: fired.append(e.ts_event))
    assert clock.set_time_if_idle(99) is True
    assert clock.timestamp_ns() == 99
    assert clock.set_time_if_idle(100) is False  # due: the caller must advance instead
    assert clock.timestamp_ns() == 99
    assert fired == []
    clock.advance_to(100)
    assert fired == [100]
    clock.set_time_alert("b", 200, lambda e: fired.append(e.ts_event))
    clock.cancel_timer("b")
    assert clock.set_time_if_idle(300) is True  # a cancelled timer does not count
    with pytest.raises(StateError):
        clock.set_time_if_idle(299)
