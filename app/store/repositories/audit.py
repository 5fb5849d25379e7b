"""The audit log: every deliberate act (panic, halt, reset, key change, manual order), in order.

Usually written through ``Store.enqueue(audit_log, audit_row(...))``; ``append_audit`` is for
acts that must be on disk before the app goes on (the panic path).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from app.core.audit_chain import GENESIS, entry_hash, normalised
from app.store.records import AuditEntry
from app.store.repositories._sql import stamp
from app.store.schema import audit_log


def audit_row(
    actor: str,
    action: str,
    detail: Mapping[str, Any] | None = None,
    *,
    prev_hash: str,
    trace_id: str | None = None,
    ts_ns: int | None = None,
) -> dict[str, Any]:
    """A chained row for ``audit_log``: it carries ``prev_hash`` and its own hash over both.

    ``detail`` is JSON; it is normalised here (Decimals become strings) so that the hash is of
    exactly what is read back.
    """
    ts = stamp(ts_ns)
    body = normalised(detail or {})
    return {
        "ts_ns": ts,
        "actor": actor,
        "action": action,
        "detail": body,
        "trace_id": trace_id,
        "prev_hash": prev_hash,
        "hash": entry_hash(prev_hash, ts, actor, action, body, trace_id),
    }


def last_audit_hash(conn: Connection) -> str:
    """The hash the next entry must chain to (``GENESIS`` for an empty log)."""
    row = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).first()
    return row[0] if row is not None and row[0] else GENESIS


def append_audit(
    conn: Connection,
    actor: str,
    action: str,
    detail: Mapping[str, Any] | None = None,
    *,
    trace_id: str | None = None,
    ts_ns: int | None = None,
) -> str:
    """Append one entry now, chained to the last one; returns its hash."""
    row = audit_row(
        actor, action, detail, prev_hash=last_audit_hash(conn), trace_id=trace_id, ts_ns=ts_ns
    )
    conn.execute(insert(audit_log).values(row))
    return str(row["hash"])


@dataclass(frozen=True, slots=True)
class ChainCheck:
    entries: int
    first_broken_id: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_audit_chain(conn: Connection) -> ChainCheck:
    """Walk the log in order; the first entry whose link or hash does not hold is named."""
    prev = GENESIS
    count = 0
    for row in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings():
        count += 1
        if row["prev_hash"] != prev:
            return ChainCheck(count, row["id"], "does not chain to the entry before it")
        expected = entry_hash(
            prev, row["ts_ns"], row["actor"], row["action"], row["detail"], row["trace_id"]
        )
        if row["hash"] != expected:
            return ChainCheck(count, row["id"], "its content does not match its hash")
        prev = row["hash"]
    return ChainCheck(count, None)


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
