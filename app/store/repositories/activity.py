"""What happened since the last daily summary, read back from the store.

The summary counts what the store holds beyond a mark kept in the settings table (the number of
orders and fills, the last audit entry) and moves the mark on, in one transaction. So a restart
during the day loses nothing, and the count does not depend on any clock: a simulated or
replayed market has its own time, the audit log's halts are in wall time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from app.store.repositories.settings import get_setting, set_setting
from app.store.schema import audit_log, fills, orders

#: The settings key of the mark.
SUMMARY_MARK = "alerts.summary_mark"


@dataclass(frozen=True, slots=True)
class Activity:
    orders: int
    fills: int
    halts: tuple[str, ...]  # the reason of each halt, oldest first


def _now(conn: Connection) -> dict[str, int]:
    count_orders = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    count_fills = conn.execute(select(func.count()).select_from(fills)).scalar_one()
    last = conn.execute(select(func.max(audit_log.c.id))).scalar_one()
    return {"orders": int(count_orders), "fills": int(count_fills), "audit_id": int(last or 0)}


def ensure_summary_mark(conn: Connection) -> None:
    """Put the mark at the store's present state unless there is one (the first summary then
    counts from the first start with this version, not the whole history)."""
    if get_setting(conn, SUMMARY_MARK) is None:
        set_setting(conn, SUMMARY_MARK, _now(conn))


def activity_since_mark(conn: Connection) -> Activity:
    """Orders, fills and halts since the mark (none: since the store began); the mark moves to
    now. Counts never go below zero (a reset of the paper accounts deletes rows)."""
    mark: dict[str, Any] = get_setting(conn, SUMMARY_MARK) or {}
    now = _now(conn)
    rows = conn.execute(
        select(audit_log.c.detail)
        .where(audit_log.c.id > int(mark.get("audit_id", 0)))
        .where(audit_log.c.action == "trading_state")
        .order_by(audit_log.c.id)
    ).scalars()
    halts = tuple(str(d.get("reason", "")) for d in rows if d.get("to") == "HALTED")
    set_setting(conn, SUMMARY_MARK, now)
    return Activity(
        max(0, now["orders"] - int(mark.get("orders", 0))),
        max(0, now["fills"] - int(mark.get("fills", 0))),
        halts,
    )
