"""The engine's store, built by the test: the engine's services are private, so a test that reads
the journal back keeps the store it hands to ``Engine(store=...)`` (the engine opens and closes it).
"""

from __future__ import annotations

from app.runtime import paths
from app.runtime.settings import Settings
from app.store.engine import sqlite_url
from app.store.store import Store


def engine_store(settings: Settings) -> Store:
    """The store the engine would build from ``settings`` (``arbdesk.sqlite`` of the data folder
    unless the settings name one), not opened yet."""
    return Store(settings.store.url or sqlite_url(paths.data_dir() / "arbdesk.sqlite"))
