"""Small persisted state as JSON by key: the trading state (``HALTED`` survives a restart), the
last client order id sequence, bot states. Not the user's settings file, and never secrets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from app.store.repositories._sql import stamp, upsert
from app.store.schema import settings


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    """The stored JSON value of ``key``, or ``default`` if there is none."""
    query = select(settings.c.value).where(settings.c.key == key)
    row = conn.execute(query).first()
    return default if row is None else row[0]


def set_setting(conn: Connection, key: str, value: Any, *, now_ns: int | None = None) -> None:
    """Store ``value`` (anything JSON can hold; Decimals become strings) under ``key``."""
    row = {"key": key, "value": value, "updated_ns": stamp(now_ns)}
    upsert(conn, settings, row, ("key",))


def delete_setting(conn: Connection, key: str) -> bool:
    """Forget ``key``; True if it was there."""
    return conn.execute(delete(settings).where(settings.c.key == key)).rowcount > 0
