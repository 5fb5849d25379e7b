from __future__ import annotations

import asyncio
import time

from app.core.bus import EventBus
from app.core.events import VenueState, VenueStatusChanged
from app.engine.health import Health, percentile

MS = 1_000_000


def make(last: dict[str, int], now: list[int]) -> tuple[Health, list[VenueStatusChanged]]:
    bus = EventBus()
    seen: list[VenueStatusChanged] = []
    bus.subscribe(VenueStatusChanged, seen.append)
    health = Health(
        bus,
        lag_interval_ms=10,
        venue_stale_ms=1000,
        last_message_ns=lambda: dict(last),
        now_ns=lambda: now[0],
    )
    return health, seen


def test_status_changes_are_published_once() -> None:
    health, seen = make({}, [0])
    health.on_status("a", VenueState.CONNECTED, "")
    health.on_status("a", VenueState.CONNECTED, "")
    health.on_status("a", VenueState.DOWN, "timeout")
    assert [(e.venue, e.state, e.detail) for e in seen] == [
        ("a", VenueState.CONNECTED, ""),
        ("a", VenueState.DOWN, "timeout"),
    ]


def test_silent_venue_turns_stale_and_recovers_with_message_age() -> None:
    last = {"a": 0}
    now = [500 * MS]
    health, seen = make(last, now)
    health.on_status("a", VenueState.CONNECTED, "")
    health.check_venues()
    assert health.venues()[0].state is VenueState.CONNECTED
    assert health.venues()[0].message_age_ms == 500
    now[0] = 2000 * MS
    health.check_venues()
    assert health.venues()[0].state is VenueState.STALE
    last["a"] = 1900 * MS
    health.check_venues()
    assert health.venues()[0].state is VenueState.CONNECTED
    assert [e.state for e in seen] == [VenueState.CONNECTED, VenueState.STALE, VenueState.CONNECTED]


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([], 99) == 0


async def test_a_blocked_loop_shows_as_lag() -> None:
    health, _ = make({}, [0])
    task = asyncio.create_task(health.run())
    await asyncio.sleep(0.03)
    time.sleep(0.08)  # noqa: ASYNC251 - holds the loop on purpose, as a slow handler would
    await asyncio.sleep(0.03)
    task.cancel()
    lag = health.loop_lag()
    assert lag.samples >= 2
    assert lag.max_ms >= 60
