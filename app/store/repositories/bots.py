"""Bots, their steps' intents and parameter templates; a bot's orders and fills by origin.

Saves are upserts (the same on SQLite and PostgreSQL: ``_sql.upsert``), so the manager writes a
bot's whole row after every transition without asking whether it is new. JSON columns hold plain
JSON: a ``Decimal`` is written as its string and read back as that string.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, delete, select

from app.core.orders import Fill, Order
from app.store.records import BotRow, IntentRow, TemplateRow
from app.store.repositories._sql import upsert
from app.store.repositories.orders import fill_from_row, order_from_row
from app.store.schema import bot_intents, bot_templates, bots, fills, orders

#: ``bots.last_event`` is VARCHAR(500): PostgreSQL refuses longer text, so it is cut here.
LAST_EVENT_MAX = 500


def _bot_row(row: BotRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "params": row.params,
        "status": str(row.status),
        "state": row.state,
        "state_version": row.state_version,
        "created_ns": row.created_ns,
        "updated_ns": row.updated_ns,
        "last_event": row.last_event[:LAST_EVENT_MAX],
    }


def _bot_from_row(row: RowMapping) -> BotRow:
    return BotRow(
        id=row["id"],
        kind=row["kind"],
        params=row["params"],
        status=row["status"],
        state=row["state"],
        state_version=row["state_version"],
        created_ns=row["created_ns"],
        updated_ns=row["updated_ns"],
        last_event=row["last_event"],
    )


def save_bot(conn: Connection, row: BotRow) -> None:
    """Insert the bot, or overwrite every column of the stored one with the same id."""
    upsert(conn, bots, _bot_row(row), ("id",))


def load_bots(conn: Connection) -> list[BotRow]:
    """Every bot, oldest first."""
    query = select(bots).order_by(bots.c.created_ns, bots.c.id)
    return [_bot_from_row(r) for r in conn.execute(query).mappings()]


def delete_bot(conn: Connection, bot_id: str) -> bool:
    """Forget the bot and all its intents (its orders and fills stay in the journal); True if
    the bot was there."""
    conn.execute(delete(bot_intents).where(bot_intents.c.bot_id == bot_id))
    return conn.execute(delete(bots).where(bots.c.id == bot_id)).rowcount > 0


def _intent_row(row: IntentRow) -> dict[str, Any]:
    return {
        "trace_id": row.trace_id,
        "bot_id": row.bot_id,
        "cycle": row.cycle,
        "step": row.step,
        "action": str(row.action),
        "plan": row.plan,
        "status": str(row.status),
        "result": row.result,
        "created_ns": row.created_ns,
        "updated_ns": row.updated_ns,
    }


def _intent_from_row(row: RowMapping) -> IntentRow:
    return IntentRow(
        trace_id=row["trace_id"],
        bot_id=row["bot_id"],
        cycle=row["cycle"],
        step=row["step"],
        action=row["action"],
        plan=row["plan"],
        status=row["status"],
        result=row["result"],
        created_ns=row["created_ns"],
        updated_ns=row["updated_ns"],
    )


def save_intent(conn: Connection, row: IntentRow) -> None:
    """Insert the intent, or overwrite the stored one with the same trace id (its outcome)."""
    upsert(conn, bot_intents, _intent_row(row), ("trace_id",))


def pending_intents(conn: Connection, bot_id: str | None = None) -> list[IntentRow]:
    """Intents still ``pending`` (a step whose outcome a restart must settle before the bot goes
    on), of one bot or of all, in step order per bot."""
    query = (
        select(bot_intents)
        .where(bot_intents.c.status == "pending")
        .order_by(bot_intents.c.bot_id, bot_intents.c.cycle, bot_intents.c.step)
    )
    if bot_id is not None:
        query = query.where(bot_intents.c.bot_id == bot_id)
    return [_intent_from_row(r) for r in conn.execute(query).mappings()]


def intents_of(conn: Connection, bot_id: str, limit: int | None = None) -> list[IntentRow]:
    """The bot's intents in step order; with ``limit``, only the latest ``limit`` of them (still
    oldest first: a cycle history reads top to bottom)."""
    query = select(bot_intents).where(bot_intents.c.bot_id == bot_id)
    if limit is None:
        query = query.order_by(bot_intents.c.cycle, bot_intents.c.step)
        return [_intent_from_row(r) for r in conn.execute(query).mappings()]
    query = query.order_by(bot_intents.c.cycle.desc(), bot_intents.c.step.desc()).limit(limit)
    out = [_intent_from_row(r) for r in conn.execute(query).mappings()]
    out.reverse()
    return out


def save_template(conn: Connection, row: TemplateRow) -> None:
    """Insert the template, or overwrite the one with the same name."""
    values = {"name": row.name, "kind": row.kind, "params": row.params}
    upsert(conn, bot_templates, values | {"created_ns": row.created_ns}, ("name",))


def load_templates(conn: Connection) -> list[TemplateRow]:
    """Every template, by name."""
    query = select(bot_templates).order_by(bot_templates.c.name)
    return [
        TemplateRow(name=r["name"], kind=r["kind"], params=r["params"], created_ns=r["created_ns"])
        for r in conn.execute(query).mappings()
    ]


def delete_template(conn: Connection, name: str) -> bool:
    """Forget the template; True if it was there."""
    return conn.execute(delete(bot_templates).where(bot_templates.c.name == name)).rowcount > 0


def orders_by_origin(conn: Connection, origin: str) -> list[Order]:
    """Every order of ``origin`` (``bot:<id>``), oldest first (index ``ix_orders_origin``)."""
    query = (
        select(orders)
        .where(orders.c.origin == origin)
        .order_by(orders.c.created_ns, orders.c.client_order_id)
    )
    return [order_from_row(r) for r in conn.execute(query).mappings()]


def orders_by_trace(conn: Connection, trace_id: str) -> list[Order]:
    """Every order of one step (trace id ``<bot>:<cycle>:<step>``), oldest first: after a
    restart, a step with orders is never sent again."""
    query = (
        select(orders)
        .where(orders.c.trace_id == trace_id)
        .order_by(orders.c.created_ns, orders.c.client_order_id)
    )
    return [order_from_row(r) for r in conn.execute(query).mappings()]


def fills_by_origin(conn: Connection, origin: str) -> list[Fill]:
    """Every fill of an order of ``origin``, in time order (fills joined to their orders by
    client order id)."""
    query = (
        select(fills)
        .join(orders, orders.c.client_order_id == fills.c.client_order_id)
        .where(orders.c.origin == origin)
        .order_by(fills.c.ts_ns, fills.c.venue, fills.c.trade_id)
    )
    return [fill_from_row(r) for r in conn.execute(query).mappings()]
