"""Group commit in the Store: jobs queued together share one transaction, keep their order, are
answered only once committed, and a failing job fails alone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection

from app.core.orders import Order, OrderStatus, OrderType, Side
from app.store import Store, sqlite_url
from app.store import repositories as repo
from app.store.schema import spread_samples

D = Decimal


def _order(cid: str, status: OrderStatus = OrderStatus.PENDING_SUBMIT) -> Order:
    return Order(cid, "sim-a", "BTC/USDT", Side.BUY, OrderType.LIMIT, D("0.01"), D("100"),
                 status=status)  # fmt: skip


def _on_disk(path: Path, cid: str) -> str | None:
    """The order's status as another process would read it (committed data only)."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT status FROM orders WHERE client_order_id = ?", (cid,)).fetchone()
    return None if row is None else str(row[0])


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "arbdesk.sqlite"


@pytest.fixture
async def store(path: Path) -> AsyncIterator[Store]:
    s = Store(sqlite_url(path), flush_interval_s=60)
    await s.open()
    yield s
    await s.close()


async def test_jobs_queued_together_share_one_commit(store: Store) -> None:
    before = store.groups_committed
    await asyncio.gather(*(store.run(repo.save_order, _order(f"g{i}")) for i in range(20)))
    assert store.jobs_committed >= 20
    assert store.groups_committed - before < 20  # fewer commits than jobs
    loaded = await store.run(repo.load_orders)
    assert {o.client_order_id for o in loaded} == {f"g{i}" for i in range(20)}


async def test_an_awaited_job_is_on_disk_when_it_returns(store: Store, path: Path) -> None:
    seen: dict[str, str | None] = {}

    async def journal(cid: str) -> None:
        await store.run(repo.save_order, _order(cid))
        seen[cid] = await asyncio.to_thread(_on_disk, path, cid)

    await asyncio.gather(*(journal(f"d{i}") for i in range(10)))
    assert seen == {f"d{i}": "PENDING_SUBMIT" for i in range(10)}


async def test_unawaited_then_awaited_jobs_keep_their_order(store: Store) -> None:
    store.submit(repo.save_order, _order("o1", OrderStatus.PENDING_SUBMIT))
    store.submit(repo.save_order, _order("o1", OrderStatus.OPEN))
    store.submit(repo.save_order, _order("o1", OrderStatus.PENDING_CANCEL))
    await store.run(repo.save_order, _order("o1", OrderStatus.CANCELED))
    stored = await store.run(repo.load_order, "o1")
    assert stored is not None and stored.status is OrderStatus.CANCELED

    seen: list[int] = []

    def note(conn: Connection, i: int) -> int:
        seen.append(i)
        return i

    results = await asyncio.gather(*(store.run(note, i) for i in range(50)))
    assert results == list(range(50))
    assert seen == list(range(50))


async def test_a_failing_job_fails_alone_and_rolls_back_only_itself(store: Store) -> None:
    def save_then_fail(conn: Connection) -> None:
        repo.save_order(conn, _order("bad"))
        raise ValueError("boom")

    results = await asyncio.gather(
        store.run(repo.save_order, _order("ok1")),
        store.run(save_then_fail),
        store.run(repo.save_order, _order("ok2")),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert await store.run(repo.load_order, "ok1") is not None
    assert await store.run(repo.load_order, "ok2") is not None
    assert await store.run(repo.load_order, "bad") is None
    # and the store goes on normally afterwards
    await store.run(repo.save_order, _order("after"))
    assert await store.run(repo.load_order, "after") is not None


async def test_a_cancelled_caller_does_not_cancel_the_write(store: Store) -> None:
    task = asyncio.ensure_future(store.run(repo.save_order, _order("kept")))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.run(repo.load_order, "kept") is not None


async def test_batched_inserts_keep_their_place_among_jobs(store: Store) -> None:
    row = {"ts_ns": 1, "venue": "sim-a", "symbol": "BTC/USDT", "bid": 1.0, "ask": 2.0,
           "bid_qty": 1.0, "ask_qty": 1.0}  # fmt: skip
    store.enqueue(spread_samples, row)
    flushing = asyncio.ensure_future(store.flush())
    await asyncio.sleep(0)  # the flush is queued (not done: the store thread has it)

    def count(conn: Connection) -> int:
        return len(repo.load_spread_samples(conn, "sim-a", "BTC/USDT"))

    assert await store.run(count) == 1  # queued after the flush: sees its row
    await flushing


async def test_jobs_after_close_are_refused_and_queued_ones_are_written(path: Path) -> None:
    store = Store(sqlite_url(path), flush_interval_s=60)
    await store.open()
    store.submit(repo.save_order, _order("last"))
    await store.close()
    assert await asyncio.to_thread(_on_disk, path, "last") == "PENDING_SUBMIT"
