"""The store: SQLAlchemy Core tables, repositories and Alembic migrations (DESIGN.md, "Store").

Knows only ``app.core``. ``Store`` owns the database on one writer thread; the repositories are
plain functions over a ``Connection`` that ``Store.run`` hands them.
"""

from app.store.engine import create_store_engine, sqlite_url
from app.store.migrate import current_revision, head_revision, migrate
from app.store.records import (
    Account,
    AccountExists,
    AccountMode,
    AccountNotFound,
    AuditEntry,
    EquitySnapshot,
    SpreadSample,
)
from app.store.schema import metadata
from app.store.store import Store, StoreClosed

__all__ = [
    "Account",
    "AccountExists",
    "AccountMode",
    "AccountNotFound",
    "AuditEntry",
    "EquitySnapshot",
    "SpreadSample",
    "Store",
    "StoreClosed",
    "create_store_engine",
    "current_revision",
    "head_revision",
    "metadata",
    "migrate",
    "sqlite_url",
]
