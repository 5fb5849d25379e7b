"""Portable upsert and insert-if-absent: native ``ON CONFLICT`` on SQLite and PostgreSQL,
update-then-insert elsewhere (safe because the store has one writer).

SQLite fast path for ``upsert``/``upsert_many`` (the order journal and every order update go
through them): the statement is compiled once by SQLAlchemy, for SQLite, into its SQL text, the
order of its parameters and their bind processors (``Money`` to text, ...), and then run on the
driver's cursor of the same connection, inside the transaction the caller began. Same SQL, same
values, same transaction; it skips SQLAlchemy's per-execution work, which cost about 2.5 times
the statement itself (37 us against 14 us per journal row) on the store's single thread. Used
only inside a begun transaction (``Store.run`` always is); otherwise, and on other dialects, the
ordinary path runs. Cursor events (``before_cursor_execute``) do not see these statements.

Decision: kept, as the benchmark shows it is needed. ``benchmarks/oms.py --runs 3 --orders 3000``,
five rounds of the tree with and without it (``_sqlite_cursor`` always None) in the same minutes,
on a shared machine at load average 3.1-5.5: CPU time per order with one submitter 1,136 us
against 1,526 (medians of the rounds' medians: +34 % without), 563 against 627 with 16 (+11 %);
orders/s with one submitter 469 against 353 (-25 %), with 16 within the noise. With one submitter
the store thread is on the order's path (the journal commit comes before the venue is called).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping, Select, Table, and_, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import SQLCompiler


def stamp(value: int | None) -> int:
    """``value``, or the wall time now when None."""
    return time.time_ns() if value is None else value


def _key_clause(table: Table, row: Mapping[str, Any], keys: Sequence[str]) -> Any:
    return and_(*(table.c[k] == row[k] for k in keys))


def _native(conn: Connection) -> Any:
    """The dialect's own ``insert`` with ``ON CONFLICT``, or None where there is none."""
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert
    if name == "postgresql":
        return postgresql.insert
    return None


# Statements built once per (dialect, table, keys, columns) and executed with the row as
# parameters: building and cache-keying a fresh ``ON CONFLICT`` statement per row cost about 1 ms,
# ten times the write itself, and the order journal writes one row per order and per update.
_statements: dict[tuple[str, str, Table, tuple[str, ...], tuple[str, ...]], Any] = {}


class _Compiled:
    """An upsert compiled for SQLite: its SQL, its parameters in order, each one's processor."""

    __slots__ = ("processors", "sql")

    def __init__(self, conn: Connection, stmt: Any, columns: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
        bind = compiled._bind_processors
        self.sql: str = compiled.string
        self.processors: list[tuple[str, Any]] = [
            (name, bind.get(name)) for name in compiled.positiontup
        ]

    def params(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[n] if p is None else p(row[n]) for n, p in self.processors)


_compiled: dict[tuple[Table, tuple[str, ...], tuple[str, ...]], _Compiled] = {}


def _upsert_statement(
    conn: Connection, dialect_insert: Any, table: Table, keys: Sequence[str], columns: Sequence[str]
) -> Any:
    cache_key = ("upsert", conn.dialect.name, table, tuple(keys), tuple(columns))
    stmt = _statements.get(cache_key)
    if stmt is None:
        base = dialect_insert(table)
        stmt = _statements[cache_key] = base.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={k: base.excluded[k] for k in columns if k not in keys},
        )
    return stmt


def _sqlite_cursor(conn: Connection) -> Any:
    """The driver cursor for the fast path, or None where it does not apply."""
    if conn.dialect.name != "sqlite" or not conn.in_transaction():
        return None
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _fast(
    conn: Connection, stmt: Any, table: Table, keys: Sequence[str], columns: Sequence[str]
) -> _Compiled:
    cache_key = (table, tuple(keys), tuple(columns))
    compiled = _compiled.get(cache_key)
    if compiled is None:
        compiled = _compiled[cache_key] = _Compiled(conn, stmt, columns)
    return compiled


