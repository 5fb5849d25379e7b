"""Engines for any SQLAlchemy URL, with SQLite tuned for one writer and crash safety.

SQLite gets, on every connection: WAL (readers never block the writer), ``synchronous=FULL``,
foreign keys, and a busy timeout so a second process (``arbdesk panic``) waits instead of failing
at once.

Decision: ``synchronous=FULL``, not ``NORMAL``. In WAL mode NORMAL hands a commit to the operating
system and syncs only at checkpoints: a power cut or a kernel crash can lose the last commits
(the database stays consistent, but an order journaled as "on disk" and then sent could vanish).
FULL syncs the WAL file (``fsync``/``fdatasync``) at every commit before the commit returns, so a
committed transaction survives a power cut too, given a disk that honours the sync. It costs one
sync per commit (0.5-0.9 ms on the dev VM's disk), which the store's group commit shares between
every job that waits (``app.store.store``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url

BUSY_TIMEOUT_MS = 5_000


def sqlite_url(path: str | Path) -> str:
    """The URL of a SQLite file, correct on Windows paths too."""
    return URL.create("sqlite", database=str(Path(path).expanduser())).render_as_string()


def _is_sqlite_file(url: URL) -> bool:
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    return not database.startswith("file:")  # a URI filename: leave it to the caller


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def create_store_engine(url: str | URL, **kwargs: Any) -> Engine:
    """A sync engine for ``url``; for a SQLite file its folder is created first."""
    parsed = make_url(url)
    if _is_sqlite_file(parsed):
        assert parsed.database is not None
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine
