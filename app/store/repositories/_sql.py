"""Portable upsert and insert-if-absent: native ``ON CONFLICT`` on SQLite and PostgreSQL,
update-then-insert elsewhere (safe because the store has one writer)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite


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


def upsert(conn: Connection, table: Table, row: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert ``row``, or overwrite every non-key column of the row with the same ``keys``."""
    dialect_insert = _native(conn)
    if dialect_insert is not None:
        cache_key = ("upsert", conn.dialect.name, table, tuple(keys), tuple(row))
        stmt = _statements.get(cache_key)
        if stmt is None:
            base = dialect_insert(table)
            stmt = _statements[cache_key] = base.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={k: base.excluded[k] for k in row if k not in keys},
            )
        conn.execute(stmt, dict(row))
        return
    values = {k: v for k, v in row.items() if k not in keys}
    result = conn.execute(update(table).where(_key_clause(table, row, keys)).values(values))
    if result.rowcount == 0:
        conn.execute(insert(table).values(dict(row)))


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
