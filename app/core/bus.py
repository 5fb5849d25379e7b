"""The event bus: synchronous, in order, and a raising handler never stops the others.

An event published from inside a handler is queued and dispatched after the current one, so every
handler sees events in the order they were published.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]


class EventBus:
    __slots__ = ("_dispatching", "_handlers", "_pending", "errors")

    def __init__(self) -> None:
        self._handlers: dict[type, tuple[Handler, ...]] = {}
        self._pending: deque[object] = deque()
        self._dispatching = False
        self.errors: Counter[str] = Counter()

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call ``handler`` for every event of exactly ``event_type``; returns an unsubscribe."""
        self._handlers[event_type] = (*self._handlers.get(event_type, ()), handler)

        def unsubscribe() -> None:
            current = self._handlers.get(event_type, ())
            self._handlers[event_type] = tuple(h for h in current if h is not handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        pending = self._pending
        pending.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            # Drains whatever is queued, in order, also events left by a dispatch that a
            # BaseException (cancellation) interrupted.
            while pending:
                self._dispatch(pending.popleft())
        finally:
            self._dispatching = False

    def _dispatch(self, event: object) -> None:
        handlers = self._handlers.get(type(event))
        if not handlers:
            return
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                name = getattr(handler, "__qualname__", repr(handler))
                self.errors[name] += 1
                log.exception("event handler %s failed on %s", name, type(event).__name__)

    def handler_count(self, event_type: type) -> int:
        return len(self._handlers.get(event_type, ()))
