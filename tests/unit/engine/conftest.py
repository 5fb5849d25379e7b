"""An engine over a feed the test drives quote by quote, with real paper venues and store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from tests.support.engines import ManualFeed, make_settings, manual_market, start_manual

MakeEngine = Callable[..., Awaitable[tuple[Engine, ManualFeed]]]


@pytest.fixture
async def make_engine(arbdesk_home: Path) -> AsyncIterator[MakeEngine]:
    """Builds and starts engines over a ManualFeed; all are stopped after the test."""
    started: list[Engine] = []

    async def make(
        venues: Sequence[str] = ("sim-a", "sim-b"), **over: Any
    ) -> tuple[Engine, ManualFeed]:
        settings = make_settings(**over)
        market, feed, _ = manual_market(settings, venues)
        engine = Engine(settings, market=market)
        started.append(engine)
        await start_manual(engine, feed)
        return engine, feed

    yield make
    for engine in started:
        await engine.stop()
