"""Periodic work on the market clock: as often per market minute at ``--speed max`` as at 1.

A timer on ``asyncio.sleep`` counts wall seconds: a replay at maximum speed passes an hour of
market time in seconds, so searches, revaluations and the automatic halts ran a handful of times
in a whole replay. Here market time drives them. ``MarketData.on_quote`` compares each quote's
time with ``next_due_ns`` (one integer comparison per quote, the whole cost on the hot path) and
calls ``advance`` when it is reached; the due callbacks then run inline, at the quote that crossed
their due time, so a replay makes the same calls in the same order at any speed.

Due times lie on a grid of each timer's interval counted from the epoch of the clock (like
funding times), so a timer runs once per interval of market time however the quotes fall, and a
gap in the data runs it once, not once per missed interval. A new timer runs at the first
``advance``. ``run`` adds a wall-time poll of the clock for when no quote comes: live the clock is
wall time and the simulated market's clock moves between quotes, so a dead stream still goes
stale and the halts still run; a replay's clock stands still between its quotes, as its market
does. (Health's loop-lag timer stays on wall time: it measures the event loop, not the market.)

Callbacks are plain methods taking the market time. The engine hands each one to its supervisor
as it is added (``guard``: a failure is logged with its trace id, alerted, and a safety timer that
fails twice in a row halts trading); without a guard, a callback that raises is logged and
counted. Either way it runs again at its next due time: a timer never takes the quote path down
with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.core.clock import Clock

log = logging.getLogger(__name__)

TimerCallback = Callable[[int], None]
#: Wraps a timer's callback as it is added (``Supervisor.guard``), given the timer's name.
Guard = Callable[[str, TimerCallback], TimerCallback]

_NEVER = 2**63 - 1
#: Bounds of the wall-time poll: often enough for the shortest timer at real time, never busy.
_MIN_POLL_S = 0.01
_MAX_POLL_S = 1.0


@dataclass(frozen=True, slots=True)
class TimerStats:
    name: str
    interval_ms: float
    runs: int
    errors: int


@dataclass(slots=True)
class _Timer:
    name: str
    interval_ns: int
    callback: TimerCallback
    due_ns: int = 0  # 0: at the first advance
    runs: int = 0
    errors: int = 0


class MarketTimers:
    """Named periodic callbacks, due in market time, fired by ``advance``."""

    __slots__ = ("_clock", "_firing", "_guard", "_timers", "next_due_ns")

    def __init__(self, clock: Clock, *, guard: Guard | None = None) -> None:
        #: The earliest due time of any timer: callers compare a quote's time with it.
        self.next_due_ns = _NEVER
        self._clock = clock
        self._timers: list[_Timer] = []
        self._guard = guard
        self._firing = False

    def add(self, name: str, interval_ms: float, callback: TimerCallback) -> None:
        """Run ``callback(now_ns)`` every ``interval_ms`` of market time, first at the next
        ``advance``; timers due at the same time run in the order they were added."""
        interval_ns = int(interval_ms * 1_000_000)
        if interval_ns <= 0:
            raise ValueError(f"timer {name}: interval must be > 0 ms, got {interval_ms!r}")
        if any(t.name == name for t in self._timers):
            raise ValueError(f"timer {name} already exists")
        if self._guard is not None:
            callback = self._guard(name, callback)
        self._timers.append(_Timer(name, interval_ns, callback))
        self.next_due_ns = 0

    def remove(self, name: str) -> None:
        self._timers = [t for t in self._timers if t.name != name]
        self.next_due_ns = min((t.due_ns for t in self._timers), default=_NEVER)

    def advance(self, now_ns: int) -> None:
        """Run every timer due at ``now_ns`` (market time), each at most once."""
        if now_ns < self.next_due_ns or self._firing:
            return
        self._firing = True
        try:
            earliest = _NEVER
            for timer in self._timers:
                if now_ns >= timer.due_ns:
                    interval = timer.interval_ns
                    timer.due_ns = (now_ns // interval + 1) * interval
                    timer.runs += 1
                    try:
                        timer.callback(now_ns)
                    except Exception as exc:
                        self._failed(timer, exc)
                if timer.due_ns < earliest:
                    earliest = timer.due_ns
            self.next_due_ns = earliest
        finally:
            self._firing = False

    def _failed(self, timer: _Timer, exc: Exception) -> None:
        timer.errors += 1
        log.exception("timer %s failed (run %d)", timer.name, timer.runs)

    async def run(self, poll_s: float | None = None) -> None:
        """Poll the clock on wall time, for when no quote advances it (never returns)."""
        if poll_s is None:
            shortest = min((t.interval_ns for t in self._timers), default=int(_MAX_POLL_S * 1e9))
            poll_s = min(max(shortest / 1e9, _MIN_POLL_S), _MAX_POLL_S)
        clock = self._clock
        while True:
            await asyncio.sleep(poll_s)
            self.advance(clock.now_ns())

    def runs(self) -> dict[str, int]:
        """Runs per timer since it was added."""
        return {t.name: t.runs for t in self._timers}

    def stats(self) -> tuple[TimerStats, ...]:
        return tuple(
            TimerStats(t.name, t.interval_ns / 1e6, t.runs, t.errors) for t in self._timers
        )
