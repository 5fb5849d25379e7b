"""The order journal and fills, mapped exactly to ``app.core.orders.Order`` and ``Fill``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from app.core.orders import (
    Fill,
    Liquidity,
    Order,
    OrderEvent,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.store.repositories._sql import (
    insert_if_absent,
    insert_many,
    insert_many_if_absent,
    upsert,
    upsert_many,
)
from app.store.schema import fills, order_events, orders

#: Orders that may still trade at a venue (``OrderStatus.is_open``: not terminal, not NEW).
OPEN_STATUSES = frozenset(s for s in OrderStatus if s.is_open)
#: Each member's plain value, looked up once: ``member.value`` is a property call per access.
_VALUE: dict[object, str] = {
    m: m.value for enum in (Side, OrderType, TimeInForce, OrderStatus) for m in enum
}


def order_row(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id,
        "venue": order.venue,
        "symbol": order.symbol,
        "side": _VALUE[order.side],
        "type": _VALUE[order.type],
        "time_in_force": _VALUE[order.time_in_force],
        "quantity": order.quantity,
        "price": order.price,
        "status": _VALUE[order.status],
        "filled_qty": order.filled_qty,
        "avg_fill_price": order.avg_fill_price,
        "venue_order_id": order.venue_order_id,
        "reduce_only": order.reduce_only,
        "origin": order.origin,
        "reason": order.reason,
        "created_ns": order.created_ns,
        "updated_ns": order.updated_ns,
        "trace_id": order.trace_id or None,
    }


def order_from_row(row: RowMapping) -> Order:
    return Order(
        client_order_id=row["client_order_id"],
        venue=row["venue"],
        symbol=row["symbol"],
        side=Side(row["side"]),
        type=OrderType(row["type"]),
        quantity=row["quantity"],
        price=row["price"],
        time_in_force=TimeInForce(row["time_in_force"]),
        reduce_only=bool(row["reduce_only"]),
        origin=row["origin"],
        status=OrderStatus(row["status"]),
        filled_qty=row["filled_qty"],
        avg_fill_price=row["avg_fill_price"],
        venue_order_id=row["venue_order_id"],
        reason=row["reason"],
        created_ns=row["created_ns"],
        updated_ns=row["updated_ns"],
        trace_id=row["trace_id"] or "",
    )


def save_order(conn: Connection, order: Order) -> None:
    """Journal ``order`` as last known: insert, or overwrite the stored version."""
    upsert(conn, orders, order_row(order), ("client_order_id",))


def save_orders(conn: Connection, items: Iterable[Order]) -> None:
    """Journal several orders in one statement (the last version of each wins)."""
    upsert_many(conn, orders, [order_row(o) for o in items], ("client_order_id",))


def order_event_row(event: OrderEvent) -> dict[str, Any]:
    return {
        "client_order_id": event.client_order_id,
        "ts_ns": event.ts_ns,
        "actor": event.actor,
        "action": event.action,
        "status": _VALUE[event.status],
        "filled_qty": event.filled_qty,
        "detail": event.detail,
    }


def order_event_from_row(row: RowMapping) -> OrderEvent:
    return OrderEvent(
        client_order_id=row["client_order_id"],
        ts_ns=row["ts_ns"],
        actor=row["actor"],
        action=row["action"],
        status=OrderStatus(row["status"]),
        filled_qty=row["filled_qty"],
        detail=row["detail"],
    )


def save_order_events(conn: Connection, events: Sequence[OrderEvent]) -> None:
    """Append ``events`` to the journal in the given order (one executemany; never updated)."""
    insert_many(conn, order_events, [order_event_row(e) for e in events])


def load_order_events(conn: Connection, client_order_id: str) -> list[OrderEvent]:
    """One order's history, in the order it was appended."""
    query = (
        select(order_events)
        .where(order_events.c.client_order_id == client_order_id)
        .order_by(order_events.c.id)
    )
    return [order_event_from_row(row) for row in conn.execute(query).mappings()]


def journal_order(conn: Connection, order: Order, event: OrderEvent) -> None:
    """Journal ``order`` as last known and append how it got there, in the caller's
    transaction: the state and its history never disagree."""
    save_order(conn, order)
    save_order_events(conn, (event,))


def load_order(conn: Connection, client_order_id: str) -> Order | None:
    query = select(orders).where(orders.c.client_order_id == client_order_id)
    row = conn.execute(query).mappings().first()
    return None if row is None else order_from_row(row)


def load_orders(
    conn: Connection,
    *,
    open_only: bool = False,
    venue: str | None = None,
    statuses: Iterable[OrderStatus] | None = None,
) -> list[Order]:
    """Orders oldest first; ``open_only`` keeps ``OPEN_STATUSES`` (what reconciliation checks)."""
    query = select(orders).order_by(orders.c.created_ns, orders.c.client_order_id)
    wanted = None if statuses is None else set(statuses)
    if open_only:
        wanted = set(OPEN_STATUSES) if wanted is None else wanted & OPEN_STATUSES
    if wanted is not None:
        query = query.where(orders.c.status.in_(sorted(s.value for s in wanted)))
    if venue is not None:
        query = query.where(orders.c.venue == venue)
    return [order_from_row(row) for row in conn.execute(query).mappings()]


def fill_row(fill: Fill) -> dict[str, Any]:
    return {
        "venue": fill.venue,
        "trade_id": fill.trade_id,
        "client_order_id": fill.client_order_id,
        "venue_order_id": fill.venue_order_id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "price": fill.price,
        "qty": fill.qty,
        "fee": fill.fee,
        "fee_currency": fill.fee_currency,
        "liquidity": fill.liquidity.value,
        "ts_ns": fill.ts_ns,
    }


def fill_from_row(row: RowMapping) -> Fill:
    return Fill(
        venue=row["venue"],
        trade_id=row["trade_id"],
        client_order_id=row["client_order_id"],
        symbol=row["symbol"],
        side=Side(row["side"]),
        price=row["price"],
        qty=row["qty"],
        fee=row["fee"],
        fee_currency=row["fee_currency"],
        liquidity=Liquidity(row["liquidity"]),
        ts_ns=row["ts_ns"],
        venue_order_id=row["venue_order_id"],
    )


def save_fill(conn: Connection, fill: Fill) -> bool:
    """Store ``fill``; False (and nothing written) if ``(venue, trade_id)`` is already stored."""
    return insert_if_absent(conn, fills, fill_row(fill), ("venue", "trade_id"))


def save_fills(conn: Connection, items: Sequence[Fill]) -> None:
    """Store several fills in one statement; those already stored (same ``(venue, trade_id)``)
    are skipped."""
    insert_many_if_absent(conn, fills, [fill_row(f) for f in items], ("venue", "trade_id"))


def load_fills(
    conn: Connection,
    *,
    since_ns: int | None = None,
    venue: str | None = None,
    client_order_id: str | None = None,
) -> list[Fill]:
    """Fills in time order, from ``since_ns`` inclusive."""
    query = select(fills).order_by(fills.c.ts_ns, fills.c.venue, fills.c.trade_id)
    if since_ns is not None:
        query = query.where(fills.c.ts_ns >= since_ns)
    if venue is not None:
        query = query.where(fills.c.venue == venue)
    if client_order_id is not None:
        query = query.where(fills.c.client_order_id == client_order_id)
    return [fill_from_row(row) for row in conn.execute(query).mappings()]
