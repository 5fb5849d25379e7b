"""Schema migrations, run programmatically on start (``migrate``), without an ini file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.store.engine import create_store_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def migrate(engine_or_url: Engine | Connection | str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (a no-op when it is already there)."""
    _with_connection(engine_or_url, lambda config: command.upgrade(config, revision))


def downgrade(engine_or_url: Engine | Connection | str, revision: str) -> None:
    """Downgrade the database to ``revision`` (``"base"``: no tables). For tests and tools."""
    _with_connection(engine_or_url, lambda config: command.downgrade(config, revision))


def current_revision(engine_or_url: Engine | Connection | str) -> str | None:
    """The revision the database is at; None for an empty database."""
    if isinstance(engine_or_url, Connection):
        return MigrationContext.configure(engine_or_url).get_current_revision()
    engine = _engine(engine_or_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if engine is not engine_or_url:
            engine.dispose()


def _engine(engine_or_url: Engine | str) -> Engine:
    return create_store_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url


def _with_connection(
    engine_or_url: Engine | Connection | str, action: Callable[[Config], None]
) -> None:
    config = alembic_config()
    if isinstance(engine_or_url, Connection):
        config.attributes["connection"] = engine_or_url
        action(config)
        return
    engine = _engine(engine_or_url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            action(config)
    finally:
        if engine is not engine_or_url:
            engine.dispose()
