"""Market data: the QuoteBook, ``QuoteUpdated`` on the bus, staleness, spread samples.

``on_quote`` is the hottest function in the program (every update of every venue passes here), so
it does the least it can: update the book, count, publish, and compare one integer to decide
whether periodic work is due. Periodic work (staleness sweep, spread sampling, and whatever else
the engine puts on the same ``MarketTimers``) runs in market time, driven by the quotes themselves
and by the timers' wall-time poll for when quotes stop coming.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import QuoteFresh, QuoteStale, QuoteUpdated
from app.core.quotes import Quote, QuoteBook
from app.engine.market_timer import MarketTimers

log = logging.getLogger(__name__)

SpreadSampler = Callable[[list[Quote]], None]


@dataclass(frozen=True, slots=True)
class MarketDataStats:
    quotes_total: int
    quotes_per_venue: dict[str, int]
    stale_events: int
    stale_now: int
    crossed_quotes: int


class MarketData:
    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        *,
        max_quote_age_ms: int,
        check_interval_ms: int,
        spread_sample_interval_ms: int,
        sampler: SpreadSampler | None = None,
        timers: MarketTimers | None = None,
    ) -> None:
        self.book = QuoteBook()
        self._bus = bus
        self._max_age_ns = max_quote_age_ms * 1_000_000
        self._sampler = sampler
        self._timers = timers if timers is not None else MarketTimers(clock)
        self._timers.add("staleness", check_interval_ms, self._sweep)
        if sampler is not None:
            self._timers.add("spread_samples", spread_sample_interval_ms, self._sample)
        self._sampled: dict[tuple[str, str], int] = {}
        self._counts: dict[str, int] = {}
        self._stale: set[tuple[str, str]] = set()
        self.quotes_total = 0
        self.stale_events = 0
        self.crossed_quotes = 0

    def on_quote(self, quote: Quote) -> None:
        key = (quote.venue, quote.symbol)
        self.book.update(quote)
        self.quotes_total += 1
        counts = self._counts
        counts[quote.venue] = counts.get(quote.venue, 0) + 1
        if quote.bid > quote.ask:
            self.crossed_quotes += 1
        if self._stale and key in self._stale:
            self._stale.discard(key)
            self._bus.publish(QuoteFresh(quote.venue, quote.symbol))
        self._bus.publish(QuoteUpdated(quote))
        if quote.received_ns >= self._timers.next_due_ns:
            self._timers.advance(quote.received_ns)

    def periodic(self, now_ns: int) -> None:
        """Run the timers due at ``now_ns`` (market time) without a quote."""
        self._timers.advance(now_ns)

    def _sweep(self, now_ns: int) -> None:
        limit = now_ns - self._max_age_ns
        for quote in self.book:
            key = (quote.venue, quote.symbol)
            if quote.received_ns < limit and key not in self._stale:
                self._stale.add(key)
                self.stale_events += 1
                self._bus.publish(
                    QuoteStale(quote.venue, quote.symbol, (now_ns - quote.received_ns) / 1e6)
                )

    def _sample(self, now_ns: int) -> None:
        changed = []
        for quote in self.book:
            key = (quote.venue, quote.symbol)
            if self._sampled.get(key) != quote.received_ns:
                self._sampled[key] = quote.received_ns
                changed.append(quote)
        if changed and self._sampler is not None:
            self._sampler(changed)

    def is_stale(self, venue: str, symbol: str) -> bool:
        return (venue, symbol) in self._stale

    def venue_last_message_ns(self) -> dict[str, int]:
        """Newest quote time per venue, for health (computed on demand, off the hot path)."""
        last: dict[str, int] = {}
        for quote in self.book:
            if quote.received_ns > last.get(quote.venue, 0):
                last[quote.venue] = quote.received_ns
        return last

    def stats(self) -> MarketDataStats:
        return MarketDataStats(
            quotes_total=self.quotes_total,
            quotes_per_venue=dict(self._counts),
            stale_events=self.stale_events,
            stale_now=len(self._stale),
            crossed_quotes=self.crossed_quotes,
        )
