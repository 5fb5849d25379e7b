"""The bounded queue between the bus and the sender: the bus handler only appends here.

Appending never waits and never grows past ``size``: when full, the oldest INFO alert is
dropped first (then the new one if it is INFO, else the oldest WARNING, else the oldest), and
every drop is counted. A storm of alerts thus costs the engine a deque append, not a stall.
"""

from __future__ import annotations

import asyncio
from collections import deque

from app.core.events import Alert, AlertLevel


class AlertQueue:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: deque[tuple[Alert, str]] = deque()
        self._ready = asyncio.Event()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, alert: Alert, skip_channel: str = "") -> None:
        """Never blocks; makes room by the drop order above."""
        if len(self._items) >= self._size and not self._make_room(alert.level):
            self.dropped += 1
            return
        self._items.append((alert, skip_channel))
        self._ready.set()

    def _make_room(self, incoming: AlertLevel) -> bool:
        """Drop one queued alert for ``incoming``; False: drop ``incoming`` instead."""
        for level in (AlertLevel.INFO, AlertLevel.WARNING):
            if level is AlertLevel.WARNING and incoming is AlertLevel.INFO:
                return False
            for i, (queued, _) in enumerate(self._items):
                if queued.level is level:
                    del self._items[i]
                    self.dropped += 1
                    return True
        if incoming is not AlertLevel.CRITICAL:
            return False
        self._items.popleft()
        self.dropped += 1
        return True

    def take_all(self) -> list[tuple[Alert, str]]:
        items = list(self._items)
        self._items.clear()
        self._ready.clear()
        return items

    async def wait(self, timeout_s: float | None) -> None:
        """Until something is queued, or ``timeout_s`` passed."""
        if self._items:
            return
        try:
            await asyncio.wait_for(self._ready.wait(), timeout_s)
        except TimeoutError:
            return
