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


def upsert(conn: Connection, table: Table, row: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Insert ``row``, or overwrite every non-key column of the row with the same ``keys``."""
    values = {k: v for k, v in row.items() if k not in keys}
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        dialect_insert = sqlite.insert if name == "sqlite" else postgresql.insert
        stmt = dialect_insert(table).values(dict(row))
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys],
            set_={k: stmt.excluded[k] for k in values},
        )
        conn.execute(stmt)
        return
    result = conn.execute(update(table).where(_key_clause(table, row, keys)).values(values))
    if result.rowcount == 0:
        conn.execute(insert(table).values(dict(row)))


def insert_if_absent(
    conn: Connection, table: Table, row: Mapping[str, Any], keys: Sequence[str]
) -> bool:
    """Insert ``row`` unless one with the same ``keys`` exists; True if it was inserted."""
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        dialect_insert = sqlite.insert if name == "sqlite" else postgresql.insert
        stmt = (
            dialect_insert(table)
            .values(dict(row))
            .on_conflict_do_nothing(index_elements=[table.c[k] for k in keys])
        )
        return conn.execute(stmt).rowcount == 1
    if conn.execute(select(exists().where(_key_clause(table, row, keys)))).scalar():
        return False
    conn.execute(insert(table).values(dict(row)))
    return True
