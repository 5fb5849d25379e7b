"""The log panel reads the same records as the log file: a handler that only queues them.

Records may come from any thread (the store writes on its own); ``deque.append`` is thread-safe
and costs next to nothing, and the bridge drains the queue on its timer.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the log panel: a log record or an alert from the bus."""

    seq: int
    ts: float  # wall time, seconds
    level: str
    source: str
    message: str
    alert: bool = False


class QueueHandler(logging.Handler):
    """Keeps the newest ``capacity`` records for the window."""

    def __init__(self, capacity: int = 5_000, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.queue: deque[logging.LogRecord] = deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.append(record)

    def drain(self) -> list[logging.LogRecord]:
        out = []
        queue = self.queue
        while queue:
            out.append(queue.popleft())
        return out