def upsert(conn: Connection, table: Table, row: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert ``row``, or overwrite every non-key column of the row with the same ``keys``."""
    dialect_insert = _native(conn)
    if dialect_insert is not None:
        stmt = _upsert_statement(conn, dialect_insert, table, keys, tuple(row))
        cursor = _sqlite_cursor(conn)
        if cursor is not None:
            compiled = _fast(conn, stmt, table, keys, tuple(row))
            cursor.execute(compiled.sql, compiled.params(row))
            return
        conn.execute(stmt, dict(row))
        return
    values = {k: v for k, v in row.items() if k not in keys}
    result = conn.execute(update(table).where(_key_clause(table, row, keys)).values(values))
    if result.rowcount == 0:
        conn.execute(insert(table).values(dict(row)))


def upsert_many(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> None:
    """``upsert`` of several rows with the same columns: one ``executemany`` where the dialect
    has ``ON CONFLICT`` (the statement's overhead paid once, not per row); rows with the same
    keys are applied in order, so the last one wins."""
    if not rows:
        return
    dialect_insert = _native(conn)
    if dialect_insert is None or len(rows) == 1:
        for row in rows:
            upsert(conn, table, row, keys)
        return
    columns = tuple(rows[0])
    stmt = _upsert_statement(conn, dialect_insert, table, keys, columns)
    cursor = _sqlite_cursor(conn)
    if cursor is not None:
        compiled = _fast(conn, stmt, table, keys, columns)
        cursor.executemany(compiled.sql, [compiled.params(row) for row in rows])
        return
    conn.execute(stmt, [dict(row) for row in rows])


def insert_if_absent(
    conn: Connection, table: Table, row: Mapping[str, Any], keys: Sequence[str]
) -> bool:
    """Insert ``row`` unless one with the same ``keys`` exists; True if it was inserted."""
    dialect_insert = _native(conn)
    if dialect_insert is not None:
        cache_key = ("absent", conn.dialect.name, table, tuple(keys), tuple(row))
        stmt = _statements.get(cache_key)
        if stmt is None:
            stmt = _statements[cache_key] = dialect_insert(table).on_conflict_do_nothing(
                index_elements=[table.c[k] for k in keys]
            )
        return bool(conn.execute(stmt, dict(row)).rowcount == 1)
    if conn.execute(select(exists().where(_key_clause(table, row, keys)))).scalar():
        return False
    conn.execute(insert(table).values(dict(row)))
    return True


def insert_many_if_absent(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> None:
    """``insert_if_absent`` of several rows with the same columns in one ``executemany`` (rows
    whose ``keys`` are already stored are skipped); on SQLite in a begun transaction through the
    driver's cursor, as ``upsert_many`` does (the fills written after the order journal)."""
    if not rows:
        return
    dialect_insert = _native(conn)
    cursor = _sqlite_cursor(conn) if dialect_insert is not None else None
    if cursor is None:
        for row in rows:
            insert_if_absent(conn, table, row, keys)
        return
    columns = tuple(rows[0])
    cache_key = ("absent", conn.dialect.name, table, tuple(keys), columns)
    stmt = _statements.get(cache_key)
    if stmt is None:
        stmt = _statements[cache_key] = dialect_insert(table).on_conflict_do_nothing(
            index_elements=[table.c[k] for k in keys]
        )
    compiled = _compiled.get((table, ("absent", *keys), columns))
    if compiled is None:
        compiled = _compiled[(table, ("absent", *keys), columns)] = _Compiled(conn, stmt, columns)
    cursor.executemany(compiled.sql, [compiled.params(row) for row in rows])


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append ``rows`` (same columns) in one ``executemany``, in order: on SQLite in a begun
    transaction through the driver's cursor, as ``upsert`` does (the order journal's events)."""
    if not rows:
        return
    columns = tuple(rows[0])
    cursor = _sqlite_cursor(conn)
    if cursor is None:
        conn.execute(insert(table), [dict(row) for row in rows])
        return
    cache_key = ("insert", conn.dialect.name, table, (), columns)
    stmt = _statements.get(cache_key)
    if stmt is None:
        stmt = _statements[cache_key] = insert(table)
    compiled = _compiled.get((table, ("insert",), columns))
    if compiled is None:
        compiled = _compiled[(table, ("insert",), columns)] = _Compiled(conn, stmt, columns)
    if len(rows) == 1:
        cursor.execute(compiled.sql, compiled.params(rows[0]))
    else:
        cursor.executemany(compiled.sql, [compiled.params(row) for row in rows])


R = TypeVar("R")


def time_series(
    conn: Connection,
    query: Select[Any],
    table: Table,
    build: Callable[[RowMapping], R],
    *,
    since_ns: int | None,
    limit: int | None,
) -> list[R]:
    """Rows of ``query`` in time order, from ``since_ns`` inclusive; with ``limit``, only the
    latest ``limit`` of them (what a chart wants: the newest, still oldest first)."""
    if since_ns is not None:
        query = query.where(table.c.ts_ns >= since_ns)
    if limit is not None:
        query = query.order_by(table.c.ts_ns.desc(), table.c.id.desc()).limit(limit)
    else:
        query = query.order_by(table.c.ts_ns, table.c.id)
    out = [build(row) for row in conn.execute(query).mappings()]
    if limit is not None:
        out.reverse()
    return out
