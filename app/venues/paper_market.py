"""A market feed whose quotes also drive paper venues: matching first, then the engine sees them.

Matching before the engine's sink means that when a strategy reacts to a quote, the resting orders
that quote crossed are already filled, as they would be on a real exchange. Funding is paid on
perpetual positions at every boundary of ``funding_interval_s`` in market time (aligned to the
epoch, so 8 hours means 00:00, 08:00 and 16:00 UTC as on most exchanges); the check costs one
integer compare per quote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from app.core.clock import Clock
from app.core.instruments import Instrument, InstrumentKind
from app.core.quotes import Quote
from app.venues.base import MarketFeed, QuoteSink, StatusSink, StreamFactory, Streaming
from app.venues.gate import Gate
from app.venues.pacing import Holdable
from app.venues.paper import PaperVenue

log = logging.getLogger(__name__)

DEFAULT_FUNDING_INTERVAL_S = 8 * 3600.0


class PaperMarket:
    """Wraps a ``MarketFeed`` and the paper venues trading on it; is itself a ``MarketFeed``."""

    def __init__(
        self,
        feed: MarketFeed,
        venues: Mapping[str, PaperVenue],
        *,
        funding_interval_s: float = DEFAULT_FUNDING_INTERVAL_S,
    ) -> None:
        if funding_interval_s <= 0:
            raise ValueError(f"funding interval must be positive, got {funding_interval_s}")
        self._feed = feed
        self._venues = dict(venues)
        self._interval_ns = int(funding_interval_s * 1e9)
        self.funding_runs = 0
        # 0 makes the first quote take the slow branch, which only sets the first boundary: a
        # replay clock may read 0 before its first quote.
        self._next_funding = 0
        self._started = False
        # set by ``_matching``: writes its closure's schedule back
        self._save_schedule: Callable[[], None] = lambda: None

    @property
    def feed(self) -> MarketFeed:
        return self._feed

    @property
    def clock(self) -> Clock:
        return self._feed.clock

    def instruments(self) -> Sequence[Instrument]:
        return self._feed.instruments()

    def venues(self) -> Sequence[str]:
        return self._feed.venues()

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return self._feed.funding_rate(venue, symbol)

    def hold_while_busy(self, gate: Gate) -> None:
        if isinstance(self._feed, Holdable):
            self._feed.hold_while_busy(gate)

    async def close(self) -> None:
        await self._feed.close()

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        on_quote = self._matching(sink)
        try:
            await self._feed.run(on_quote, status)
        finally:
            self._save_schedule()

    def streams(self, sink: QuoteSink, status: StatusSink) -> dict[str, StreamFactory]:
        """The wrapped feed's supervised streams (a live feed's), matching first; none for a
        feed that only runs as a whole."""
        if not isinstance(self._feed, Streaming):
            return {}
        return self._feed.streams(self._matching(sink), status)

    def _matching(self, sink: QuoteSink) -> QuoteSink:
        venues = self._venues
        now = self._feed.clock.now_ns
        interval = self._interval_ns
        # The schedule lives in locals for speed and is kept across runs (a feed may be re-run).
        next_funding, started = self._next_funding, self._started

        def on_quote(quote: Quote) -> None:
            nonlocal next_funding, started
            venue = venues.get(quote.venue)
            if venue is not None:
                venue.on_quote(quote)
            sink(quote)
            t = now()
            if t >= next_funding:
                if started:
                    self.apply_funding()
                started = True
                next_funding = (t // interval + 1) * interval

        def save() -> None:
            self._next_funding, self._started = next_funding, started

        self._save_schedule = save
        return on_quote

    def apply_funding(self) -> None:
        """Pay funding on every perpetual position of every paper venue, at the quote mid."""
        self.funding_runs += 1
        for name, venue in self._venues.items():
            for inst in venue.instruments():
                if inst.kind is not InstrumentKind.PERPETUAL or venue.position(inst.symbol) is None:
                    continue
                rate = self._feed.funding_rate(name, inst.symbol)
                quote = venue.last_quote(inst.symbol)
                if rate is None or quote is None or quote.bid <= 0 or quote.ask <= 0:
                    log.warning("no funding rate or mark for %s on %s: skipped", inst.symbol, name)
                    continue
                try:
                    venue.apply_funding(inst.symbol, rate, quote.mid)
                except Exception:
                    log.exception("funding of %s on %s failed", inst.symbol, name)
