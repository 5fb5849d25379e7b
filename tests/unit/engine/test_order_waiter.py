"""The order waiter: one subscription, a future per order, resolved by its final state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar

import pytest

from app.core.bus import EventBus
from app.core.events import OrderUpdated
from app.core.orders import Order, OrderStatus, OrderType, Side
from app.engine.order_waiter import OrderWaiter

S = OrderStatus
E = TypeVar("E")


def order(cid: str, status: OrderStatus = S.OPEN, filled: str = "0") -> Order:
    return Order(
        client_order_id=cid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=Decimal("0.01"),
        price=Decimal(50_000),
        status=status,
        filled_qty=Decimal(filled),
    )


class Book:
    """What the engine knows of orders, and its bus: ``order`` and ``subscribe`` as it has them."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.orders: dict[str, Order] = {}
        self.subscriptions = 0

    def order(self, cid: str) -> Order | None:
        return self.orders.get(cid)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        self.subscriptions += 1
        unsubscribe = self.bus.subscribe(event_type, handler)

        def both() -> None:
            self.subscriptions -= 1
            unsubscribe()

        return both

    def update(self, updated: Order) -> None:
        self.orders[updated.client_order_id] = updated
        self.bus.publish(OrderUpdated(updated))


async def test_a_future_resolves_when_the_order_reaches_a_final_state() -> None:
    book = Book()
    book.update(order("c1"))
    waiter = OrderWaiter(book.subscribe, book.order)
    future = waiter.terminal("c1")
    book.update(order("c1", S.PARTIALLY_FILLED, "0.004"))
    assert not future.done()
    book.update(order("c1", S.FILLED, "0.01"))
    done = await future
    assert done.status is S.FILLED and done.filled_qty == Decimal("0.01")
    assert waiter.waiting == 0


async def test_an_order_already_final_resolves_at_once() -> None:
    book = Book()
    book.update(order("c1", S.REJECTED))
    waiter = OrderWaiter(book.subscribe, book.order)
    future = waiter.terminal("c1")
    assert future.done() and future.result().status is S.REJECTED


async def test_one_subscription_for_many_orders_and_the_same_future_for_the_same_order() -> None:
    book = Book()
    waiter = OrderWaiter(book.subscribe, book.order)
    futures = {f"c{i}": waiter.terminal(f"c{i}") for i in range(50)}
    assert book.subscriptions == 1
    assert waiter.terminal("c7") is futures["c7"]
    book.update(order("c7", S.CANCELED))
    book.update(order("c9", S.EXPIRED))
    assert futures["c7"].done() and futures["c9"].done()
    assert sum(f.done() for f in futures.values()) == 2
    assert waiter.waiting == 48


async def test_updates_of_other_orders_are_ignored() -> None:
    book = Book()
    waiter = OrderWaiter(book.subscribe, book.order)
    future = waiter.terminal("mine")
    book.update(order("theirs", S.FILLED))
    await asyncio.sleep(0)
    assert not future.done()


async def test_close_unsubscribes_and_cancels_what_is_still_waited_for() -> None:
    book = Book()
    waiter = OrderWaiter(book.subscribe, book.order)
    future = waiter.terminal("c1")
    waiter.close()
    waiter.close()  # idempotent
    assert book.subscriptions == 0
    assert future.cancelled()
    book.update(order("c1", S.FILLED))  # nobody listens any more: nothing raises
    with pytest.raises(RuntimeError, match="closed"):
        waiter.terminal("c2")


async def test_a_canceled_future_is_replaced_by_a_new_one() -> None:
    book = Book()
    waiter = OrderWaiter(book.subscribe, book.order)
    first = waiter.terminal("c1")
    first.cancel()
    second = waiter.terminal("c1")
    assert second is not first
    book.update(replace(order("c1"), status=S.FILLED))
    assert (await second).status is S.FILLED
