"""Health basics: event-loop lag, and per venue its connection state and message age.

Loop lag is how late a timer wakes up: a sleep of ``interval`` that takes longer means something
held the loop. Percentiles are over the last samples only, so an old stall does not linger.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from app.core.bus import EventBus
from app.core.events import VenueState, VenueStatusChanged


@dataclass(frozen=True, slots=True)
class VenueHealth:
    venue: str
    state: VenueState
    detail: str
    message_age_ms: float | None


@dataclass(frozen=True, slots=True)
class LoopLag:
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: int


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


class Health:
    def __init__(
        self,
        bus: EventBus,
        *,
        lag_interval_ms: int,
        venue_stale_ms: int,
        last_message_ns: Callable[[], dict[str, int]],
        now_ns: Callable[[], int],
        window: int = 600,
    ) -> None:
        self._bus = bus
        self._interval = lag_interval_ms / 1000
        self._stale_ns = venue_stale_ms * 1_000_000
        self._last_message_ns = last_message_ns
        self._now_ns = now_ns
        self._lags: deque[float] = deque(maxlen=window)
        self._max_lag_ms = 0.0
        self._states: dict[str, tuple[VenueState, str]] = {}

    def on_status(self, venue: str, state: VenueState, detail: str) -> None:
        """Status sink for market feeds: record and publish changes only."""
        if self._states.get(venue) == (state, detail):
            return
        self._states[venue] = (state, detail)
        self._bus.publish(VenueStatusChanged(venue, state, detail))

    def check_venues(self) -> None:
        """A connected venue with no message for too long becomes STALE, and back."""
        now = self._now_ns()
        last = self._last_message_ns()
        for venue, (state, _) in list(self._states.items()):
            seen = last.get(venue)
            silent = seen is None or now - seen > self._stale_ns
            if state is VenueState.CONNECTED and silent:
                self.on_status(venue, VenueState.STALE, "no message")
            elif state is VenueState.STALE and not silent:
                self.on_status(venue, VenueState.CONNECTED, "")

    def venues(self) -> list[VenueHealth]:
        now = self._now_ns()
        last = self._last_message_ns()
        out = []
        for venue, (state, detail) in sorted(self._states.items()):
            seen = last.get(venue)
            age = None if seen is None else max(0.0, (now - seen) / 1e6)
            out.append(VenueHealth(venue, state, detail, age))
        return out

    def loop_lag(self) -> LoopLag:
        lags = list(self._lags)
        return LoopLag(percentile(lags, 50), percentile(lags, 99), self._max_lag_ms, len(lags))

    async def run(self) -> None:
        interval = self._interval
        while True:
            start = time.perf_counter()
            await asyncio.sleep(interval)
            lag_ms = max(0.0, (time.perf_counter() - start - interval) * 1000)
            self._lags.append(lag_ms)
            self._max_lag_ms = max(self._max_lag_ms, lag_ms)
            self.check_venues()
