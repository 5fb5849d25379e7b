"""Engines for integration tests: real store and paper venues, any venue wrapped in faults.

Two markets: ``ManualFeed`` (the test pushes every quote; its clock moves only with them, so no
quote goes stale and every price is known) and the simulated market of the settings. Either way
the paper venues keep their state in ``paper.sqlite`` of the data folder, as in the app, so an
engine built again on the same ``ARBDESK_HOME`` meets the venues as they were left.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from app.core.clock import ManualClock
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.core.quotes import Quote
from app.engine.engine import Engine
from app.engine.wiring import Market, build_market, paper_market
from app.runtime import paths
from app.runtime.settings import Settings
from app.runtime.settings_loader import merge, validate
from app.venues.base import QuoteSink, StatusSink, Venue
from app.venues.paper import PaperVenue
from app.venues.sim_model import build_instruments

from .faulty_venue import FaultyVenue

T0 = 1_800_000_000 * 10**9


def make_settings(**over: Any) -> Settings:
    """Defaults with ``over`` merged in (nested dicts per section)."""
    return validate(merge(Settings().model_dump(mode="json"), over), "test")


class ManualFeed:
    """A MarketFeed whose quotes the test pushes; it ends when closed."""

    def __init__(self, venues: Sequence[str]) -> None:
        self._venues = tuple(venues)
        self._instruments = build_instruments(venues)
        self.clock = ManualClock(T0)
        self._sink: QuoteSink | None = None
        self._status: StatusSink | None = None
        self._closed = asyncio.Event()
        self._funding: dict[tuple[str, str], float] = {}

    def instruments(self) -> Sequence[Instrument]:
        return self._instruments

    def venues(self) -> Sequence[str]:
        return self._venues

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return self._funding.get((venue, symbol))

    def set_funding_rate(self, venue: str, symbol: str, rate: float | None) -> None:
        """The rate paid at the next funding time (None: unknown, nothing is paid)."""
        if rate is None:
            self._funding.pop((venue, symbol), None)
        else:
            self._funding[(venue, symbol)] = rate

    @property
    def running(self) -> bool:
        return self._sink is not None

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        self._sink = sink
        self._status = status
        for venue in self._venues:
            status(venue, VenueState.CONNECTED, "")
        await self._closed.wait()

    def set_status(self, venue: str, state: VenueState, detail: str = "") -> None:
        """Report a venue's connection state, as a feed does when a stream drops or returns."""
        assert self._status is not None, "the engine is not running"
        self._status(venue, state, detail)

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


Wrap = Callable[[Venue], FaultyVenue]


def _wrapped(
    papers: dict[str, PaperVenue], wrap: Iterable[str], factory: Wrap
) -> tuple[dict[str, Venue], dict[str, FaultyVenue]]:
    faulty = {name: factory(papers[name]) for name in wrap}
    venues: dict[str, Venue] = {name: faulty.get(name, paper) for name, paper in papers.items()}
    return venues, faulty


def manual_market(
    settings: Settings,
    venues: Sequence[str] = ("sim-a", "sim-b"),
    *,
    wrap: Iterable[str] = (),
    factory: Wrap = FaultyVenue,
) -> tuple[Market, ManualFeed, dict[str, FaultyVenue]]:
    feed = ManualFeed(venues)
    built = paper_market(feed, settings, paths.data_dir() / settings.paper.state_file)
    papers = {name: v for name, v in built.venues.items() if isinstance(v, PaperVenue)}
    chosen, faulty = _wrapped(papers, wrap, factory)
    return Market(feed=built.feed, venues=chosen, paper_store=built.paper_store), feed, faulty


def sim_market(
    settings: Settings, *, wrap: Iterable[str] = (), factory: Wrap = FaultyVenue
) -> tuple[Market, dict[str, FaultyVenue]]:
    """The simulated market of ``settings`` as the app builds it, some venues wrapped."""
    built = build_market(settings, paths.data_dir())
    papers = {name: v for name, v in built.venues.items() if isinstance(v, PaperVenue)}
    chosen, faulty = _wrapped(papers, wrap, factory)
    return Market(feed=built.feed, venues=chosen, paper_store=built.paper_store), faulty


async def start_manual(engine: Engine, feed: ManualFeed, prices: bool = True) -> None:
    """Start ``engine`` and push a first quote of BTC/USDT, ETH/USDT and the BTC perp everywhere."""
    await engine.start()
    await eventually(lambda: feed.running, what="the feed to start")
    if prices:
        for venue in feed.venues():
            feed.push(venue, "BTC/USDT", 50_000.0, 50_001.0)
            feed.push(venue, "ETH/USDT", 3_000.0, 3_000.5)
            feed.push(venue, "BTC/USDT:USDT", 50_010.0, 50_010.5)


async def wait_for_quotes(
    engine: Engine, pairs: Iterable[tuple[str, str]], timeout_s: float = 20.0
) -> None:
    """Until the engine's book has a quote of every ``(venue, symbol)``."""
    wanted = list(pairs)
    await eventually(
        lambda: all(engine.quote(v, s) is not None for v, s in wanted),
        timeout_s,
        what=f"quotes of {wanted}",
    )


async def eventually(
    condition: Callable[[], bool], timeout_s: float = 10.0, *, what: str = "a condition"
) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout_s`` (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.005)


def data_dir() -> Path:
    return paths.data_dir()
