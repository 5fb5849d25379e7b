"""The store: one database, one writer thread, and nothing that blocks the event loop.

Decision: a *sync* SQLAlchemy engine owned by one dedicated thread (a single-thread executor),
rather than the async engine. Every statement runs on that thread, so the loop never waits on
disk, SQLite sees exactly one writer (no ``database is locked`` between our own connections),
and writes keep their order. Two ways in:

- ``await store.run(fn, *args)`` runs ``fn(conn, *args)`` in one transaction on the store thread
  and returns its result: reads, and writes that must be on disk before the engine goes on
  (the order journal is written before the order is sent).
- ``store.enqueue(table, row)`` returns at once; rows are written in batches (Core
  ``executemany``) every ``flush_interval_s`` or as soon as ``batch_size`` rows wait: spread
  samples, equity snapshots, audit entries.

A failing batch never kills the thread: it is logged and counted, its rows get one retry at the
next flush, then are dropped with an error naming the table and the count. The queue is bounded
(``max_pending``); past it, new rows are dropped and counted rather than growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Connection, Engine, Table, insert

from app.store.engine import create_store_engine
from app.store.migrate import migrate

log = logging.getLogger(__name__)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
Rows = list[dict[str, Any]]


class StoreClosed(RuntimeError):
    """The store is not open (not yet, or no longer)."""


class Store:
    """The database of the engine; see the module docstring for the threading model."""

    def __init__(
        self,
        url: str,
        *,
        flush_interval_s: float = 0.5,
        batch_size: int = 1000,
        max_pending: int = 100_000,
    ) -> None:
        if flush_interval_s <= 0 or batch_size <= 0 or max_pending <= 0:
            raise ValueError("flush_interval_s, batch_size and max_pending must be positive")
        self._url = url
        self._flush_interval_s = flush_interval_s
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arbdesk-store")
        self._engine: Engine | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._close_task: asyncio.Task[None] | None = None
        # Shared with the loop thread, under _lock.
        self._lock = threading.Lock()
        self._pending: dict[Table, Rows] = {}
        self._pending_count = 0
        self._flush_scheduled = False
        self._accepting = True
        self._rows_dropped = 0
        # Store thread only.
        self._retry: dict[Table, Rows] = {}
        self._retry_count = 0
        self._rows_written = 0
        self._batches_written = 0
        self._write_errors = 0

    # -- state ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._url

    @property
    def is_open(self) -> bool:
        return self._engine is not None and self._close_task is None

    @property
    def engine(self) -> Engine:
        """The engine; use it only on the store thread (inside ``run``)."""
        if self._engine is None:
            raise StoreClosed("the store is not open")
        return self._engine

    @property
    def rows_written(self) -> int:
        """Rows written by batches (not by ``run``)."""
        return self._rows_written

    @property
    def batches_written(self) -> int:
        return self._batches_written

    @property
    def write_errors(self) -> int:
        """Batches that failed to write (each attempt counts)."""
        return self._write_errors

    @property
    def rows_dropped(self) -> int:
        """Rows given up: queue full, failed retry, or enqueued after close."""
        return self._rows_dropped

    @property
    def pending(self) -> int:
        """Rows waiting to be written, including those waiting for their retry."""
        return self._pending_count + self._retry_count

    # -- lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Create the engine and migrate the schema to head, on the store thread."""
        if self._close_task is not None:
            raise StoreClosed("the store was closed; make a new one")
        if self._engine is not None:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._open_sync)
        self._flush_task = loop.create_task(self._flush_periodically(), name="store-flush")

    async def close(self) -> None:
        """Flush what is queued, then dispose of the engine. Safe to call more than once."""
        if self._close_task is None:
            self._close_task = asyncio.get_running_loop().create_task(self._close())
        await asyncio.shield(self._close_task)

    # -- work ----------------------------------------------------------------------------------

    async def run(self, fn: Callable[[Connection, *Ts], T], *args: *Ts) -> T:
        """``fn(conn, *args)`` in one transaction on the store thread (committed if it returns,
        rolled back if it raises). If the caller is cancelled, ``fn`` still completes."""
        if self._engine is None or self._close_task is not None:
            raise StoreClosed("the store is not open")
        job = functools.partial(self._run_sync, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def submit(self, fn: Callable[[Connection, *Ts], T], *args: *Ts) -> asyncio.Future[T]:
        """Like ``run``, but handed to the store thread at once, so that writes submitted one
        after another are applied in that order even when nobody awaits them."""
        if self._engine is None or self._close_task is not None:
            raise StoreClosed("the store is not open")
        job = functools.partial(self._run_sync, fn, *args)
        return asyncio.get_running_loop().run_in_executor(self._executor, job)

    def enqueue(self, table: Table, row: Mapping[str, Any]) -> None:
        """Queue ``row`` for a batched insert into ``table``; never blocks, never raises for a
        full queue (the row is dropped and counted). Rows of one table must have the same keys."""
        with self._lock:
            if self._accepting and self._pending_count < self._max_pending:
                self._pending.setdefault(table, []).append(dict(row))
                self._pending_count += 1
                submit = (
                    self._pending_count >= self._batch_size
                    and not self._flush_scheduled
                    and self._engine is not None
                )
                self._flush_scheduled |= submit
                dropped = 0
            else:
                submit = False
                self._rows_dropped += 1
                dropped = self._rows_dropped
                why = "the store is closed" if not self._accepting else "the queue is full"
        if submit:
            self._executor.submit(self._flush_sync)
        elif dropped and (dropped == 1 or dropped % 10_000 == 0):
            log.error("store: row for %s dropped: %s (%d rows dropped so far)", table, why, dropped)

    async def flush(self) -> None:
        """Write everything queued so far (and retry what failed once); returns when done."""
        if self._engine is None or self._close_task is not None:
            return
        await asyncio.get_running_loop().run_in_executor(self._executor, self._flush_sync)

    # -- loop side -----------------------------------------------------------------------------

    async def _flush_periodically(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._flush_interval_s)
            if self._pending_count or self._retry_count:
                await loop.run_in_executor(self._executor, self._flush_sync)

    async def _close(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_sync)
        finally:
            self._executor.shutdown(wait=False)

    # -- store thread --------------------------------------------------------------------------

    def _open_sync(self) -> None:
        engine = create_store_engine(self._url)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        self._engine = engine

    def _run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        if self._engine is None:
            raise StoreClosed("the store is not open")
        with self._engine.begin() as conn:
            return fn(conn, *args)

    def _close_sync(self) -> None:
        self._flush_sync(final=True)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _flush_sync(self, final: bool = False) -> None:
        """Write the queue; never raises (it runs unattended from ``enqueue`` and the timer)."""
        with self._lock:
            batch, self._pending = self._pending, {}
            self._pending_count = 0
            self._flush_scheduled = False
            if final:
                self._accepting = False
        retry, self._retry = self._retry, {}
        self._retry_count = 0
        engine = self._engine
        if engine is None:
            for table, rows in [*retry.items(), *batch.items()]:
                self._drop(table, len(rows), "the store was never opened")
            return
        for table, rows in retry.items():
            if failed := self._write(engine, table, rows, "on retry"):
                self._drop(table, failed, "after a failed retry")
        for table, rows in batch.items():
            for start in range(0, len(rows), self._batch_size):
                chunk = rows[start : start + self._batch_size]
                if self._write(engine, table, chunk, "(kept for one retry at the next flush)"):
                    self._retry.setdefault(table, []).extend(chunk)
                    self._retry_count += len(chunk)
        if final and self._retry:
            self._flush_sync()  # the one retry they are owed, now: there is no later flush

    def _write(self, engine: Engine, table: Table, rows: Rows, note: str) -> int:
        """Insert ``rows`` in batches; returns how many rows failed (0: all written)."""
        failed = 0
        for start in range(0, len(rows), self._batch_size):
            chunk = rows[start : start + self._batch_size]
            try:
                with engine.begin() as conn:
                    conn.execute(insert(table), chunk)
            except Exception as exc:
                self._write_errors += 1
                failed += len(chunk)
                cause = getattr(exc, "orig", None) or exc
                log.error(
                    "store: writing %d rows to %s failed %s: %s: %s",
                    len(chunk),
                    table.name,
                    note,
                    type(cause).__name__,
                    cause,
                )
            else:
                self._rows_written += len(chunk)
                self._batches_written += 1
        return failed

    def _drop(self, table: Table, count: int, why: str) -> None:
        with self._lock:
            self._rows_dropped += count
        log.error("store: dropped %d rows for %s %s", count, table.name, why)
