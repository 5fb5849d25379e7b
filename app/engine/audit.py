"""The engine's side of the audit log: entries chained in memory, written by the store thread.

The last hash is held here so an entry can be chained without a read; rows go through the store's
ordered queue, and ``flush`` puts them on disk when a step must be recorded before going on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.core.audit_chain import GENESIS
from app.store import repositories as repo
from app.store.schema import audit_log
from app.store.store import Store

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._last = GENESIS
        self.entries_written = 0

    async def open(self) -> None:
        self._last = await self._store.run(repo.last_audit_hash)

    def record(
        self,
        actor: str,
        action: str,
        detail: Mapping[str, Any] | None = None,
        *,
        trace_id: str | None = None,
        ts_ns: int | None = None,
    ) -> None:
        row = repo.audit_row(
            actor, action, detail, prev_hash=self._last, trace_id=trace_id, ts_ns=ts_ns
        )
        self._last = str(row["hash"])
        self._store.enqueue(audit_log, row)
        self.entries_written += 1
        if log.isEnabledFor(logging.INFO):
            # the row's normalised detail (enums and Decimals as their values), as a trader reads it
            text = " ".join(f"{k}={v}" for k, v in row["detail"].items() if v is not None)
            log.info("audit %s %s %s", actor, action, text, extra={"trace_id": trace_id})

    async def flush(self) -> None:
        await self._store.flush()
