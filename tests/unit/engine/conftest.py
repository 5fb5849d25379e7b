"""An engine over a feed the test drives quote by quote, with real paper venues and store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.core.clock import ManualClock
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.core.quotes import Quote
from app.engine.engine import Engine
from app.engine.settings import Settings
from app.engine.settings_loader import merge, validate
from app.engine.wiring import Market
from app.venues.base import QuoteSink, StatusSink
from app.venues.paper import PaperVenue
from app.venues.paper_market import PaperMarket
from app.venues.paper_store import PaperStateStore
from app.venues.sim_model import build_instruments

T0 = 1_800_000_000 * 10**9


class ManualFeed:
    """A MarketFeed whose quotes the test pushes; it ends when closed."""

    def __init__(self, venues: Sequence[str]) -> None:
        self._venues = tuple(venues)
        self._instruments = build_instruments(venues)
        self.clock = ManualClock(T0)
        self._sink: QuoteSink | None = None
        self._closed = asyncio.Event()

    def instruments(self) -> Sequence[Instrument]:
        return self._instruments

    def venues(self) -> Sequence[str]:
        return self._venues

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return None

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        self._sink = sink
        for venue in self._venues:
            status(venue, VenueState.CONNECTED, "")
        await self._closed.wait()

    async def close(self) -> None:
        self._closed.set()

    def push(self, venue: str, symbol: str, bid: float, ask: float, qty: float = 5.0) -> Quote:
        assert self._sink is not None, "the engine is not running"
        now = self.clock.now_ns() + 1_000_000
        self.clock.set(now)
        quote = Quote(venue, symbol, bid, qty, ask, qty, now)
        self._sink(quote)
        return quote

    def advance(self, seconds: float) -> None:
        self.clock.set(self.clock.now_ns() + int(seconds * 1e9))


def engine_settings(**over: Any) -> Settings:
    return validate(merge(Settings().model_dump(mode="json"), over), "test")


MakeEngine = Callable[..., Awaitable[tuple[Engine, ManualFeed]]]


@pytest.fixture
async def make_engine(arbdesk_home: Path) -> AsyncIterator[MakeEngine]:
    """Builds and starts engines over a ManualFeed; all are stopped after the test."""
    started: list[Engine] = []

    async def make(
        venues: Sequence[str] = ("sim-a", "sim-b"), **over: Any
    ) -> tuple[Engine, ManualFeed]:
        settings = engine_settings(**over)
        feed = ManualFeed(venues)
        store = PaperStateStore(arbdesk_home / "data" / "paper.sqlite")
        papers = {
            name: PaperVenue(
                name,
                [i for i in feed.instruments() if i.venue == name],
                starting_balances=settings.paper.starting_balances,
                store=store,
                clock=feed.clock,
            )
            for name in venues
        }
        market = Market(feed=PaperMarket(feed, papers), venues=dict(papers), paper_store=store)
        engine = Engine(settings, market=market)
        await engine.start()
        started.append(engine)
        for _ in range(50):
            if feed._sink is not None:
                break
            await asyncio.sleep(0.01)
        for venue in venues:
            feed.push(venue, "BTC/USDT", 50_000.0, 50_001.0)
            feed.push(venue, "ETH/USDT", 3_000.0, 3_000.5)
            feed.push(venue, "BTC/USDT:USDT", 50_010.0, 50_010.5)
        return engine, feed

    yield make
    for engine in started:
        await engine.stop()
