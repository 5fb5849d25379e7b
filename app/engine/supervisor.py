"""One supervisor for every long-lived engine task: nothing the engine runs can die silently.

Three shapes of work run under it:
- ``run(name, factory)``: a long-lived coroutine (the feed, the control server, a stream). If it
  raises, it is restarted with backoff; it counts as healthy again once it has run for
  ``healthy_after_s`` without failing.
- ``guard(name, tick)``: one step of a periodic job (a market timer: revaluation, the automatic
  halts). A step that raises is recorded, and the next step runs on schedule; a step that passes
  clears the count.
- ``spawn(name, coro)``: a one-shot task (settling an order, reconciling a venue). Its failure is
  recorded; the task is released when it ends.

Every failure is logged with its trace id and its traceback and published as a CRITICAL alert. A
*safety* task (halts, panic, reconciliation, settling orders) that fails ``SAFETY_FAILURES`` times
in a row calls ``on_safety_failure``, which halts trading: a guard that no longer guards must not
leave trading running as if it did. Health (state, restarts, last error) is kept per name for
``arbdesk status --json`` and the window's health tooltip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.core.backoff import Backoff
from app.core.bus import EventBus
from app.core.events import Alert, AlertLevel

log = logging.getLogger(__name__)

SAFETY_FAILURES = 2
RESTART_BACKOFF = Backoff(0.5, max_s=30.0)
TaskState = Literal["running", "restarting", "done", "failed", "stopped"]
SafetyFailure = Callable[[str, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TaskHealth:
    """What one supervised task (or family of one-shot tasks, by name) is doing."""

    name: str
    state: TaskState
    safety: bool
    restarts: int = 0
    failures: int = 0  # in a row; a success clears it
    last_error: str = ""
    last_trace_id: str = ""


async def _no_halt(name: str, error: str) -> None:
    return None


class Supervisor:
    def __init__(
        self,
        bus: EventBus,
        now_ns: Callable[[], int],
        *,
        on_safety_failure: SafetyFailure = _no_halt,
        backoff: Backoff = RESTART_BACKOFF,
        healthy_after_s: float = 30.0,
    ) -> None:
        self._bus = bus
        self._now_ns = now_ns
        self.on_safety_failure = on_safety_failure
        self._backoff = backoff
        self._healthy_after_s = healthy_after_s
        self._health: dict[str, TaskHealth] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._halting = False
        self.failures_total = 0

    # -- the three shapes ------------------------------------------------------------------

    def run(
        self,
        name: str,
        factory: Callable[[], Coroutine[Any, Any, None]],
        *,
        safety: bool = False,
        restart: bool = True,
    ) -> asyncio.Task[None]:
        """Start a long-lived task; restarted with backoff after each failure."""
        self._health[name] = TaskHealth(name, "running", safety)
        return self._start(self._loop(name, factory, safety, restart), name)

    def guard(
        self, name: str, tick: Callable[[int], None], *, safety: bool = False
    ) -> Callable[[int], None]:
        """Wrap one step of a periodic job, a plain callback run inline (a market timer's, given
        the market time): a failure is recorded and alerted, never raised to the timer."""
        self._health.setdefault(name, TaskHealth(name, "running", safety))

        def guarded(now_ns: int) -> None:
            try:
                tick(now_ns)
            except Exception as exc:
                if self._record_failure(name, exc, safety, f"task:{name}"):
                    self._start(self._halt(name), f"halt-after-{name}")
            else:
                self._succeeded(name)

        return guarded

    def spawn(
        self,
        name: str,
        coro: Coroutine[Any, Any, None],
        *,
        safety: bool = False,
        trace_id: str = "",
    ) -> asyncio.Task[None]:
        """A one-shot task, released when it ends; its failure is recorded and alerted."""
        self._health.setdefault(name, TaskHealth(name, "running", safety))
        return self._start(self._once(name, coro, safety, trace_id), name)

    # -- reading -----------------------------------------------------------------------------

    def health(self) -> tuple[TaskHealth, ...]:
        return tuple(self._health[name] for name in sorted(self._health))

    @property
    def active(self) -> int:
        """Tasks alive now (long-lived and one-shot)."""
        return len(self._tasks)

    async def stop(self) -> None:
        """Cancel every task and wait for them (the engine's shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for name, health in self._health.items():
            if health.state in ("running", "restarting"):
                self._health[name] = replace(health, state="stopped")

    # -- inside ------------------------------------------------------------------------------

    def _start(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _loop(
        self,
        name: str,
        factory: Callable[[], Coroutine[Any, Any, None]],
        safety: bool,
        restart: bool,
    ) -> None:
        delays = self._backoff.delays()
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            self._set(name, state="running")
            try:
                await factory()
            except asyncio.CancelledError:
                self._set(name, state="stopped")
                raise
            except Exception as exc:
                if time.monotonic() - started >= self._healthy_after_s:
                    self._succeeded(name)  # it ran well for a while: this failure is a new one
                    delays = self._backoff.delays()
                await self._failed(name, exc, safety, trace_id=f"task:{name}:{attempt}")
                if not restart:
                    return
                self._set(name, state="restarting", restarts=self._health[name].restarts + 1)
                await asyncio.sleep(next(delays))
            else:
                self._set(name, state="done")
                return

    async def _once(
        self, name: str, coro: Coroutine[Any, Any, None], safety: bool, trace_id: str
    ) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self._failed(name, exc, safety, trace_id=trace_id or f"task:{name}")
        else:
            self._succeeded(name)

    def _set(self, name: str, **changes: Any) -> None:
        self._health[name] = replace(self._health[name], **changes)

    def _succeeded(self, name: str) -> None:
        health = self._health[name]
        if health.failures or health.state == "failed":
            self._health[name] = replace(health, state="running", failures=0)

    async def _failed(self, name: str, exc: BaseException, safety: bool, *, trace_id: str) -> None:
        if self._record_failure(name, exc, safety, trace_id):
            await self._halt(name)

    def _record_failure(self, name: str, exc: BaseException, safety: bool, trace_id: str) -> bool:
        """Log, count and alert; True when a safety task has now failed too often in a row (a
        caller that cannot wait has the halt run as a task of its own)."""
        self.failures_total += 1
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        health = self._health[name]
        failures = health.failures + 1
        self._health[name] = replace(
            health, state="failed", failures=failures, last_error=error, last_trace_id=trace_id
        )
        log.critical("task %s failed [trace %s]: %s", name, trace_id, error, exc_info=exc)
        message = f"task {name} failed: {error}"
        self._bus.publish(Alert(AlertLevel.CRITICAL, "supervisor", message, self._now_ns()))
        return safety and failures >= SAFETY_FAILURES and not self._halting

    async def _halt(self, name: str) -> None:
        if self._halting:
            return
        self._halting = True
        health = self._health[name]
        message = f"safety task {name} failed {health.failures} times in a row: {health.last_error}"
        try:
            await self.on_safety_failure(name, message)
        except Exception:
            log.critical("halting after the failure of %s failed too", name, exc_info=True)
        finally:
            self._halting = False
