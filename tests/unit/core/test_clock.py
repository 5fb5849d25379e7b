"""clock: wall time live, manual time in a replay."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from app.core.clock import Clock, ManualClock, WallClock


def test_manual_clock_starts_where_told() -> None:
    assert ManualClock().now_ns() == 0
    assert ManualClock(123).now_ns() == 123


def test_manual_clock_moves_forward_only() -> None:
    clock = ManualClock(100)
    clock.set(200)
    assert clock.now_ns() == 200
    clock.set(150)  # backwards: ignored
    assert clock.now_ns() == 200
    clock.set(200)
    assert clock.now_ns() == 200
    clock.set(201)
    assert clock.now_ns() == 201


@given(st.integers(0, 2**62), st.lists(st.integers(0, 2**62), max_size=50))
def test_manual_clock_never_goes_backwards(start: int, sets: list[int]) -> None:
    clock = ManualClock(start)
    previous = clock.now_ns()
    high = start
    for t in sets:
        clock.set(t)
        now = clock.now_ns()
        high = max(high, t)
        assert now >= previous
        assert now == high
        previous = now


def test_wall_clock_is_the_time_of_day() -> None:
    before = time.time_ns()
    now = WallClock().now_ns()
    after = time.time_ns()
    assert isinstance(now, int)
    assert before <= now <= after


def test_both_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [WallClock(), ManualClock(5)]
    assert all(isinstance(c.now_ns(), int) for c in clocks)
