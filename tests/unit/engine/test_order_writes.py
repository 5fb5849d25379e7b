"""The writes after the journal: order events go to the store with their orders, as one job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection

from app.core.orders import Fill, Liquidity, Order, OrderEvent, OrderStatus, OrderType, Side
from app.engine.orders.writes import OrderWrites, write_batch
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.store import Store

D = Decimal
S = OrderStatus


class RecordingStore:
    """A real store that also records each job handed to it (what the OMS would hand it)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.futures: list[asyncio.Future[Any]] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        self.jobs.append((fn, args))
        future = self.store.submit(fn, *args)
        self.futures.append(future)
        return future


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[RecordingStore]:
    s = Store(sqlite_url(tmp_path / "writes.sqlite"), flush_interval_s=60)
    await s.open()
    yield RecordingStore(s)
    await s.close()


def _order(status: OrderStatus, filled: str = "0", coid: str = "c-1") -> Order:
    return Order(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=D("0.3"),
        price=D("100.5"),
        status=status,
        filled_qty=D(filled),
    )


def _event(action: str, status: OrderStatus, filled: str = "0", coid: str = "c-1") -> OrderEvent:
    return OrderEvent(coid, 7, "venue", action, status, D(filled), "ok")


def _fill(trade_id: str, qty: str) -> Fill:
    return Fill(
        "sim-a", trade_id, "c-1", "BTC/USDT", Side.BUY, D("100.5"), D(qty), D("0.01"), "USDT",
        Liquidity.MAKER, 7,
    )  # fmt: skip


def _history(conn: Connection) -> tuple[Order | None, list[OrderEvent], list[Fill]]:
    return (
        repo.load_order(conn, "c-1"),
        repo.load_order_events(conn, "c-1"),
        repo.load_fills(conn, client_order_id="c-1"),
    )


async def test_one_job_keeps_every_event_in_order_and_the_last_order(
    store: RecordingStore,
) -> None:
    writes = OrderWrites(store)  # type: ignore[arg-type]
    events = [
        _event("venue_update", S.OPEN),
        _event("venue_update", S.OPEN),  # the same answer twice: two events, never merged
        _event("fill", S.PARTIALLY_FILLED, "0.1"),
        _event("fill", S.FILLED, "0.3"),
    ]
    writes.order(_order(S.OPEN))
    writes.event(events[0])
    writes.event(events[1])
    writes.order(_order(S.PARTIALLY_FILLED, "0.1"))
    writes.fill(_fill("t-1", "0.1"))
    writes.event(events[2])
    writes.order(_order(S.FILLED, "0.3"))
    writes.fill(_fill("t-2", "0.2"))
    writes.event(events[3])
    await asyncio.sleep(0)  # the end of this loop pass: one flush
    await asyncio.gather(*store.futures)

    assert [fn for fn, _ in store.jobs] == [write_batch]
    order, stored_events, fills = await store.store.run(_history)
    assert order == _order(S.FILLED, "0.3")
    assert stored_events == events
    assert [f.trade_id for f in fills] == ["t-1", "t-2"]


async def test_an_event_alone_is_written(store: RecordingStore) -> None:
    writes = OrderWrites(store)  # type: ignore[arg-type]
    event = _event("cancel_refused", S.OPEN)
    writes.event(event)
    writes.flush()  # what the OMS does before it goes to the store itself
    await asyncio.gather(*store.futures)
    assert len(store.jobs) == 1
    assert await store.store.run(_history) == (None, [event], [])
    writes.flush()  # nothing waiting: no job
    assert len(store.jobs) == 1


async def test_the_batch_is_one_transaction(store: RecordingStore) -> None:
    """An event that cannot be stored takes its batch's orders and fills with it."""
    writes = OrderWrites(store)  # type: ignore[arg-type]
    writes.order(_order(S.PARTIALLY_FILLED, "0.1"))
    writes.fill(_fill("t-1", "0.1"))
    writes.event(_event("fill", S.PARTIALLY_FILLED, "NaN"))
    writes.flush()
    with pytest.raises(ValueError, match="finite"):
        await asyncio.gather(*store.futures)
    assert await store.store.run(_history) == (None, [], [])


def test_without_a_loop_the_event_is_handed_over_at_once() -> None:
    """A bare OrderWrites (no running loop) flushes on each call, events included."""
    jobs: list[tuple[Any, ...]] = []

    class Recorder:
        def submit(self, fn: Callable[..., Any], *args: Any) -> None:
            assert fn is write_batch
            jobs.append(args)

    writes = OrderWrites(Recorder())  # type: ignore[arg-type]
    event = _event("submit", S.PENDING_SUBMIT)
    writes.event(event)
    assert jobs == [([], [], [], [], [event])]
