"""Deadlines in market time: a wait ends when the market clock gets there, not the wall clock."""

from __future__ import annotations

import asyncio
import functools

import pytest

from app.core.clock import ManualClock
from app.engine.deadlines import Deadlines
from app.venues.gate import Gate

MS = 1_000_000
T0 = 1_800_000_000 * 1_000_000_000


async def settle_loop() -> None:
    """Let the callbacks of resolved futures run (a few loop passes, no wall time counted)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_sleep_ends_at_the_first_tick_at_or_after_its_deadline() -> None:
    clock = ManualClock(T0)
    deadlines = Deadlines(clock)
    sleep = deadlines.sleep_until(T0 + 100 * MS)
    assert deadlines.next_due_ns == T0 + 100 * MS
    assert deadlines.tick(T0 + 99 * MS) == 0
    await settle_loop()
    assert not sleep.done()
    assert deadlines.tick(T0 + 100 * MS) == 1
    await sleep
    assert deadlines.pending == 0
    assert deadlines.next_due_ns > T0 + 10**15  # nothing waited for


async def test_a_deadline_already_passed_resolves_at_once() -> None:
    deadlines = Deadlines(ManualClock(T0))
    sleep = deadlines.sleep_until(T0)
    assert sleep.done()
    assert deadlines.sleep_until(T0 - 5 * MS).done()
    assert deadlines.pending == 0


def note(ended: list[int], ms: int, _future: asyncio.Future[None]) -> None:
    ended.append(ms)


async def test_ticks_resolve_in_deadline_order_whatever_order_they_were_asked_in() -> None:
    deadlines = Deadlines(ManualClock(T0))
    ended: list[int] = []
    for ms in (30, 10, 20, 10):
        deadlines.sleep_until(T0 + ms * MS).add_done_callback(functools.partial(note, ended, ms))
    assert deadlines.next_due_ns == T0 + 10 * MS
    assert deadlines.tick(T0 + 15 * MS) == 2
    assert deadlines.next_due_ns == T0 + 20 * MS
    assert deadlines.tick(T0 + 60 * MS) == 2
    await settle_loop()
    assert ended == [10, 10, 20, 30]


async def test_wait_for_is_true_when_the_future_finishes_before_the_deadline() -> None:
    deadlines = Deadlines(ManualClock(T0))
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(deadlines.wait_for(future, T0 + 50 * MS))
    await settle_loop()
    future.set_result("filled")
    assert await waiting is True
    # the sleeper it no longer needs does not count as waiting
    assert deadlines.pending == 0


async def test_wait_for_is_false_at_the_deadline_and_leaves_a_given_future_alone() -> None:
    deadlines = Deadlines(ManualClock(T0))
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(deadlines.wait_for(future, T0 + 50 * MS))
    await settle_loop()
    assert not waiting.done()  # wall time passes, market time does not: still waiting
    deadlines.tick(T0 + 50 * MS)
    assert await waiting is False
    assert not future.cancelled()  # its owner may still wait for it
    future.set_result("late")


async def test_wait_for_a_coroutine_cancels_it_at_the_deadline() -> None:
    deadlines = Deadlines(ManualClock(T0))
    canceled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            canceled.set()
            raise

    waiting = asyncio.create_task(deadlines.wait_for(forever(), T0 + MS))
    await settle_loop()
    deadlines.tick(T0 + MS)
    assert await waiting is False
    assert canceled.is_set()


async def test_wait_for_a_coroutine_that_raises_raises() -> None:
    deadlines = Deadlines(ManualClock(T0))

    async def broken() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await deadlines.wait_for(broken(), T0 + MS)


async def test_wait_for_something_already_done_is_true_without_a_tick() -> None:
    deadlines = Deadlines(ManualClock(T0))
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    future.set_result(1)
    assert await deadlines.wait_for(future, T0 - MS) is True


async def test_cancel_all_ends_every_wait_as_a_timeout() -> None:
    deadlines = Deadlines(ManualClock(T0))
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiting = asyncio.create_task(deadlines.wait_for(future, T0 + 10_000 * MS))
    sleep = deadlines.sleep_until(T0 + 5 * MS)
    await settle_loop()
    assert deadlines.pending == 2
    assert deadlines.cancel_all() == 2
    assert await waiting is False
    assert sleep.cancelled()
    assert deadlines.tick(T0 + 10**12) == 0


async def test_many_waits_ended_early_do_not_pile_up_in_the_heap() -> None:
    deadlines = Deadlines(ManualClock(T0))
    for _ in range(5_000):
        sleeper = deadlines.sleep_until(T0 + 60_000 * MS)
        sleeper.cancel()  # as wait_for does when its future finished first
    kept = deadlines.sleep_until(T0 + 70_000 * MS)
    assert deadlines.pending == 1
    assert deadlines.held <= 512  # swept as it went, not 5,001
    deadlines.tick(T0 + 70_000 * MS)
    assert kept.done()


async def test_run_ticks_on_wall_time_when_no_quote_comes() -> None:
    clock = ManualClock(T0)
    deadlines = Deadlines(clock)
    sleep = deadlines.sleep_until(T0 + 10 * MS)
    poll = asyncio.create_task(deadlines.run(poll_s=0.001))
    try:
        clock.set(T0 + 10 * MS)  # the clock moved (live: wall time), nobody called tick
        await asyncio.wait_for(sleep, timeout=10)  # a bound, not a measurement
    finally:
        poll.cancel()


async def test_a_pause_gives_the_gate_up_and_takes_it_again_at_the_quote_of_its_deadline() -> None:
    """A step pausing inside a replay at maximum speed: the feed may move on while it waits, and
    is held again at the very quote that reaches the deadline, before the step even resumes."""
    clock = ManualClock(T0)
    gate = Gate()
    deadlines = Deadlines(clock, gate)
    gate.enter()  # the step holds it
    pausing = asyncio.ensure_future(deadlines.pause_ms(250))
    await settle_loop()
    assert gate.busy == 0 and not pausing.done()  # the market may move
    clock.set(T0 + 249_000_000)
    deadlines.tick(clock.now_ns())
    assert gate.busy == 0
    clock.set(T0 + 250_000_000)
    deadlines.tick(clock.now_ns())
    assert gate.busy == 1  # held at this quote, synchronously
    await pausing
    assert gate.busy == 1
    gate.leave()
