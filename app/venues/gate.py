"""A count of work in progress that a fast replay waits for.

At ``--speed max`` nothing paces the feed, so the next quote could arrive while a bot's orders are
still on their way and a second run could see them land at another quote. The order path holds
the gate from the moment a bot decides until its step has ended; the feed checks ``busy`` (an
attribute read per quote) and waits for ``idle`` before pushing the next quote, so two runs of the
same file make the same decisions at the same quotes.
"""

from __future__ import annotations

import asyncio


class Gate:
    __slots__ = ("_idle", "busy")

    def __init__(self) -> None:
        self.busy = 0
        self._idle: asyncio.Event | None = None

    def enter(self) -> None:
        self.busy += 1
        if self._idle is not None:
            self._idle.clear()

    def leave(self) -> None:
        if self.busy <= 0:
            raise RuntimeError("gate left more often than entered")
        self.busy -= 1
        if self.busy == 0 and self._idle is not None:
            self._idle.set()

    async def idle(self) -> None:
        """Return once nothing is in progress."""
        while self.busy:
            if self._idle is None:
                self._idle = asyncio.Event()
            self._idle.clear()
            await self._idle.wait()
