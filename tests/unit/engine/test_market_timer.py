"""Timers on the market clock: runs per market minute do not depend on how fast time passes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable

import pytest

from app.core.clock import ManualClock
from app.engine.market_timer import MarketTimers
from tests.support.engines import eventually

S = 1_000_000_000
T0 = 1_800_000_000 * S


def test_a_timer_runs_at_the_first_advance_then_once_per_interval_of_market_time() -> None:
    calls: list[int] = []
    timers = MarketTimers(ManualClock(T0))
    timers.add("t", 1_000, calls.append)
    # one market minute in quotes 10 ms apart, as a replay at any speed delivers them
    for i in range(6_000):
        now = T0 + i * 10_000_000
        if now >= timers.next_due_ns:
            timers.advance(now)
    assert len(calls) == 60
    assert calls[0] == T0
    assert all(b - a == S for a, b in itertools.pairwise(calls))
    assert timers.runs() == {"t": 60}


def test_a_gap_in_market_time_runs_a_timer_once_not_once_per_missed_interval() -> None:
    calls: list[int] = []
    timers = MarketTimers(ManualClock(T0))
    timers.add("t", 1_000, calls.append)
    timers.advance(T0)
    timers.advance(T0 + 3_600 * S)
    timers.advance(T0 + 3_600 * S + S // 2)  # not due yet
    assert calls == [T0, T0 + 3_600 * S]
    assert timers.next_due_ns == T0 + 3_601 * S


def test_timers_due_together_run_in_the_order_they_were_added() -> None:
    order: list[str] = []
    timers = MarketTimers(ManualClock(T0))
    timers.add("revalue", 1_000, lambda now: order.append("revalue"))
    timers.add("halts", 1_000, lambda now: order.append("halts"))
    timers.add("fast", 250, lambda now: order.append("fast"))
    timers.advance(T0)
    timers.advance(T0 + S // 4)
    timers.advance(T0 + S)
    assert order == ["revalue", "halts", "fast", "fast", "revalue", "halts", "fast"]


def test_a_failing_timer_is_counted_and_the_others_still_run() -> None:
    good: list[int] = []

    def bad(now_ns: int) -> None:
        raise RuntimeError("boom")

    timers = MarketTimers(ManualClock(T0))
    timers.add("bad", 1_000, bad)
    timers.add("good", 1_000, good.append)
    timers.advance(T0)
    timers.advance(T0 + S)
    assert len(good) == 2
    stats = {s.name: s for s in timers.stats()}
    assert (stats["bad"].runs, stats["bad"].errors) == (2, 2)
    assert (stats["good"].runs, stats["good"].errors) == (2, 0)


def test_intervals_must_be_positive_and_names_unique() -> None:
    timers = MarketTimers(ManualClock(T0))
    with pytest.raises(ValueError, match="> 0"):
        timers.add("t", 0, lambda now: None)
    timers.add("t", 10, lambda now: None)
    with pytest.raises(ValueError, match="already"):
        timers.add("t", 10, lambda now: None)
    timers.remove("t")
    assert timers.runs() == {}


async def test_the_wall_time_poll_runs_timers_when_the_clock_moves_without_quotes() -> None:
    clock = ManualClock(T0)
    calls: list[int] = []
    timers = MarketTimers(clock)
    timers.add("staleness", 250, calls.append)
    task = asyncio.create_task(timers.run(poll_s=0.001))
    try:
        await eventually(lambda: len(calls) == 1, what="the first run")
        clock.set(T0 + S)  # market time passes (live: wall time), no quote comes
        await eventually(lambda: len(calls) == 2, what="the run one second later")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert calls == [T0, T0 + S]


def test_each_callback_is_handed_to_the_guard_as_it_is_added() -> None:
    guarded: list[str] = []
    calls: list[tuple[str, int]] = []

    def guard(name: str, callback: Callable[[int], None]) -> Callable[[int], None]:
        guarded.append(name)
        return lambda now: calls.append((name, now))

    timers = MarketTimers(ManualClock(T0), guard=guard)
    timers.add("halts", 1_000, lambda now: None)
    timers.advance(T0)
    assert guarded == ["halts"] and calls == [("halts", T0)]
