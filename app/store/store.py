"""The store: one database, one writer thread, and nothing that blocks the event loop.

Decision: a *sync* SQLAlchemy engine owned by one dedicated thread (a single-thread executor),
rather than the async engine. Every statement runs on that thread, so the loop never waits on
disk, SQLite sees exactly one writer (no ``database is locked`` between our own connections),
and writes keep their order. Two ways in:

- ``await store.run(fn, *args)`` runs ``fn(conn, *args)`` in a transaction on the store thread
  and returns its result once that transaction is committed: reads, and writes that must be on
  disk before the engine goes on (the order journal is written before the order is sent).
  ``store.submit(fn, *args)`` is the same without waiting (writes that only need to keep their
  order, such as an order's later updates).
- ``store.enqueue(table, row)`` returns at once; rows are written in batches (Core
  ``executemany``) every ``flush_interval_s`` or as soon as ``batch_size`` rows wait: spread
  samples, equity snapshots, audit entries.

Group commit. Jobs of ``run`` and ``submit`` wait in one FIFO; the store thread takes every job
waiting when it comes for work (at most ``MAX_GROUP``) and runs consecutive ones in *one*
transaction, in order, with one commit. A job's result (or its future) is delivered only after
that commit, so "awaited" still means "on disk"; many concurrent submitters, or a journal write
queued behind the unawaited updates of the previous order, share a commit instead of paying one
each. A job that raises rolls its whole group back; each job of the group is then run again
alone, in its own transaction and in order, so every job still commits or rolls back on its own
exactly as if it had run by itself. That is why job functions must act only through the
connection they are given (no other side effects): one of them may be run twice, its first run
rolled back. (SAVEPOINTs would avoid the rerun, but the pysqlite driver's transaction
handling makes them unreliable, and they would cost two statements per job on the fast path.)
Batched inserts (``enqueue``), ``open`` and ``close`` go through the same FIFO as jobs of their
own, so everything the store does keeps the order in which it was asked.

Durability: what an awaited commit guarantees. On SQLite (WAL, ``synchronous=FULL``: set on
every connection by ``app.store.engine``) ``await store.run(fn)`` returns only after the
transaction holding ``fn``'s writes has committed *and* the WAL file has been synced to the disk
(``fsync``/``fdatasync``), so those writes survive the process being killed, an operating-system
crash and a power cut, on a disk that honours the sync (one that acknowledges writes it only
cached can still lose them: that is the hardware's promise, not the store's). A job queued with
``submit`` and not awaited gets the same once its group commits; before that it is lost with the
process. The sync is paid once per group, not per job. Rows given to ``enqueue`` are on disk only
after the flush that writes them (within ``flush_interval_s``, or ``flush``). On another database
a commit is as durable as that server is configured to make it (PostgreSQL:
``synchronous_commit``). Nothing is ever sent to a venue before its journal write has returned
(``app.engine.orders.oms``).

A failing batch never kills the thread: it is logged and counted, its rows get one retry at the
next flush, then are dropped with an error naming the table and the count. The queue is bounded
(``max_pending``); past it, new rows are dropped and counted rather than growing memory.

Three write batchings, and why each remains (the one place they are explained; measured with
``benchmarks/oms.py --runs 3 --orders 3000``, each one undone alone on a copy of the tree, two
rounds against the unchanged tree in the same minutes; the shared machine's load average was
2.0-4.8, so the figure compared is the process's CPU time per order, which that load distorts
far less than orders/s):

- This group commit: the jobs of one loop pass, from every caller, share one transaction. It is
  what lets concurrent submitters share journal commits: 16 submitters cost 515-545 us of CPU an
  order with it, 737-738 us with one job per transaction (``MAX_GROUP = 1``), +40 %.
- ``app.engine.orders.writes.OrderWrites``: the OMS's writes after the journal (order states,
  their events, fills, balances, positions) handed over as *one* job per loop pass. Not kept for
  speed (a job per write, grouped here instead, measured 527-548 us, within the noise) but for
  atomicity: one job is one transaction, while the jobs of one pass may be split between two
  groups (the thread takes what is queued when it comes for work, at most ``MAX_GROUP``) or, after
  a failure, rerun one by one; an order's state, its history and its fills must land together
  (the reconciliation crash test kills the process between them). It also keeps only the last
  version of each order, balance and position.
- ``app.venues.paper_store.PaperStateStore.stage``/``commit_soon``: the paper venue's own books
  are another database (the venue's record, kept apart from the engine's journal so that
  reconciliation compares two honest records) written synchronously on the loop, not through this
  thread; its orders and cancels of one loop pass share one commit. Without it (a commit per
  operation): 757-866 us an order at 16 submitters, +50 %.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
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
MAX_GROUP = 512  # jobs committed together at most (bounds one transaction's size and latency)


class _Job:
    """One unit of work for the store thread: ``fn(conn, *args)`` in a transaction, or, when
    ``raw``, ``fn()`` alone outside any group (open, batched inserts, close)."""

    __slots__ = ("args", "fn", "future", "loop", "raw")

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        future: asyncio.Future[Any] | None,
        loop: asyncio.AbstractEventLoop | None,
        raw: bool = False,
    ) -> None:
        self.fn = fn
        self.args = args
        self.future = future
        self.loop = loop
        self.raw = raw


Outcome = tuple["asyncio.Future[Any]", BaseException | None, Any]


def _deliver(outcomes: list[Outcome]) -> None:
    """On the loop: hand results to whoever still waits (a cancelled caller does not)."""
    for future, exc, value in outcomes:
        if future.done():
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(value)


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
        # The FIFO of jobs, shared with the loop thread under _jobs_lock; _draining is True while
        # a drain is scheduled or running on the store thread (it takes every job queued).
        self._jobs: deque[_Job] = deque()
        self._jobs_lock = threading.Lock()
        self._draining = False
        self._kick_scheduled = False  # loop thread only
        self._conn: Connection | None = None  # store thread only: kept open between groups
        self._groups_committed = 0
        self._jobs_committed = 0
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
        self._in_flight = 0  # rows taken by the running flush and not yet written or kept
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
    def groups_committed(self) -> int:
        """Transactions that committed jobs of ``run``/``submit`` (a group shares one)."""
        return self._groups_committed

    @property
    def jobs_committed(self) -> int:
        """Jobs of ``run``/``submit`` committed so far (in groups or alone)."""
        return self._jobs_committed

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
        """Rows waiting to be written, including those being written now and those waiting for
        their retry."""
        return self._pending_count + self._retry_count + self._in_flight

    # -- lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Create the engine and migrate the schema to head, on the store thread."""
        if self._close_task is not None:
            raise StoreClosed("the store was closed; make a new one")
        if self._engine is not None:
            return
        await self._call_raw(self._open_sync)
        loop = asyncio.get_running_loop()
        self._flush_task = loop.create_task(self._flush_periodically(), name="store-flush")

    async def close(self) -> None:
        """Flush what is queued, then dispose of the engine. Safe to call more than once."""
        if self._close_task is None:
            self._close_task = asyncio.get_running_loop().create_task(self._close())
        await asyncio.shield(self._close_task)

    # -- work ----------------------------------------------------------------------------------

    async def run(self, fn: Callable[[Connection, *Ts], T], *args: *Ts) -> T:
        """``fn(conn, *args)`` in a transaction on the store thread; returns once it is committed
        (raises what ``fn`` raised, its writes rolled back). Consecutive jobs may share one
        transaction (group commit, see the module docstring). If the caller is cancelled, ``fn``
        still runs and commits."""
        return await self.submit(fn, *args)

    def submit(self, fn: Callable[[Connection, *Ts], T], *args: *Ts) -> asyncio.Future[T]:
        """Like ``run``, but queued at once and not awaited: jobs submitted one after another
        are applied in that order even when nobody awaits them."""
        if self._engine is None or self._close_task is not None:
            raise StoreClosed("the store is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(fn, args, future, loop)
        with self._jobs_lock:
            self._jobs.append(job)
            if self._draining or self._kick_scheduled:
                return future  # the running drain, or the kick at the end of this pass, takes it
            self._kick_scheduled = True
        loop.call_soon(self._kick)
        return future

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
            self._put(_Job(self._flush_sync, (), None, None, raw=True))
        elif dropped and (dropped == 1 or dropped % 10_000 == 0):
            log.error("store: row for %s dropped: %s (%d rows dropped so far)", table, why, dropped)

    async def flush(self) -> None:
        """Write everything queued so far (and retry what failed once); returns when done."""
        if self._engine is None or self._close_task is not None:
            return
        await self._call_raw(self._flush_sync)

    def _kick(self) -> None:
        """End of the loop pass that queued jobs: wake the store thread for all of them at once.

        Decision: jobs are not handed over one by one (each wake-up of the thread cost about as
        much as a write, and the woken thread competed for the GIL with the loop still queuing);
        whatever one pass of the loop queues forms one group, written while the loop goes on.
        """
        with self._jobs_lock:
            self._kick_scheduled = False
            if self._draining or not self._jobs:
                return
            self._draining = True
        self._executor.submit(self._drain)

    def _put(self, job: _Job) -> None:
        """Queue ``job`` and wake the store thread now unless a drain is pending (any thread)."""
        with self._jobs_lock:
            self._jobs.append(job)
            if self._draining:
                return
            self._draining = True
        self._executor.submit(self._drain)

    async def _call_raw(self, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._put(_Job(fn, (), future, loop, raw=True))
        return await future

    # -- loop side -----------------------------------------------------------------------------

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval_s)
            if self._pending_count or self._retry_count:
                await self._call_raw(self._flush_sync)

    async def _close(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        try:
            await self._call_raw(self._close_sync)
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

    def _drain(self) -> None:
        """Take what is queued, group by group, until the FIFO is empty."""
        try:
            self._drain_all()
        except BaseException:  # a bug here must not leave the store deaf to new jobs
            log.exception("store: the writer failed; later jobs start a new drain")
            with self._jobs_lock:
                self._draining = False
            raise

    def _drain_all(self) -> None:
        while True:
            with self._jobs_lock:
                if not self._jobs:
                    self._draining = False
                    return
                count = min(len(self._jobs), MAX_GROUP)
                jobs = [self._jobs.popleft() for _ in range(count)]
            group: list[_Job] = []
            for job in jobs:
                if not job.raw:
                    group.append(job)
                    continue
                if group:
                    self._run_group(group)
                    group = []
                self._run_raw(job)
            if group:
                self._run_group(group)

    def _run_group(self, group: list[_Job]) -> None:
        """Consecutive jobs in one transaction; results handed out after the commit."""
        engine = self._engine
        if engine is None:
            closed = StoreClosed("the store is not open")
            self._hand_out([(job, closed, None) for job in group])
            return
        results: list[Any] = []
        try:
            conn = self._conn
            if conn is None:
                conn = self._conn = engine.connect()
            with conn.begin():
                for job in group:
                    results.append(job.fn(conn, *job.args))
        except BaseException as exc:
            # Rolled back. Start the next group on a fresh connection (this one may be broken),
            # and run each job again on its own, below, so that only the failing one fails.
            self._drop_connection()
            if len(group) == 1:
                self._hand_out([(group[0], exc, None)])
                return
        else:
            self._groups_committed += 1
            self._jobs_committed += len(group)
            self._hand_out([(job, None, r) for job, r in zip(group, results, strict=True)])
            return
        for job in group:
            try:
                with engine.begin() as conn:
                    result = job.fn(conn, *job.args)
            except BaseException as exc:
                self._hand_out([(job, exc, None)])
            else:
                self._groups_committed += 1
                self._jobs_committed += 1
                self._hand_out([(job, None, result)])

    def _run_raw(self, job: _Job) -> None:
        try:
            result = job.fn()
        except BaseException as exc:
            self._hand_out([(job, exc, None)])
        else:
            self._hand_out([(job, None, result)])

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    @staticmethod
    def _hand_out(outcomes: list[tuple[_Job, BaseException | None, Any]]) -> None:
        """One call onto each waiting loop for the whole list (not one wake-up per job)."""
        per_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
        for job, exc, value in outcomes:
            if job.future is not None and job.loop is not None:
                per_loop.setdefault(job.loop, []).append((job.future, exc, value))
            elif exc is not None:
                log.error("store: unattended job %r failed: %s", job.fn, exc)
        for loop, items in per_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_deliver, items)

    def _close_sync(self) -> None:
        self._flush_sync(final=True)
        self._drop_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _flush_sync(self, final: bool = False) -> None:
        """Write the queue; never raises (it runs unattended from ``enqueue`` and the timer)."""
        with self._lock:
            batch, self._pending = self._pending, {}
            # counted as in flight before they leave the queue: ``pending`` never dips meanwhile
            self._in_flight = self._retry_count + self._pending_count
            self._pending_count = 0
            self._flush_scheduled = False
            if final:
                self._accepting = False
        retry, self._retry = self._retry, {}
        self._retry_count = 0
        try:
            self._flush_taken(batch, retry)
        finally:
            self._in_flight = 0
        if final and self._retry:
            self._flush_sync()  # the one retry they are owed, now: there is no later flush

    def _flush_taken(self, batch: dict[Table, Rows], retry: dict[Table, Rows]) -> None:
        engine = self._engine
        if engine is None:
            for table, rows in [*retry.items(), *batch.items()]:
                self._drop(table, len(rows), "the store was never opened")
            return
        for table, rows in retry.items():
            if failed := self._write(engine, table, rows, "on retry"):
                self._drop(table, failed, "after a failed retry")
            self._in_flight -= len(rows)
        for table, rows in batch.items():
            for start in range(0, len(rows), self._batch_size):
                chunk = rows[start : start + self._batch_size]
                if self._write(engine, table, chunk, "(kept for one retry at the next flush)"):
                    self._retry.setdefault(table, []).extend(chunk)
                    self._retry_count += len(chunk)
                self._in_flight -= len(chunk)

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
