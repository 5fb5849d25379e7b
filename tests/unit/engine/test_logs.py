"""Logging set-up: a DEBUG log of ArbDesk is ArbDesk's, not every library's requests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.runtime.logs import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_arbdesk", False):
            root.removeHandler(handler)
            handler.close()


def test_debug_keeps_chatty_libraries_at_info(tmp_path: Path, restore_logging: None) -> None:
    path = configure_logging("DEBUG", tmp_path, console=False)
    assert path is not None
    logging.getLogger("app.engine.orders.oms").debug("our own detail")
    logging.getLogger("ccxt.base.exchange").debug("GET /api/v3/account headers")
    logging.getLogger("sqlalchemy.engine.Engine").debug("INSERT INTO orders")
    logging.getLogger("sqlalchemy.engine.Engine").info("INSERT INTO accounts")
    logging.getLogger("ccxt.base.exchange").info("a library's info line")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "our own detail" in text and "a library's info line" in text
    assert "headers" not in text and "INSERT INTO" not in text


def test_a_quieter_level_applies_to_the_libraries_too(
    tmp_path: Path, restore_logging: None
) -> None:
    path = configure_logging("WARNING", tmp_path, console=False)
    assert path is not None
    logging.getLogger("ccxt").info("connected")
    logging.getLogger("ccxt").warning("rate limited")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "rate limited" in text and "connected" not in text
