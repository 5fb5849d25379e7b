"""What the OMS takes up again at start-up: orders that may still trade, and orders whose fills
are not all recorded.

Fills are recovered *by order*, never by a time watermark: market time restarts with every
simulated or replayed run, and concurrent orders fill out of order live, so "fills since the
newest recorded fill" can skip a fill for good. Instead, every order touched since the last clean
reconciliation (its events in the append-only journal after ``RECONCILED_KEY``'s event id) whose
filled quantity exceeds the fills recorded for it is taken up again, and reconciliation asks the
venue for that order's fills.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, func, select

from app.core.money import ZERO
from app.core.orders import Fill, Order
from app.store import repositories as repo
from app.store.schema import order_events

#: The journal's last event id when every venue last reconciled cleanly.
RECONCILED_KEY = "oms.reconciled_event_id"


def last_event_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(order_events.c.id))).scalar() or 0)


def mark_reconciled(conn: Connection, event_id: int) -> None:
    """Every order touched up to ``event_id`` has its fills: later starts need not look."""
    repo.set_setting(conn, RECONCILED_KEY, event_id)


def _fills(conn: Connection, cids: list[str]) -> list[Fill]:
    return [f for cid in cids for f in repo.load_fills(conn, client_order_id=cid)]


def orders_to_resume(conn: Connection) -> tuple[list[Order], list[Fill]]:
    """Open orders, orders touched since the last clean reconciliation that lack fills, and the
    fills recorded for all of them."""
    open_orders = repo.load_orders(conn, open_only=True)
    since = int(repo.get_setting(conn, RECONCILED_KEY, 0) or 0)
    touched = conn.execute(
        select(order_events.c.client_order_id).where(order_events.c.id > since).distinct()
    ).scalars()
    known = {o.client_order_id for o in open_orders}
    candidates = [
        order
        for cid in sorted(set(touched) - known)
        if (order := repo.load_order(conn, cid)) is not None and order.filled_qty > 0
    ]
    fills = _fills(conn, [o.client_order_id for o in open_orders + candidates])
    recorded: dict[str, Decimal] = {}
    for fill in fills:
        recorded[fill.client_order_id] = recorded.get(fill.client_order_id, ZERO) + fill.qty
    short = [o for o in candidates if o.filled_qty > recorded.get(o.client_order_id, ZERO)]
    resumed = open_orders + short
    cids = {o.client_order_id for o in resumed}
    return resumed, [f for f in fills if f.client_order_id in cids]
