"""What ``arbdesk status`` shows, from a running engine or from its records alone.

Both give the same JSON shape, so the shell reads one format whichever answered: the trading
state, the open orders per venue and the positions. Money is a decimal string in plain notation:
prices and quantities exactly as held (``decimal_str``), amounts such as realized PnL and fees at
``MONEY_PLACES`` (``money_str``).
The store-only readers also serve ``arbdesk audit verify``; they never start venues or a feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from app.core.accounting import Position
from app.core.money import decimal_str, money_str
from app.core.orders import Order
from app.engine.orders.risk import STATE_KEY
from app.engine.supervisor import TaskHealth
from app.runtime import paths
from app.runtime.settings import Settings
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.store import Store

if TYPE_CHECKING:
    from app.engine.engine import Engine

DATABASE_FILE = "arbdesk.sqlite"


class NoRecords(RuntimeError):
    """There is no database to read: ArbDesk never ran with these settings."""


def store_url(settings: Settings) -> str:
    """The engine's database, as ``Engine`` chooses it."""
    return settings.store.url or sqlite_url(paths.data_dir() / DATABASE_FILE)


def order_dict(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": order.type.value,
        "quantity": decimal_str(order.quantity),
        "price": None if order.price is None else decimal_str(order.price),
        "filled_qty": decimal_str(order.filled_qty),
        "status": order.status.value,
        "origin": order.origin,
    }


def position_dict(position: Position) -> dict[str, Any]:
    return {
        "venue": position.instrument_id.venue,
        "symbol": position.instrument_id.symbol,
        "qty": decimal_str(position.qty),
        "avg_entry": decimal_str(position.avg_entry),
        "realized_pnl": money_str(position.realized_pnl),
        "fees": money_str(position.fees),
    }


def _shape(
    source: str,
    state: str,
    reason: str,
    venues: Iterable[str],
    orders: Iterable[Order],
    positions: Iterable[Position],
) -> dict[str, Any]:
    per_venue: dict[str, list[dict[str, Any]]] = {v: [] for v in sorted(venues)}
    for order in orders:
        per_venue.setdefault(order.venue, []).append(order_dict(order))
    return {
        "source": source,
        "trading_state": state,
        "reason": reason,
        "open_orders": per_venue,
        "positions": [position_dict(p) for p in positions if p.qty != 0],
    }


def status_of(engine: Engine) -> dict[str, Any]:
    """The running engine's own view (RECONCILING shows while it compares with venues)."""
    out = _shape(
        "instance",
        engine.trading_state.value,
        engine.trading_reason,
        engine.venue_names(),
        engine.open_orders(),
        engine.positions(),
    )
    out["mode"] = engine.settings.mode
    out["tasks"] = [task_dict(t) for t in engine.task_health()]
    return out


def task_dict(task: TaskHealth) -> dict[str, Any]:
    """One supervised task's health, as ``arbdesk status --json`` shows it."""
    return {
        "name": task.name,
        "state": task.state,
        "safety": task.safety,
        "restarts": task.restarts,
        "failures": task.failures,
        "last_error": task.last_error,
        "last_trace_id": task.last_trace_id,
    }


def _read_status(conn: Connection) -> dict[str, Any]:
    saved = repo.get_setting(conn, STATE_KEY)
    state, reason = "ACTIVE", ""
    if isinstance(saved, Mapping):
        state, reason = str(saved.get("state", state)), str(saved.get("reason", ""))
    orders = repo.load_orders(conn, open_only=True)
    return _shape("store", state, reason, (), orders, repo.load_positions(conn))


async def open_records(settings: Settings) -> Store:
    """The engine's store, opened; ``NoRecords`` if its SQLite file does not exist (opening
    would create an empty one and report a clean, empty history that never happened)."""
    url = store_url(settings)
    if not settings.store.url:
        path = paths.data_dir() / DATABASE_FILE
        if not path.exists():
            raise NoRecords(f"no database at {path}: ArbDesk has not run here yet")
    store = Store(url)
    await store.open()
    return store


async def stored_status(settings: Settings) -> dict[str, Any]:
    """The persisted state, the journal's open orders and the recorded positions."""
    store = await open_records(settings)
    try:
        out = await store.run(_read_status)
    finally:
        await store.close()
    out["mode"] = settings.mode
    return out


async def verify_audit(settings: Settings) -> repo.ChainCheck:
    """Walk the audit log's hash chain; the first entry that does not hold is named."""
    store = await open_records(settings)
    try:
        return await store.run(repo.verify_audit_chain)
    finally:
        await store.close()
