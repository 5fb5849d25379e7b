"""An alerting service over loopback servers, with a clock the test moves."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from app.core.backoff import Backoff
from app.core.events import Alert
from app.core.secrets import Secret
from app.engine.alerting import AlertingService
from app.runtime.alert_settings import AlertsSettings

FAST = Backoff(0.001, max_s=0.005)


class Clock:
    """Monotonic time that moves when the service sleeps (a rate-limit wait) or the test says."""

    def __init__(self, wall: float = 1_800_000_000.0) -> None:
        self.t = 1_000.0
        self._wall0 = wall
        self.days: asyncio.Event | None = None  # set: long sleeps wait until it is set

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return self._wall0 + self.t - 1_000.0

    async def sleep(self, seconds: float) -> None:
        if seconds > 3_600 and self.days is not None:
            await self.days.wait()  # one long sleep per set()
            self.days.clear()
        self.t += seconds
        await asyncio.sleep(0)


def alerts_settings(channels: dict[str, dict[str, Any]], **over: Any) -> AlertsSettings:
    return AlertsSettings.model_validate({"channels": channels, **over})


class Rig:
    def __init__(self, service: AlertingService, clock: Clock, published: list[Alert]) -> None:
        self.service = service
        self.clock = clock
        self.published = published


@contextlib.asynccontextmanager
async def running(
    settings: AlertsSettings,
    secrets: dict[str, str] | None = None,
    *,
    run: bool = True,
    report: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[Rig]:
    """The service with ``secrets`` (by store name), its worker running until the block ends;
    alerts it publishes are fed back to it, as the bus does."""
    stored = {k: Secret(v) for k, v in (secrets or {}).items()}
    clock = clock or Clock()
    published: list[Alert] = []

    async def secret(name: str) -> Secret | None:
        return stored.get(name)

    def publish(alert: Alert) -> None:
        published.append(alert)
        service.on_alert(alert)

    service = AlertingService(
        settings,
        secrets=secret,
        publish=publish,
        report=report,
        now_s=clock.now,
        wall_s=clock.wall,
        sleep=clock.sleep,
        backoff=FAST,
        tick_s=0.005,
    )
    task = asyncio.create_task(service.run()) if run else None
    try:
        yield Rig(service, clock, published)
    finally:
        if task is not None:
            assert not task.done(), "the worker ended"
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def until(predicate: Callable[[], object], limit_s: float = 5.0) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.002)


async def settle(rounds: int = 20) -> None:
    """Let the worker run a few times (to see that nothing more is sent)."""
    for _ in range(rounds):
        await asyncio.sleep(0.005)
