"""An engine over a feed the test drives quote by quote, with real paper venues and store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.engine.engine import Engine
from app.store.store import Store
from tests.support.engines import ManualFeed, make_settings, manual_market, start_manual
from tests.support.faulty_venue import FaultyVenue
from tests.support.stores import engine_store

MakeEngine = Callable[..., Awaitable[tuple[Engine, ManualFeed]]]


@dataclass(frozen=True)
class Harness:
    """An engine whose ``sim-a`` is wrapped in faults, and the store it writes (for reading the
    journal back: the engine's own store is private)."""

    engine: Engine
    feed: ManualFeed
    venue: FaultyVenue
    store: Store


MakeHarness = Callable[..., Awaitable[Harness]]


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


@pytest.fixture
async def make_harness(arbdesk_home: Path) -> AsyncIterator[MakeHarness]:
    """Builds and starts engines whose ``sim-a`` is a ``FaultyVenue``; all stopped after the test.
    ``drop_reports`` is the wrapper's; other keywords are settings sections."""
    started: list[Engine] = []

    async def make(*, drop_reports: bool = False, **over: Any) -> Harness:
        settings = make_settings(**over)
        market, feed, faulty = manual_market(
            settings, wrap=["sim-a"], factory=lambda v: FaultyVenue(v, drop_reports=drop_reports)
        )
        store = engine_store(settings)
        engine = Engine(settings, market=market, store=store)
        started.append(engine)
        await start_manual(engine, feed)
        return Harness(engine, feed, faulty["sim-a"], store)

    yield make
    for engine in started:
        await engine.stop()
