"""The Store: one writer thread, batched inserts, bounded queue, failures counted not fatal."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select, text

from app.core.audit_chain import GENESIS
from app.core.orders import Order, OrderType, Side
from app.store import Store, StoreClosed, current_revision, head_revision, sqlite_url
from app.store import repositories as repo
from app.store.engine import create_store_engine
from app.store.schema import audit_log, equity_snapshots, spread_samples
from tests.support.engines import eventually


def _sample(i: int) -> dict[str, Any]:
    return {
        "ts_ns": i,
        "venue": "sim-a",
        "symbol": "BTC/USDT",
        "bid": 100.0 + i,
        "ask": 100.5 + i,
        "bid_qty": 1.0,
        "ask_qty": 2.0,
    }


def _count(table: Any) -> Callable[[Connection], int]:
    def count(conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    return count


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    s = Store(db_url, flush_interval_s=60)  # flushes only when a test asks, unless it says so
    await s.open()
    yield s
    await s.close()


# -- open, pragmas, threads ----------------------------------------------------------------------


async def test_open_creates_the_folder_and_sqlite_runs_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "arbdesk.sqlite"
    store = Store(sqlite_url(path))
    await store.open()
    try:
        assert await asyncio.to_thread(path.exists)

        def pragmas(conn: Connection) -> tuple[Any, ...]:
            names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            return tuple(conn.exec_driver_sql(f"PRAGMA {n}").scalar() for n in names)

        # synchronous 2 = FULL: the connection the journal is written on syncs every commit
        assert await store.run(pragmas) == ("wal", 2, 1, 5000)
        assert await asyncio.to_thread(path.with_name(f"{path.name}-wal").exists)
    finally:
        await store.close()


def test_every_connection_of_the_store_factory_syncs_each_commit(tmp_path: Path) -> None:
    """A fresh connection from ``create_store_engine`` (what the store, the offline panic and
    the CLI open) runs WAL with synchronous=FULL, so a commit is on disk when it returns."""
    engine = create_store_engine(sqlite_url(tmp_path / "fresh.sqlite"))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


async def test_open_migrates_to_head(store: Store) -> None:
    assert await store.run(current_revision) == head_revision()
    assert await store.run(_count(spread_samples)) == 0


async def test_run_is_off_the_loop_thread_and_keeps_the_loop_free(store: Store) -> None:
    loop_thread = threading.get_ident()
    store_thread = await store.run(lambda c: threading.get_ident())
    assert store_thread != loop_thread
    name = await store.run(lambda c: threading.current_thread().name)
    assert name.startswith("arbdesk-store")

    slow = asyncio.ensure_future(store.run(lambda c: time.sleep(0.3)))
    started = time.monotonic()
    await asyncio.sleep(0.01)
    assert time.monotonic() - started < 0.2  # the loop ticked while the store thread slept
    await slow


async def test_batched_writes_happen_on_the_store_thread(store: Store) -> None:
    threads: set[int] = set()
    statements: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        threads.add(threading.get_ident())
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", spy)
    for i in range(10):
        store.enqueue(spread_samples, _sample(i))
    await store.flush()
    store_thread = await store.run(lambda c: threading.get_ident())
    assert threads == {store_thread}
    assert threading.get_ident() not in threads
    assert any(s.startswith("INSERT INTO spread_samples") for s in statements)


async def test_run_passes_arguments_and_commits_or_rolls_back(store: Store) -> None:
    order = Order("c-1", "sim-a", "BTC/USDT", Side.BUY, OrderType.LIMIT, Decimal("1"), Decimal("2"))
    await store.run(repo.save_order, order)
    assert await store.run(repo.load_order, "c-1") == order

    def save_then_fail(conn: Connection) -> None:
        repo.save_order(conn, Order("c-2", "x", "y", Side.BUY, OrderType.MARKET, Decimal(1), None))
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await store.run(save_then_fail)
    assert await store.run(repo.load_order, "c-2") is None


async def test_in_memory_store_works() -> None:
    store = Store("sqlite://", flush_interval_s=60)
    await store.open()
    for i in range(3):
        store.enqueue(spread_samples, _sample(i))
    await store.flush()
    assert await store.run(_count(spread_samples)) == 3
    assert await store.run(lambda c: c.exec_driver_sql("PRAGMA journal_mode").scalar()) == "memory"
    await store.close()


# -- enqueue, flush, batching --------------------------------------------------------------------


async def test_enqueue_and_flush_write_exactly_the_rows(store: Store) -> None:
    rows = [_sample(i) for i in range(7)]
    for row in rows:
        store.enqueue(spread_samples, row)
    store.enqueue(
        equity_snapshots,
        {
            "ts_ns": 1,
            "currency": "USDT",
            "equity": Decimal("0.1") + Decimal("0.2"),
            "pnl": Decimal(0),
        },
    )
    store.enqueue(
        audit_log,
        repo.audit_row("user", "panic", {"qty": Decimal("1.5")}, prev_hash=GENESIS, ts_ns=3),
    )
    assert store.pending == 9
    await store.flush()
    assert store.pending == 0
    assert (store.rows_written, store.batches_written, store.write_errors) == (9, 3, 0)
    samples = await store.run(repo.load_spread_samples, "sim-a", "BTC/USDT")
    assert [(s.ts_ns, s.bid, s.ask, s.bid_qty, s.ask_qty) for s in samples] == [
        (r["ts_ns"], r["bid"], r["ask"], r["bid_qty"], r["ask_qty"]) for r in rows
    ]
    snaps = await store.run(repo.load_equity_snapshots)
    assert [s.equity for s in snaps] == [Decimal("0.3")]
    audit = await store.run(repo.load_audit)
    assert [(a.action, a.detail) for a in audit] == [("panic", {"qty": "1.5"})]


async def test_enqueue_copies_the_row(store: Store) -> None:
    row = _sample(1)
    store.enqueue(spread_samples, row)
    row["bid"] = -1.0
    await store.flush()
    samples = await store.run(repo.load_spread_samples, "sim-a", "BTC/USDT")
    assert samples[0].bid == 101.0


async def test_many_rows_are_written_in_few_batches(store: Store) -> None:
    for i in range(5000):
        store.enqueue(spread_samples, _sample(i))
    await store.flush()
    assert store.rows_written == 5000
    assert 5 <= store.batches_written <= 11  # 1000 rows a batch, a few splits at most
    assert await store.run(_count(spread_samples)) == 5000


async def test_rows_below_the_batch_size_make_one_batch(store: Store) -> None:
    for i in range(999):
        store.enqueue(spread_samples, _sample(i))
    await asyncio.sleep(0.05)
    assert store.rows_written == 0  # nothing triggered: below batch size, timer far away
    await store.flush()
    assert (store.rows_written, store.batches_written) == (999, 1)


async def test_a_full_batch_is_written_without_being_asked(db_url: str) -> None:
    store = Store(db_url, flush_interval_s=60, batch_size=10)
    await store.open()
    try:
        for i in range(25):
            store.enqueue(spread_samples, _sample(i))
        await eventually(lambda: store.rows_written >= 20)
        # nothing lost meanwhile: every row is written, being written or waiting (two counters
        # read one after the other, while the store thread may be moving rows between them)
        await eventually(lambda: store.rows_written + store.pending == 25)
        await store.flush()
        assert await store.run(_count(spread_samples)) == 25
    finally:
        await store.close()


async def test_the_timer_flushes(db_url: str) -> None:
    store = Store(db_url, flush_interval_s=0.05)
    await store.open()
    try:
        for i in range(5):
            store.enqueue(spread_samples, _sample(i))
        await eventually(lambda: store.rows_written == 5)
        assert await store.run(_count(spread_samples)) == 5
    finally:
        await store.close()


async def test_rows_enqueued_before_open_are_written_after(db_url: str) -> None:
    store = Store(db_url, flush_interval_s=60)
    store.enqueue(spread_samples, _sample(1))
    await store.open()
    await store.flush()
    assert await store.run(_count(spread_samples)) == 1
    await store.close()


async def test_queue_is_bounded_and_drops_are_counted(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(db_url, flush_interval_s=60, batch_size=100, max_pending=5)
    await store.open()
    with caplog.at_level(logging.ERROR, logger="app.store.store"):
        for i in range(8):
            store.enqueue(spread_samples, _sample(i))
    assert (store.pending, store.rows_dropped) == (5, 3)
    assert "queue is full" in caplog.text
    await store.flush()
    assert await store.run(_count(spread_samples)) == 5
    store.enqueue(spread_samples, _sample(9))  # room again
    assert store.pending == 1
    await store.close()
    assert await _count_file(db_url) == 6


# -- failures ------------------------------------------------------------------------------------


async def test_failed_batch_is_counted_retried_once_then_dropped(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await store.run(lambda c: c.execute(text("DROP TABLE spread_samples")))
    for i in range(3):
        store.enqueue(spread_samples, _sample(i))
    with caplog.at_level(logging.ERROR, logger="app.store.store"):
        await store.flush()
        assert (store.write_errors, store.pending, store.rows_dropped) == (1, 3, 0)
        assert "writing 3 rows to spread_samples failed" in caplog.text
        await store.flush()  # the retry
    assert (store.write_errors, store.pending, store.rows_dropped) == (2, 0, 3)
    assert "dropped 3 rows for spread_samples after a failed retry" in caplog.text
    # The thread survived: awaited work and other tables still go through.
    assert await store.run(lambda c: 42) == 42
    store.enqueue(audit_log, repo.audit_row("engine", "still-alive", prev_hash=GENESIS, ts_ns=1))
    await store.flush()
    assert [a.action for a in await store.run(repo.load_audit)] == ["still-alive"]
    assert store.rows_written == 1


async def test_a_retry_that_succeeds_writes_the_rows(store: Store) -> None:
    await store.run(lambda c: c.execute(text("DROP TABLE spread_samples")))
    for i in range(4):
        store.enqueue(spread_samples, _sample(i))
    await store.flush()
    assert (store.write_errors, store.pending) == (1, 4)
    await store.run(lambda c: spread_samples.create(c))
    store.enqueue(spread_samples, _sample(99))
    await store.flush()
    assert (store.write_errors, store.rows_dropped, store.pending) == (1, 0, 0)
    assert [s.ts_ns for s in await store.run(repo.load_spread_samples, "sim-a", "BTC/USDT")] == [
        0,
        1,
        2,
        3,
        99,
    ]


async def test_a_bad_row_fails_only_its_own_table(store: Store) -> None:
    store.enqueue(spread_samples, {"ts_ns": 1})  # missing NOT NULL columns
    store.enqueue(audit_log, repo.audit_row("engine", "ok", prev_hash=GENESIS, ts_ns=1))
    await store.flush()
    await store.flush()
    assert (store.rows_written, store.write_errors, store.rows_dropped) == (1, 2, 1)


# -- close ---------------------------------------------------------------------------------------


async def _count_file(url: str) -> int:
    store = Store(url)
    await store.open()
    try:
        return await store.run(_count(spread_samples))
    finally:
        await store.close()


async def test_close_flushes(db_url: str) -> None:
    store = Store(db_url, flush_interval_s=60)
    await store.open()
    for i in range(10):
        store.enqueue(spread_samples, _sample(i))
    await store.close()
    assert store.rows_written == 10
    assert await _count_file(db_url) == 10


async def test_close_is_idempotent_and_final(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(db_url, flush_interval_s=60)
    await store.open()
    store.enqueue(spread_samples, _sample(1))
    await asyncio.gather(store.close(), store.close())
    await store.close()
    assert not store.is_open
    assert store.rows_written == 1
    with pytest.raises(StoreClosed):
        await store.run(lambda c: 1)
    with pytest.raises(StoreClosed):
        await store.open()
    with caplog.at_level(logging.ERROR, logger="app.store.store"):
        store.enqueue(spread_samples, _sample(2))
    assert store.rows_dropped == 1
    assert "store is closed" in caplog.text
    await store.flush()  # a no-op, not an error


async def test_close_retries_a_failed_batch_once_then_drops(store: Store) -> None:
    await store.run(lambda c: c.execute(text("DROP TABLE spread_samples")))
    store.enqueue(spread_samples, _sample(1))
    await store.close()
    assert (store.write_errors, store.rows_dropped, store.pending) == (2, 1, 0)


async def test_close_without_open_drops_queued_rows(caplog: pytest.LogCaptureFixture) -> None:
    store = Store("sqlite://")
    store.enqueue(spread_samples, _sample(1))
    with caplog.at_level(logging.ERROR, logger="app.store.store"):
        await store.close()
    assert store.rows_dropped == 1
    assert "never opened" in caplog.text


async def test_run_before_open_is_refused() -> None:
    store = Store("sqlite://")
    with pytest.raises(StoreClosed):
        await store.run(lambda c: 1)
    await store.close()


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError, match="positive"):
        Store("sqlite://", batch_size=0)
