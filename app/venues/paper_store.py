"""The paper exchange's own books, apart from the engine's store.

Reconciliation compares the engine's journal with what the venue says; for that to mean anything
the paper venue must keep its own record, as a real exchange does. One SQLite file can hold several
paper venues (every row is keyed by venue name). Decimals are stored as TEXT, so nothing is rounded.
Every write is one transaction: a crash leaves the state before or after an operation, never half.

Group commit. An operation may ``stage`` its changes instead of saving them at once; everything
staged during one pass of the event loop (from any venue sharing the file) is written in one
transaction at the end of that pass (``commit_soon``), and each staged operation's ``done``
callback runs after that commit, in staging order, with None or the error. Decision: the venue
answers an order or a cancel only from that callback, so an acknowledgement still never leaves
before its effects are on disk (the crash tests kill the process between the two), while many
orders placed in the same pass share one commit instead of paying one each. ``save`` writes at
once, together with whatever was staged before it (order is kept). Until committed, staged
orders are visible to ``order`` and ``has_order`` (so the venue refuses a duplicate id), and
``has_staged`` tells the venue to commit before answering a read from outside. (Why this batching
remains beside the engine store's group commit, with the figures: ``app/store/store.py``.)

Used from the event loop only: calls are synchronous and short (one small transaction each).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from app.core.accounting import Balance, Position
from app.core.instruments import InstrumentId
from app.core.orders import Fill, Liquidity, Order, OrderStatus, OrderType, Side, TimeInForce

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
INITIALIZED = "initialized"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS paper_meta (
    venue TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (venue, key)
);
CREATE TABLE IF NOT EXISTS paper_balances (
    venue TEXT NOT NULL, asset TEXT NOT NULL, total TEXT NOT NULL, locked TEXT NOT NULL,
    PRIMARY KEY (venue, asset)
);
CREATE TABLE IF NOT EXISTS paper_positions (
    venue TEXT NOT NULL, symbol TEXT NOT NULL, qty TEXT NOT NULL, avg_entry TEXT NOT NULL,
    realized_pnl TEXT NOT NULL, fees TEXT NOT NULL, cost TEXT,
    PRIMARY KEY (venue, symbol)
);
CREATE TABLE IF NOT EXISTS paper_orders (
    venue TEXT NOT NULL, client_order_id TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
    type TEXT NOT NULL, quantity TEXT NOT NULL, price TEXT, time_in_force TEXT NOT NULL,
    reduce_only INTEGER NOT NULL, origin TEXT NOT NULL, status TEXT NOT NULL,
    filled_qty TEXT NOT NULL, avg_fill_price TEXT, venue_order_id TEXT, reason TEXT,
    created_ns INTEGER NOT NULL, updated_ns INTEGER NOT NULL,
    seq INTEGER NOT NULL, lock_asset TEXT, lock_amount TEXT NOT NULL, is_open INTEGER NOT NULL,
    PRIMARY KEY (venue, client_order_id)
);
CREATE INDEX IF NOT EXISTS paper_orders_open ON paper_orders (venue, is_open);
CREATE TABLE IF NOT EXISTS paper_fills (
    venue TEXT NOT NULL, trade_id TEXT NOT NULL, client_order_id TEXT NOT NULL,
    symbol TEXT NOT NULL, side TEXT NOT NULL, price TEXT NOT NULL, qty TEXT NOT NULL,
    fee TEXT NOT NULL, fee_currency TEXT NOT NULL, liquidity TEXT NOT NULL,
    ts_ns INTEGER NOT NULL, venue_order_id TEXT,
    PRIMARY KEY (venue, trade_id)
);
CREATE INDEX IF NOT EXISTS paper_fills_ts ON paper_fills (venue, ts_ns);
"""

