"""The line that keeps one instrument's KIS submissions in the order they were made."""

from __future__ import annotations

import asyncio

from jts.adapters.kis.execution import _Turns


async def test_turns_go_in_joining_order_and_a_newcomer_never_jumps_the_line() -> None:
    turns = _Turns()
    first = turns.join()
    second, third = turns.join(), turns.join()
    assert first.now
    assert not second.now
    assert not third.now
    order: list[str] = []

    async def take(name: str, turn: object) -> None:
        await turn.wait()  # type: ignore[attr-defined]
        order.append(name)
        turn.release()  # type: ignore[attr-defined]

    waiting = [
        asyncio.create_task(take("third", third)),
        asyncio.create_task(take("second", second)),
    ]
    await asyncio.sleep(0)
    first.release()
    late = turns.join()  # the turn was handed to `second`: the newcomer waits behind `third`
    assert not late.now
    await asyncio.gather(*waiting)
    assert order == ["second", "third"]
    await late.wait()
    late.release()
    assert turns.join().now  # the line is empty again


async def test_leaving_the_line_before_the_turn_never_blocks_it() -> None:
    turns = _Turns()
    holder, gone, next_ = turns.join(), turns.join(), turns.join()
    gone.release()  # e.g. its task was cancelled before it ran
    gone.release()  # idempotent
    holder.release()
    await asyncio.wait_for(next_.wait(), 1)
    next_.release()
    assert turns.join().now


async def test_a_task_cancelled_while_waiting_leaves_the_line() -> None:
    turns = _Turns()
    holder, victim, after = turns.join(), turns.join(), turns.join()
    task = asyncio.create_task(victim.wait())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    victim.release()  # what the task's done-callback does
    holder.release()
    await asyncio.wait_for(after.wait(), 1)
    after.release()
    holder.release()  # released twice: no effect on the line
    assert turns.join().now


async def test_a_granted_turn_released_by_its_holder_goes_to_the_next() -> None:
    turns = _Turns()
    holder, granted, after = turns.join(), turns.join(), turns.join()
    holder.release()
    await granted.wait()
    granted.release()  # e.g. the task ended before KIS answered
    await asyncio.wait_for(after.wait(), 1)
    after.release()
    assert turns.join().now


async def test_a_turn_handed_to_a_task_cancelled_before_it_ran_is_passed_on() -> None:
    turns = _Turns()
    holder, victim, after = turns.join(), turns.join(), turns.join()
    task = asyncio.create_task(victim.wait())
    await asyncio.sleep(0)
    holder.release()  # the turn is the victim's now ...
    task.cancel()  # ... but its task is cancelled before it runs again
    await asyncio.gather(task, return_exceptions=True)
    victim.release()
    await asyncio.wait_for(after.wait(), 1)
    after.release()
    assert turns.join().now
