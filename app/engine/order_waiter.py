"""Wait for orders to reach a final state: one bus subscription, a future per client order id.

An executor waits on several orders at once; a bus handler per order would make every order
update walk all of them. Here one handler looks the update's client id up in a dict, so the cost
per update does not grow with the number of waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol, TypeVar

from app.core.events import OrderUpdated
from app.core.orders import Order

E = TypeVar("E")


class Subscribe(Protocol):
    """The engine's ``subscribe``: follow one event type, get the unsubscribe call back."""

    def __call__(
        self, event_type: type[E], handler: Callable[[E], None], /
    ) -> Callable[[], None]: ...


class OrderWaiter:
    """Futures of orders' final states (FILLED, CANCELED, REJECTED, EXPIRED).

    A final state is not quite the end: a fill that raced a cancel may still arrive after
    CANCELED. A caller that needs the filled quantity reads the order again when it is done
    waiting, rather than trusting the value the future carried."""

    def __init__(self, subscribe: Subscribe, order: Callable[[str], Order | None]) -> None:
        self._order = order
        self._futures: dict[str, asyncio.Future[Order]] = {}
        self._closed = False
        self._unsubscribe = subscribe(OrderUpdated, self._on_update)

    def terminal(self, client_order_id: str) -> asyncio.Future[Order]:
        """The order once it is final: at once if it already is, else on its update."""
        if self._closed:
            raise RuntimeError("the order waiter is closed")
        loop = asyncio.get_running_loop()
        waiting = self._futures.get(client_order_id)
        if waiting is not None and not waiting.done() and waiting.get_loop() is loop:
            return waiting
        future: asyncio.Future[Order] = loop.create_future()
        current = self._order(client_order_id)
        if current is not None and current.status.is_terminal:
            future.set_result(current)
            return future
        self._futures[client_order_id] = future
        return future

    @property
    def waiting(self) -> int:
        """Orders waited for, not final yet."""
        return sum(1 for f in self._futures.values() if not f.done())

    def close(self) -> None:
        """Unsubscribe; waits still pending are canceled. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        futures, self._futures = self._futures, {}
        for future in futures.values():
            future.cancel()

    def _on_update(self, event: OrderUpdated) -> None:
        order = event.order
        future = self._futures.get(order.client_order_id)
        if future is None or not order.status.is_terminal:
            return
        del self._futures[order.client_order_id]
        if not future.done():
            future.set_result(order)
