"""One-shot waits in market time: a leg's timeout, a maker order's fallback, a bot's cooldown.

``asyncio.sleep`` counts wall seconds, so a replay at ``--speed max`` would pass a five-second
timeout in a few milliseconds of wall time, or never reach it while the market stands still;
either way two runs of the same file would differ. Here a wait ends when the market clock
reaches its deadline: ``tick(now_ns)`` is called with the market time on every quote (and from a
wall-time poll, ``run``, when no quote comes: live the clock is wall time) and resolves what is
due. The waits sit in a heap; ``tick`` compares ``now_ns`` with the earliest deadline
(``next_due_ns``) and does nothing else when nothing is due, so the quote path pays one
comparison.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any

from app.core.clock import Clock
from app.venues.gate import Gate

_NEVER = 2**63 - 1
#: A heap this long is swept of waits ended early (canceled) once they make up half of it.
_SWEEP_AT = 256


class Deadlines:
    """Futures resolved when market time reaches their deadline (see the module docstring)."""

    __slots__ = ("_clock", "_gate", "_gated", "_heap", "_seq", "_sweep_at", "next_due_ns")

    def __init__(self, clock: Clock, gate: Gate | None = None) -> None:
        #: The earliest deadline waited for (a very large number when none is).
        self.next_due_ns = _NEVER
        self._clock = clock
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()  # ties broken by arrival: no future is ever compared
        self._sweep_at = _SWEEP_AT
        #: Released while a ``wait_for`` waits: a replay at maximum speed holds its next quote
        #: while the order path is busy, and market time must pass for a deadline to come.
        self._gate = gate
        self._gated: set[asyncio.Future[None]] = set()  # sleepers that gave the gate up

    def now_ns(self) -> int:
        return self._clock.now_ns()

    def sleep_until(self, deadline_ns: int) -> asyncio.Future[None]:
        """A future resolved by the first ``tick`` at or after ``deadline_ns`` (at once if the
        clock is already there). Canceling it withdraws the wait."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._clock.now_ns() >= deadline_ns:
            future.set_result(None)
            return future
        heapq.heappush(self._heap, (deadline_ns, next(self._seq), future))
        if deadline_ns < self.next_due_ns:
            self.next_due_ns = deadline_ns
        if len(self._heap) >= self._sweep_at:
            self._sweep()
        return future

    async def wait_for(self, awaitable: Awaitable[Any], deadline_ns: int) -> bool:
        """Wait for ``awaitable`` until market time reaches ``deadline_ns``; True if it finished
        first (or was already finished), False at the deadline or on ``cancel_all``.

        A future given here is left as it is at the deadline (its owner may wait on: an order's
        final state can still come); a coroutine is run as a task, which is canceled then, since
        nobody else holds it, and whose exception, if it raised one, is raised here."""
        owned = not isinstance(awaitable, asyncio.Future)
        task: asyncio.Future[Any] = asyncio.ensure_future(awaitable)
        if not task.done():
            sleeper = self.sleep_until(deadline_ns)
            gate = self._gate
            if gate is not None and gate.busy and not sleeper.done():
                gate.leave()
                self._gated.add(sleeper)
            try:
                await asyncio.wait((task, sleeper), return_when=asyncio.FIRST_COMPLETED)
            finally:
                if sleeper in self._gated:  # ended before its deadline: take the gate again
                    self._gated.discard(sleeper)
                    assert gate is not None
                    gate.enter()
                sleeper.cancel()
                if owned and not task.done():
                    task.cancel()
        if not task.done():
            return False
        if owned:
            if task.cancelled():
                return False
            task.result()  # its exception, if any, is the caller's
        return True

    async def pause_ms(self, ms: float) -> None:
        """Let ``ms`` of market time pass (the market moves on meanwhile, also in a replay at
        maximum speed: the gate is given up while waiting)."""
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            await self.wait_for(never, self._clock.now_ns() + int(ms * 1_000_000))
        finally:
            never.cancel()

    def tick(self, now_ns: int) -> int:
        """Resolve every wait due at ``now_ns`` (market time); returns how many were."""
        if now_ns < self.next_due_ns:
            return 0
        heap = self._heap
        fired = 0
        while heap and heap[0][0] <= now_ns:
            future = heapq.heappop(heap)[2]
            if not future.done():
                if future in self._gated:
                    # taken again at this very quote, before the feed pushes the next one, so
                    # a replay at maximum speed wakes the waiter at the same quote every run
                    self._gated.discard(future)
                    assert self._gate is not None
                    self._gate.enter()
                future.set_result(None)
                fired += 1
        self.next_due_ns = heap[0][0] if heap else _NEVER
        return fired

    def cancel_all(self) -> int:
        """Shut down: every pending wait is canceled (``wait_for`` then returns False)."""
        waiting = [entry[2] for entry in self._heap]
        self._heap.clear()
        self.next_due_ns = _NEVER
        canceled = 0
        for future in waiting:
            if not future.done():
                future.cancel()
                canceled += 1
        return canceled

    @property
    def pending(self) -> int:
        """Waits not yet due nor withdrawn."""
        return sum(1 for entry in self._heap if not entry[2].done())

    @property
    def held(self) -> int:
        """Entries in the heap, withdrawn waits not swept yet included (bounded by the sweep)."""
        return len(self._heap)

    async def run(self, poll_s: float = 0.05) -> None:
        """Tick on wall time, for when no quote advances the clock (never returns)."""
        clock = self._clock
        while True:
            await asyncio.sleep(poll_s)
            self.tick(clock.now_ns())

    def _sweep(self) -> None:
        """Drop waits ended early (a ``wait_for`` that finished first cancels its sleeper), so a
        busy executor's heap holds only what is really waited for."""
        live = [entry for entry in self._heap if not entry[2].done()]
        if len(live) * 2 <= len(self._heap):
            heapq.heapify(live)
            self._heap = live
            self.next_due_ns = live[0][0] if live else _NEVER
        self._sweep_at = max(_SWEEP_AT, 2 * len(self._heap))
