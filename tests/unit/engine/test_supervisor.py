"""The supervisor: a failing task is logged, alerted and restarted; a safety task that keeps
failing halts trading; finished one-shot tasks are released."""

from __future__ import annotations

import asyncio
import random

import pytest

from app.core.backoff import Backoff
from app.core.bus import EventBus
from app.core.events import Alert, AlertLevel
from app.engine.supervisor import Supervisor
from tests.support.engines import eventually

FAST = Backoff(0.001, max_s=0.002)


def make(halts: list[str] | None = None) -> tuple[Supervisor, list[Alert]]:
    bus = EventBus()
    alerts: list[Alert] = []
    bus.subscribe(Alert, alerts.append)

    async def halt(name: str, message: str) -> None:
        if halts is not None:
            halts.append(message)

    return Supervisor(bus, lambda: 7, on_safety_failure=halt, backoff=FAST), alerts


async def test_a_long_lived_task_that_raises_is_alerted_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor, alerts = make()
    starts: list[int] = []

    async def flaky() -> None:
        starts.append(1)
        if len(starts) < 3:
            raise RuntimeError("stream dropped")
        await asyncio.Event().wait()

    supervisor.run("stream", flaky)
    await eventually(lambda: len(starts) == 3, what="two restarts")
    (health,) = supervisor.health()
    assert (health.name, health.state, health.restarts) == ("stream", "running", 2)
    assert health.last_error == "RuntimeError: stream dropped"
    assert [a.level for a in alerts] == [AlertLevel.CRITICAL] * 2
    assert "trace task:stream:1" in caplog.text and "Traceback" in caplog.text
    await supervisor.stop()
    assert supervisor.health()[0].state == "stopped"


async def test_a_guarded_tick_that_raises_once_does_not_stop_the_next_ticks() -> None:
    supervisor, alerts = make()
    runs: list[int] = []

    def tick(now_ns: int) -> None:
        runs.append(now_ns)
        if len(runs) == 1:
            raise ValueError("bad valuation")

    guarded = supervisor.guard("halts", tick, safety=True)
    for now in range(3):
        guarded(now)  # never raises
    assert len(runs) == 3
    (health,) = supervisor.health()
    assert health.failures == 0 and health.state == "running"
    assert len(alerts) == 1


async def test_a_safety_task_failing_twice_in_a_row_halts_trading() -> None:
    halts: list[str] = []
    supervisor, _ = make(halts)

    def broken(now_ns: int) -> None:
        raise ZeroDivisionError("no equity")

    guarded = supervisor.guard("halts", broken, safety=True)
    guarded(1)
    await asyncio.sleep(0)
    assert halts == []
    guarded(2)
    await eventually(lambda: len(halts) == 1, what="the halt")
    assert halts == ["safety task halts failed 2 times in a row: ZeroDivisionError: no equity"]


async def test_an_ordinary_task_failing_does_not_halt() -> None:
    halts: list[str] = []
    supervisor, _ = make(halts)

    async def broken() -> None:
        raise OSError("disk")

    for _ in range(3):
        supervisor.spawn("samples", broken())
    await eventually(lambda: supervisor.active == 0, what="the tasks to end")
    assert halts == []
    assert supervisor.health()[0].failures == 3


async def test_finished_one_shot_tasks_are_released() -> None:
    supervisor, _ = make()

    async def quick() -> None:
        await asyncio.sleep(0)

    for _ in range(50):
        supervisor.spawn("settle", quick())
    await eventually(lambda: supervisor.active == 0, what="the tasks to end")
    assert supervisor.failures_total == 0


def test_backoff_doubles_to_its_cap_with_bounded_jitter() -> None:
    plain = Backoff(0.25, max_s=2.0, jitter=0).delays()
    assert [next(plain) for _ in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    jittered = Backoff(1.0, max_s=1.0, jitter=0.2).delays(random.Random(1))
    assert all(0.8 <= next(jittered) <= 1.0 for _ in range(100))
    with pytest.raises(ValueError):
        Backoff(1.0, jitter=1.0)


async def test_an_inline_timer_callback_failing_twice_halts_through_a_task() -> None:
    halts: list[str] = []
    supervisor, alerts = make(halts)
    calls: list[int] = []

    def check_halts(now_ns: int) -> None:
        calls.append(now_ns)
        raise KeyError("venue")

    guarded = supervisor.guard("halts", check_halts, safety=True)
    guarded(1)  # never raises: the quote path that ran it goes on
    guarded(2)
    await eventually(lambda: len(halts) == 1, what="the halt")
    assert calls == [1, 2] and len(alerts) == 2
    assert halts[0].startswith("safety task halts failed 2 times in a row: KeyError")


def test_a_first_wait_longer_than_the_cap_is_kept() -> None:
    delays = Backoff(600, max_s=30, jitter=0).delays()
    assert [next(delays) for _ in range(3)] == [600, 600, 600]
