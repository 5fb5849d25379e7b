"""Fixtures for store tests: migrated SQLite databases, on a file and in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

from app.store.engine import create_store_engine, sqlite_url
from app.store.migrate import migrate


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "db" / "arbdesk.sqlite")


@pytest.fixture(params=["file", "memory"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database migrated to head; in memory, every use must stay on this one thread."""
    url = sqlite_url(tmp_path / "repo.sqlite") if request.param == "file" else "sqlite://"
    eng = create_store_engine(url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection
