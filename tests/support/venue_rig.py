"""A live venue and feed on a ccxt exchange pointed at a loopback fake, their streams running,
and a listener that keeps what the venue tells: what the ccxt venue tests of every fake share."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from app.core.accounting import Balance, Position
from app.core.backoff import Backoff
from app.core.events import FundingPaid, VenueState
from app.core.orders import Fill, Order
from app.core.quotes import Quote
from app.core.secrets import KeyMaterial
from app.venues.ccxt_feed import CcxtFeed, FeedSource, best_method
from app.venues.ccxt_instruments import instruments_from_markets
from app.venues.ccxt_venue import CcxtVenue

FAST = Backoff(0.02, max_s=0.1, jitter=0.5)


@dataclass
class Heard:
    """A venue listener that keeps what it is told."""

    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    statuses: list[tuple[VenueState, str]] = field(default_factory=list)

    def on_order(self, order: Order) -> None:
        self.orders.append(order)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def on_balance(self, venue: str, balance: Balance) -> None:
        pass

    def on_position(self, venue: str, position: Position) -> None:
        pass

    def on_funding(self, payment: FundingPaid) -> None:
        pass

    def on_status(self, venue: str, state: VenueState, detail: str) -> None:
        self.statuses.append((state, detail))


@dataclass
class Rig:
    venue: CcxtVenue
    feed: CcxtFeed
    heard: Heard
    quotes: list[Quote]
    states: list[VenueState]


@asynccontextmanager
async def venue_rig(
    name: str,
    exchange: Any,
    keys: KeyMaterial,
    symbols: Sequence[str],
    *,
    timeout_s: float = 2.0,
    backoff: Backoff = FAST,
    poll_s: float = 0.02,
    fetch_by_listing: bool | None = None,
) -> AsyncIterator[Rig]:
    """Load ``exchange``'s markets, run the feed's and the venue's streams; close it all."""
    await exchange.load_markets()
    every = instruments_from_markets(name, exchange.markets, exchange.precisionMode)
    instruments = [inst for inst in every if inst.symbol in symbols]
    feed = CcxtFeed(
        [FeedSource(name, exchange, instruments, best_method(exchange), False)],
        stale_after_s=0.3,
        poll_interval_s=poll_s,
        backoff=backoff,
    )
    venue = CcxtVenue(
        name,
        exchange,
        instruments,
        secrets=tuple(keys.secrets()),
        call_timeout_s=timeout_s + 0.5,
        backoff=backoff,
        fetch_by_listing=fetch_by_listing,
    )
    heard, quotes, states = Heard(), list[Quote](), list[VenueState]()
    venue.set_listener(heard)
    await venue.connect()
    tasks = [
        asyncio.create_task(factory())
        for factory in [
            *feed.streams(quotes.append, lambda _v, s, _d: states.append(s)).values(),
            *venue.streams().values(),
        ]
    ]
    try:
        yield Rig(venue, feed, heard, quotes, states)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await venue.close()
