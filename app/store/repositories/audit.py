"""The audit log: every deliberate act (panic, halt, reset, key change, manual order), in order.

Usually written through ``Store.enqueue(audit_log, audit_row(...))``; ``append_audit`` is for
acts that must be on disk before the app goes on (the panic path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from app.store.records import AuditEntry
from app.store.repositories._sql import stamp
from app.store.schema import audit_log


def audit_row(
    actor: str,
    action: str,
    detail: Mapping[str, Any] | None = None,
    *,
    trace_id: str | None = None,
    ts_ns: int | None = None,
) -> dict[str, Any]:
    """A row for ``audit_log``. ``detail`` is JSON; Decimals in it are kept as strings."""
    return {
        "ts_ns": stamp(ts_ns),
        "actor": actor,
        "action": action,
        "detail": dict(detail or {}),
        "trace_id": trace_id,
    }


def append_audit(
    conn: Connection,
    actor: str,
    action: str,
    detail: Mapping[str, Any] | None = None,
    *,
    trace_id: str | None = None,
    ts_ns: int | None = None,
) -> int:
    """Append one entry now; returns its id."""
    row = audit_row(actor, action, detail, trace_id=trace_id, ts_ns=ts_ns)
    key = conn.execute(insert(audit_log).values(row)).inserted_primary_key
    if key is None:
        raise RuntimeError("audit_log insert returned no id")
    return int(key[0])


def load_audit(
    conn: Connection,
    *,
    since_ns: int | None = None,
    action: str | None = None,
    trace_id: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries in the order they were written; with ``limit``, the first ``limit`` of them."""
    query = select(audit_log).order_by(audit_log.c.id)
    if since_ns is not None:
        query = query.where(audit_log.c.ts_ns >= since_ns)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if trace_id is not None:
        query = query.where(audit_log.c.trace_id == trace_id)
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditEntry(
            ts_ns=row["ts_ns"],
            actor=row["actor"],
            action=row["action"],
            detail=row["detail"],
            trace_id=row["trace_id"],
            id=row["id"],
        )
        for row in conn.execute(query).mappings()
    ]
