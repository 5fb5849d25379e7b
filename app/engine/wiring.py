"""Which feed and which venues a set of settings means.

Paper trading is the default: every venue of the chosen market gets a ``PaperVenue`` whose state
lives in its own file in the data folder, apart from the engine's store, so that reconciliation
compares two honest records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.instruments import Instrument
from app.resources import resource_path
from app.runtime.settings import Settings
from app.venues.base import MarketFeed, Venue
from app.venues.paper import PaperVenue
from app.venues.paper_market import PaperMarket
from app.venues.paper_store import PaperStateStore
from app.venues.replay import DEFAULT_REPLAY_FILE, ReplayMarket, catalog_for
from app.venues.sim import SimulatedMarket


@dataclass
class Market:
    feed: MarketFeed
    venues: dict[str, Venue]
    paper_store: PaperStateStore | None


def replay_path(settings: Settings, override: str | None = None) -> Path:
    chosen = override or settings.replay.file
    return Path(chosen).expanduser() if chosen else Path(DEFAULT_REPLAY_FILE)


def build_market(
    settings: Settings,
    data_dir: Path,
    *,
    replay_file: str | None = None,
    duration_s: float | None = None,
    quotes: bool = True,
) -> Market:
    """``quotes=False``: the venues without the quotes (a replay's file is not read), for work
    that only cancels and reconciles."""
    speed = settings.market.speed_factor
    raw: MarketFeed
    if settings.market.source == "replay" and not quotes:
        raw = ReplayMarket.catalog_only(catalog_for(replay_path(settings, replay_file)))
    elif settings.market.source == "replay":
        raw = ReplayMarket(replay_path(settings, replay_file), speed=speed, duration_s=duration_s)
    else:
        raw = SimulatedMarket(
            settings.sim.seed,
            venues=tuple(settings.sim.venues),
            quote_rate_hz=settings.sim.quote_rate_hz,
            speed=speed,
            duration_s=duration_s,
        )
    state_file = Path(settings.paper.state_file)
    if not state_file.is_absolute():
        state_file = data_dir / state_file
    return paper_market(raw, settings, state_file)


def paper_market(raw: MarketFeed, settings: Settings, state_file: Path) -> Market:
    """A paper venue per venue of ``raw``, filling against its quotes, books kept in
    ``state_file`` (shared by all of them)."""
    store = PaperStateStore(state_file)
    by_venue: dict[str, list[Instrument]] = {}
    for inst in raw.instruments():
        by_venue.setdefault(inst.venue, []).append(inst)
    papers = {
        name: PaperVenue(
            name,
            by_venue.get(name, []),
            starting_balances=settings.paper.starting_balances,
            store=store,
            clock=raw.clock,
            latency_ms=settings.paper.latency_ms,
            leverage=settings.paper.leverage,
        )
        for name in raw.venues()
    }
    return Market(feed=PaperMarket(raw, papers), venues=dict(papers), paper_store=store)


__all__ = ["Market", "build_market", "paper_market", "replay_path", "resource_path"]
