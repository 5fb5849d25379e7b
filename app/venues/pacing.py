"""Market time against wall time, shared by the simulated and the replayed market.

A feed hands its quotes to ``Pacer.emit``; the pacer holds each one back until its market time is
due at the chosen speed (``None``: as fast as possible). To keep the per-quote cost to an integer
comparison, the pacer works with a *horizon*: the latest market time that may be emitted now
without waiting. Only when a quote lies beyond it, or after ``yield_every`` quotes at maximum speed
(``paced_yield_every`` when paced), does it await, so the event loop stays responsive even when the
feed runs behind or at maximum speed.

A consumer that is too slow makes the feed fall behind; it then catches up as fast as it can (still
yielding every ``paced_yield_every`` quotes) rather than skipping quotes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Final, Protocol, runtime_checkable

from app.core.clock import ManualClock
from app.core.quotes import Quote
from app.venues.base import QuoteSink
from app.venues.gate import Gate

SleepFn = Callable[[float], Awaitable[None]]
NowFn = Callable[[], int]

#: Horizon at maximum speed: every market time is due at once.
_FOREVER: Final = 2**63 - 1
#: Quotes emitted between two awaits at most at maximum speed (the brief: about every 1,000).
DEFAULT_YIELD_EVERY: Final = 1_000
#: The same when paced (real time or a speed factor): a paced feed that fell behind (the window
#: painted, the machine was busy) catches up in bursts of this many, a few ms of engine work each,
#: so timers and paints interleave with the catch-up instead of waiting behind 1,000 quotes
#: (~30 ms). Measured by ``benchmarks/ui_load.py`` (see its row in ``benchmarks/README.md``).
DEFAULT_PACED_YIELD_EVERY: Final = 100
#: Quotes due within this much wall time are emitted early instead of sleeping for them: a timer
#: per quote would cost more than the quote, and the loop's timer resolution is about 1 ms anyway.
DEFAULT_MIN_SLEEP_S: Final = 0.001


@runtime_checkable
class Holdable(Protocol):
    """A feed whose quotes can wait for the order path at maximum speed (a replay, the
    simulated market, the paper market over either)."""

    def hold_while_busy(self, gate: Gate) -> None: ...


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def check_speed(speed: float | None) -> float | None:
    """A speed factor is a finite number > 0, or None for as fast as possible."""
    if speed is None:
        return None
    value = float(speed)
    if not 0.0 < value < float("inf"):
        raise ValueError(
            f"speed must be > 0 (1 = real time) or None (as fast as possible), got {speed!r}"
        )
    return value


class Pacer:
    """Paces market time (ns) against wall time at ``speed`` market seconds per wall second.

    ``now_ns`` and ``sleep`` can be replaced by a fake clock in tests. The default sleep can be cut
    short by ``stop()``, so a feed closes promptly even in the middle of a long gap.
    """

    def __init__(
        self,
        speed: float | None = 1.0,
        *,
        yield_every: int = DEFAULT_YIELD_EVERY,
        paced_yield_every: int = DEFAULT_PACED_YIELD_EVERY,
        min_sleep_s: float = DEFAULT_MIN_SLEEP_S,
        now_ns: NowFn = time.monotonic_ns,
        sleep: SleepFn | None = None,
    ) -> None:
        if yield_every < 1 or paced_yield_every < 1:
            raise ValueError(
                f"yield_every and paced_yield_every must be >= 1, got {yield_every}"
                f" and {paced_yield_every}"
            )
        if min_sleep_s < 0:
            raise ValueError(f"min_sleep_s must be >= 0, got {min_sleep_s}")
        self._speed = check_speed(speed)
        self._yield_every = yield_every
        self._paced_yield_every = paced_yield_every
        self._min_sleep_ns = int(min_sleep_s * 1e9)
        self._now = now_ns
        self._sleep: SleepFn = sleep if sleep is not None else self._interruptible_sleep
        self._anchor_wall: int | None = None
        self._anchor_market = 0
        self._horizon = -1
        self._budget = yield_every
        self._stopped = False
        self._waiter: asyncio.Future[None] | None = None
        #: At maximum speed, the next quote waits while this gate is busy (``app.venues.gate``).
        self.gate: Gate | None = None

    @property
    def speed(self) -> float | None:
        return self._speed

    @speed.setter
    def speed(self, speed: float | None) -> None:
        """Change the speed from the next quote on (within ``yield_every`` quotes)."""
        self._speed = check_speed(speed)
        self._anchor_wall = None
        self._horizon = -1

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        """Make ``emit`` return at its next await, and wake it if it is sleeping."""
        self._stopped = True
        if self._waiter is not None:
            _release(self._waiter)

    def anchor(self, market_ns: int) -> None:
        """Let ``market_ns`` correspond to now (by default the first awaited market time does)."""
        self._anchor_wall, self._anchor_market = self._now(), market_ns
        self._horizon = -1

    async def emit(self, quotes: Iterable[Quote], sink: QuoteSink, clock: ManualClock) -> bool:
        """Push ``quotes`` (time-sorted) to ``sink`` when due, moving ``clock`` to each one's time.

        Returns False if the pacer was stopped before all of them were pushed.
        """
        if self._stopped:
            return False
        horizon = self._horizon
        budget = self._budget
        set_clock = clock.set
        gate = self.gate if self._speed is None else None
        for quote in quotes:
            t = quote.received_ns
            if t > horizon or budget <= 0:
                horizon = await self.wait_until(t)
                budget = self._budget
                if self._stopped:
                    return False
            set_clock(t)
            sink(quote)
            budget -= 1
            if gate is not None and gate.busy:
                await gate.idle()
                if self._stopped:
                    return False
        self._horizon = horizon
        self._budget = budget
        return True

    async def wait_until(self, market_ns: int) -> int:
        """Await until ``market_ns`` is due (at least one loop turn); returns the new horizon."""
        speed = self._speed
        if speed is None:
            await self._sleep(0.0)
            self._horizon = _FOREVER
            self._budget = self._yield_every
            return _FOREVER
        now = self._now()
        if self._anchor_wall is None:
            self._anchor_wall, self._anchor_market = now, market_ns
        delay_ns = self._anchor_wall + (market_ns - self._anchor_market) / speed - now
        if delay_ns > self._min_sleep_ns:
            await self._sleep(delay_ns / 1e9)
            now = self._now()
        else:
            await self._sleep(0.0)
        if self._anchor_wall is None:  # the speed changed while we slept
            self._anchor_wall, self._anchor_market = now, market_ns
        reachable_ns = (now - self._anchor_wall + self._min_sleep_ns) * speed
        self._horizon = self._anchor_market + int(reachable_ns)
        self._budget = self._paced_yield_every
        return self._horizon

    async def _interruptible_sleep(self, seconds: float) -> None:
        if seconds <= 0 or self._stopped:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        handle = loop.call_later(seconds, _release, waiter)
        self._waiter = waiter
        try:
            await waiter
        finally:
            handle.cancel()
            self._waiter = None
