"""One order's history as the journal keeps it: its last state, every transition, its fills.

Read from the store alone (``arbdesk orders show``), never from a running instance: the journal
is written before anything leaves for a venue, so what was sent is there; only the latest
updates of a running instance may still be on their way to the disk (written at the end of its
loop pass). The JSON shape writes money as strings (exact Decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from app.core.orders import Fill, Order, OrderEvent
from app.engine.status import open_records
from app.runtime.settings import Settings
from app.store import repositories as repo


@dataclass(frozen=True, slots=True)
class OrderHistory:
    order: Order
    events: tuple[OrderEvent, ...]  # in the order they were appended
    fills: tuple[Fill, ...]  # in time order


def read_order_history(conn: Connection, client_order_id: str) -> OrderHistory | None:
    """The order, its events and its fills, read in one transaction; None if no such order."""
    order = repo.load_order(conn, client_order_id)
    if order is None:
        return None
    events = repo.load_order_events(conn, client_order_id)
    fills = repo.load_fills(conn, client_order_id=client_order_id)
    return OrderHistory(order, tuple(events), tuple(fills))


async def stored_order_history(settings: Settings, client_order_id: str) -> OrderHistory | None:
    """``read_order_history`` on the engine's store; ``NoRecords`` if there is no database."""
    store = await open_records(settings)
    try:
        return await store.run(read_order_history, client_order_id)
    finally:
        await store.close()


def _money(value: object) -> str | None:
    return None if value is None else str(value)


def history_dict(history: OrderHistory) -> dict[str, Any]:
    """The JSON shape: plain values, money as decimal strings, times as integer nanoseconds."""
    o = history.order
    return {
        "order": {
            "client_order_id": o.client_order_id,
            "venue": o.venue,
            "symbol": o.symbol,
            "side": o.side.value,
            "type": o.type.value,
            "time_in_force": o.time_in_force.value,
            "reduce_only": o.reduce_only,
            "quantity": str(o.quantity),
            "price": _money(o.price),
            "status": o.status.value,
            "filled_qty": str(o.filled_qty),
            "avg_fill_price": _money(o.avg_fill_price),
            "venue_order_id": o.venue_order_id,
            "origin": o.origin,
            "trace_id": o.trace_id,
            "reason": o.reason,
            "created_ns": o.created_ns,
            "updated_ns": o.updated_ns,
        },
        "events": [
            {
                "ts_ns": e.ts_ns,
                "actor": e.actor,
                "action": e.action,
                "status": e.status.value,
                "filled_qty": str(e.filled_qty),
                "detail": e.detail,
            }
            for e in history.events
        ],
        "fills": [
            {
                "venue": f.venue,
                "trade_id": f.trade_id,
                "qty": str(f.qty),
                "price": str(f.price),
                "fee": str(f.fee),
                "fee_currency": f.fee_currency,
                "liquidity": f.liquidity.value,
                "ts_ns": f.ts_ns,
            }
            for f in history.fills
        ],
    }