_ORDER_COLUMNS = (
    "client_order_id, symbol, side, type, quantity, price, time_in_force, reduce_only, origin, "
    "status, filled_qty, avg_fill_price, venue_order_id, reason, created_ns, updated_ns, "
    "seq, lock_asset, lock_amount"
)
#: Plain values of the enums written in rows, looked up once (``.value`` is a property call).
_VALUE: dict[object, str] = {
    m: m.value for enum in (Side, OrderType, TimeInForce, OrderStatus, Liquidity) for m in enum
}
_IS_OPEN: dict[OrderStatus, int] = {s: int(s.is_open) for s in OrderStatus}
_FILL_COLUMNS = (
    "trade_id, client_order_id, symbol, side, price, qty, fee, fee_currency, liquidity, ts_ns, "
    "venue_order_id"
)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as the venue keeps it: its time priority and what it holds locked for its whole
    quantity (what it holds now is that amount times ``remaining / quantity``)."""

    order: Order
    seq: int
    lock_asset: str | None = None
    lock_amount: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class PaperState:
    """Everything a paper venue needs to carry on after a restart."""

    totals: dict[str, Decimal]
    positions: list[Position]
    open_orders: list[OrderRecord]
    meta: dict[str, str]


Done = Callable[[BaseException | None], None]


@dataclass(frozen=True, slots=True)
class _Staged:
    """One operation's changes, waiting for the next commit."""

    venue: str
    orders: list[OrderRecord]
    fills: list[Fill]
    balances: list[Balance]
    positions: list[Position]
    meta: Mapping[str, str] | None
    replace_account: bool
    done: Done | None


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class PaperStateStore:
    """SQLite tables ``paper_*``; ``":memory:"`` for tests, WAL + ``synchronous=OFF`` for files.

    Durability, decided: the paper venue is a simulator, and its books are not the order journal
    (the engine's store syncs that to disk, ``app.store.store``). A commit here is handed to the
    operating system and never synced, so the books survive the process being killed at any point
    (the SIGKILL tests) but not an OS crash or a power cut. ``OFF`` rather than ``NORMAL`` drops
    the fsyncs SQLite otherwise runs at each WAL checkpoint, on the event loop (every ~100 orders
    with one submitter; ``benchmarks/oms.py``, notes in benchmarks/README.md).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=OFF")  # see the class docstring
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)
        self._add_position_cost()
        self._db.execute(
            "INSERT OR IGNORE INTO paper_meta VALUES ('', 'schema', ?)", (SCHEMA_VERSION,)
        )
        self._staged: list[_Staged] = []
        self._staged_orders: dict[tuple[str, str], OrderRecord] = {}
        self._commit_handle: asyncio.Handle | None = None
        self._ids: dict[str, set[str]] = {}  # per venue: every client order id saved or staged
        self.commits = 0  # transactions written (a group of staged operations counts once)

    def _add_position_cost(self) -> None:
        """Files from before positions kept their cost get the column, empty: the cost of such a
        position is derived from its entry price (``Position.entry_cost``)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(paper_positions)")}
        if "cost" not in columns:
            self._db.execute("ALTER TABLE paper_positions ADD COLUMN cost TEXT")

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Write what is staged, then close the file."""
        try:
            if self._staged:
                self.commit()
        finally:
            if self._commit_handle is not None:
                self._commit_handle.cancel()
                self._commit_handle = None
            self._db.close()

    def __enter__(self) -> PaperStateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reads ---------------------------------------------------------------------------------

    def load(self, venue: str) -> PaperState | None:
        """The saved state of ``venue``, or None if it never started."""
        meta = dict(self._db.execute("SELECT key, value FROM paper_meta WHERE venue = ?", (venue,)))
        if INITIALIZED not in meta:
            return None
        self._ids_of(venue)  # the duplicate check's ids, read now rather than at the first order
        totals = {
            asset: Decimal(total)
            for asset, total in self._db.execute(
                "SELECT asset, total FROM paper_balances WHERE venue = ?", (venue,)
            )
        }
        positions = [
            Position(
                InstrumentId(venue, s), Decimal(q), Decimal(e), Decimal(r), Decimal(f), _dec(c)
            )
            for s, q, e, r, f, c in self._db.execute(
                "SELECT symbol, qty, avg_entry, realized_pnl, fees, cost FROM paper_positions "
                "WHERE venue = ? ORDER BY symbol",
                (venue,),
            )
        ]
        rows = self._db.execute(
            f"SELECT {_ORDER_COLUMNS} FROM paper_orders WHERE venue = ? AND is_open = 1 "
            "ORDER BY seq",
            (venue,),
        )
        return PaperState(totals, positions, [self._record(venue, r) for r in rows], meta)

    def order(self, venue: str, client_order_id: str) -> OrderRecord | None:
        """The order as last saved or staged."""
        staged = self._staged_orders.get((venue, client_order_id))
        if staged is not None:
            return staged
        row = self._db.execute(
            f"SELECT {_ORDER_COLUMNS} FROM paper_orders WHERE venue = ? AND client_order_id = ?",
            (venue, client_order_id),
        ).fetchone()
        return None if row is None else self._record(venue, row)

    def has_order(self, venue: str, client_order_id: str) -> bool:
        """Whether an order ``client_order_id`` of ``venue`` is saved or staged, ended ones
        included: the duplicate check of a new order.

        Decision: answered from a set of the venue's ids, read from the file once (at ``load``,
        or at the first ask) and kept up to date by ``stage``, through which every order row is
        written. Asking the file instead (a read transaction of its own in WAL mode) cost about
        20 us of loop time an order (benchmarks/README.md, notes on ``oms.py``). The set costs
        about 100 bytes an id; it assumes this store is the file's only writer of ``venue``'s
        orders.
        """
        return client_order_id in self._ids_of(venue)

    def _ids_of(self, venue: str) -> set[str]:
        ids = self._ids.get(venue)
        if ids is None:
            ids = {
                cid
                for (cid,) in self._db.execute(
                    "SELECT client_order_id FROM paper_orders WHERE venue = ?", (venue,)
                )
            }
            ids.update(cid for v, cid in self._staged_orders if v == venue)
            self._ids[venue] = ids
        return ids

    def fills(self, venue: str, since_ns: int = 0, symbol: str | None = None) -> list[Fill]:
        """Fills at or after ``since_ns``, oldest first."""
        sql = f"SELECT {_FILL_COLUMNS} FROM paper_fills WHERE venue = ? AND ts_ns >= ?"
        args: list[object] = [venue, since_ns]
        if symbol is not None:
            sql += " AND symbol = ?"
            args.append(symbol)
        rows = self._db.execute(sql + " ORDER BY ts_ns, CAST(trade_id AS INTEGER)", args)
        return [
            Fill(
                venue=venue,
                trade_id=r[0],
                client_order_id=r[1],
                symbol=r[2],
                side=Side(r[3]),
                price=Decimal(r[4]),
                qty=Decimal(r[5]),
                fee=Decimal(r[6]),
                fee_currency=r[7],
                liquidity=Liquidity(r[8]),
                ts_ns=r[9],
                venue_order_id=r[10],
            )
            for r in rows
        ]

    # -- writes --------------------------------------------------------------------------------

    def save(
        self,
        venue: str,
        *,
        orders: Iterable[OrderRecord] = (),
        fills: Iterable[Fill] = (),
        balances: Iterable[Balance] = (),
        positions: Iterable[Position] = (),
        meta: Mapping[str, str] | None = None,
        replace_account: bool = False,
    ) -> None:
        """Write one operation's changes now, in one transaction with whatever was staged before.

        ``replace_account`` first drops the venue's balances and positions (a reset), so that
        ``balances`` and ``positions`` become the whole account.
        """
        self.stage(
            venue,
            orders=orders,
            fills=fills,
            balances=balances,
            positions=positions,
            meta=meta,
            replace_account=replace_account,
        )
        self.commit()

    def stage(
        self,
        venue: str,
        *,
        orders: Iterable[OrderRecord] = (),
        fills: Iterable[Fill] = (),
        balances: Iterable[Balance] = (),
        positions: Iterable[Position] = (),
        meta: Mapping[str, str] | None = None,
        replace_account: bool = False,
        done: Done | None = None,
    ) -> None:
        """Keep one operation's changes for the next commit (``commit_soon`` or ``save``);
        ``done`` is called after that commit with None, or with the error if it failed."""
        records = list(orders)
        ids = self._ids.get(venue)  # not built yet: it will read the file and what is staged
        for record in records:
            cid = record.order.client_order_id
            if ids is not None:
                ids.add(cid)
            self._staged_orders[(venue, cid)] = record
        self._staged.append(
            _Staged(
                venue, records, list(fills), list(balances), list(positions),
                None if meta is None else dict(meta), replace_account, done,
            )
        )  # fmt: skip

    @property
    def has_staged(self) -> bool:
        return bool(self._staged)

    def commit_soon(self) -> None:
        """Commit what is staged at the end of this pass of the event loop."""
        if self._commit_handle is None and self._staged:
            self._commit_handle = asyncio.get_running_loop().call_soon(self._commit_scheduled)

    def _commit_scheduled(self) -> None:
        self._commit_handle = None
        try:
            self.commit()
        except Exception:
            log.exception("paper store %s: commit failed (its operations were told)", self.path)

    def commit(self) -> None:
        """Write everything staged in one transaction, then run the ``done`` callbacks in order.
        If the write fails, every callback gets the error (and it is raised)."""
        staged, self._staged = self._staged, []
        self._staged_orders = {}
        if not staged:
            return
        try:
            self._write(staged)
        except BaseException as exc:
            self._ids = {}  # they held the ids of what was rolled back: read again from the file
            self._done(staged, exc)
            raise
        self.commits += 1
        self._done(staged, None)

    @staticmethod
    def _done(staged: list[_Staged], exc: BaseException | None) -> None:
        for item in staged:
            if item.done is not None:
                try:
                    item.done(exc)
                except Exception:
                    log.exception("paper store: a commit callback failed")

    def _write(self, staged: list[_Staged]) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            self._write_merged(db, staged)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _write_merged(self, db: sqlite3.Connection, staged: list[_Staged]) -> None:
        """Every staged operation of the commit in one statement per table: the last version of
        each order, balance, position and meta row (what ``INSERT OR REPLACE`` one after another
        would leave), the first of each fill (``INSERT OR IGNORE``). A reset
        (``replace_account``) writes what came before it first, so its deletes keep their place.

        Decision: at 16 submitters one commit holds ~15 operations that each rewrote the same
        balances and counters, in four to five statements each (``benchmarks/oms.py``: about a
        tenth of the loop's CPU went to these writes; see the notes on ``oms.py`` in
        benchmarks/README.md for the figure with and without).
        """
        orders: dict[tuple[str, str], tuple[object, ...]] = {}
        fills: dict[tuple[str, str], tuple[object, ...]] = {}
        balances: dict[tuple[str, str], tuple[object, ...]] = {}
        positions: dict[tuple[str, str], tuple[object, ...]] = {}
        meta: dict[tuple[str, str], tuple[object, ...]] = {}
        order_row = self._order_row
        value = _VALUE
        for item in staged:
            venue = item.venue
            if item.replace_account:
                self._write_rows(db, orders, fills, balances, positions, meta)
                orders, fills, balances, positions, meta = {}, {}, {}, {}, {}
                db.execute("DELETE FROM paper_balances WHERE venue = ?", (venue,))
                db.execute("DELETE FROM paper_positions WHERE venue = ?", (venue,))
            for r in item.orders:
                orders[(venue, r.order.client_order_id)] = order_row(venue, r)
            for f in item.fills:
                if (venue, f.trade_id) not in fills:
                    fills[(venue, f.trade_id)] = (
                        venue, f.trade_id, f.client_order_id, f.symbol, value[f.side],
                        str(f.price), str(f.qty), str(f.fee), f.fee_currency,
                        value[f.liquidity], f.ts_ns, f.venue_order_id,
                    )  # fmt: skip
            for b in item.balances:
                balances[(venue, b.asset)] = (venue, b.asset, str(b.total), str(b.locked))
            for p in item.positions:
                symbol = p.instrument_id.symbol
                positions[(venue, symbol)] = (
                    venue, symbol, str(p.qty), str(p.avg_entry), str(p.realized_pnl),
                    str(p.fees), None if p.cost is None else str(p.cost),
                )  # fmt: skip
            if item.meta:
                for k, v in item.meta.items():
                    meta[(venue, k)] = (venue, k, v)
        self._write_rows(db, orders, fills, balances, positions, meta)

    @staticmethod
    def _write_rows(
        db: sqlite3.Connection,
        orders: Mapping[tuple[str, str], tuple[object, ...]],
        fills: Mapping[tuple[str, str], tuple[object, ...]],
        balances: Mapping[tuple[str, str], tuple[object, ...]],
        positions: Mapping[tuple[str, str], tuple[object, ...]],
        meta: Mapping[tuple[str, str], tuple[object, ...]],
    ) -> None:
        if orders:
            db.executemany(
                f"INSERT OR REPLACE INTO paper_orders (venue, {_ORDER_COLUMNS}, is_open) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                orders.values(),
            )
        if fills:
            db.executemany(
                f"INSERT OR IGNORE INTO paper_fills (venue, {_FILL_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                fills.values(),
            )
        if balances:
            db.executemany(
                "INSERT OR REPLACE INTO paper_balances VALUES (?, ?, ?, ?)", balances.values()
            )
        if positions:
            db.executemany(
                "INSERT OR REPLACE INTO paper_positions "
                "(venue, symbol, qty, avg_entry, realized_pnl, fees, cost) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                positions.values(),
            )
        if meta:
            db.executemany("INSERT OR REPLACE INTO paper_meta VALUES (?, ?, ?)", meta.values())

    # -- rows ----------------------------------------------------------------------------------

    @staticmethod
    def _order_row(venue: str, record: OrderRecord) -> tuple[object, ...]:
        o = record.order
        status = o.status
        return (
            venue, o.client_order_id, o.symbol, _VALUE[o.side], _VALUE[o.type], str(o.quantity),
            None if o.price is None else str(o.price), _VALUE[o.time_in_force],
            int(o.reduce_only), o.origin, _VALUE[status], str(o.filled_qty),
            None if o.avg_fill_price is None else str(o.avg_fill_price), o.venue_order_id,
            o.reason, o.created_ns, o.updated_ns, record.seq, record.lock_asset,
            str(record.lock_amount), _IS_OPEN[status],
        )  # fmt: skip

    @staticmethod
    def _record(venue: str, r: tuple[Any, ...]) -> OrderRecord:
        (cid, symbol, side, type_, qty, price, tif, reduce_only, origin, status, filled, avg,
         venue_order_id, reason, created, updated, seq, lock_asset, lock_amount) = r  # fmt: skip
        order = Order(
            client_order_id=cid,
            venue=venue,
            symbol=symbol,
            side=Side(side),
            type=OrderType(type_),
            quantity=Decimal(qty),
            price=_dec(price),
            time_in_force=TimeInForce(tif),
            reduce_only=bool(reduce_only),
            origin=origin,
            status=OrderStatus(status),
            filled_qty=Decimal(filled),
            avg_fill_price=_dec(avg),
            venue_order_id=venue_order_id,
            reason=reason,
            created_ns=created,
            updated_ns=updated,
        )
        return OrderRecord(order, seq, lock_asset, Decimal(lock_amount))
