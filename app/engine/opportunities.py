"""The opportunity service: quotes in, scanners, decisions, ``Opportunity`` events out.

It subscribes to ``QuoteUpdated`` and hands each quote only to the scanners that watch its
instrument (one dict lookup when none does: the quote path stays cheap). What a scanner finds
goes through the decisions; what passes is published on the bus, counted per kind, and sampled
for the store at most once per ``sample_interval_ms`` per key (market time). Scanners that search
the whole graph (cycles) run on a market-time timer (``schedule``) or on demand (``scan_now``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from app.core.bus import EventBus
from app.core.clock import Clock
from app.core.events import QuoteUpdated
from app.core.instruments import Instrument, InstrumentId
from app.core.opportunities import Opportunity, OpportunityKind, Signal
from app.core.quotes import Quote, QuoteBook
from app.engine.decisions import Decisions, LegParts
from app.engine.market_timer import MarketTimers
from app.engine.quote_values import QuoteValues
from app.engine.scanners.base import FundingSource, Scanner
from app.engine.scanners.build import build_scanners
from app.engine.valuation import StableEquivalents
from app.runtime.scanner_settings import ScannersSettings

log = logging.getLogger(__name__)

OpportunitySampler = Callable[[Opportunity], None]
_TIMED = (OpportunityKind.CYCLES,)


@dataclass(frozen=True, slots=True)
class OpportunityStats:
    found_per_kind: dict[str, int]
    published_per_kind: dict[str, int]
    dropped_per_reason: dict[str, int]
    samples: int
    timer_scans: int


class OpportunityService:
    def __init__(
        self,
        bus: EventBus,
        instruments: Mapping[InstrumentId, Instrument] | Iterable[Instrument],
        settings: ScannersSettings,
        *,
        clock: Clock,
        sampler: OpportunitySampler | None = None,
        book: QuoteBook | None = None,
        funding: FundingSource | None = None,
        equivalents: StableEquivalents | None = None,
        gate: bool = True,
    ) -> None:
        insts = list(instruments.values() if isinstance(instruments, Mapping) else instruments)
        self.settings = settings
        self._bus = bus
        self._clock = clock
        self._sampler = sampler
        self.scanners: list[Scanner] = build_scanners(settings, insts, funding=funding)
        self.timed = [s for s in self.scanners if s.kind in _TIMED]
        values = QuoteValues(book, insts, equivalents) if book is not None else None
        self.decisions = Decisions(
            settings.decisions, insts, value=values.value if values is not None else None
        )
        self._gating = True
        routes: dict[tuple[str, str], list[Callable[[Quote], list[Opportunity]]]] = {}
        for scanner in self.scanners:
            route = getattr(scanner, "route", None)  # optional: the market's index looked up once
            gated = gate and getattr(scanner, "gated", False)
            for market in scanner.markets():
                if route is None:
                    fn = scanner.on_quote
                else:
                    fn = route(market, self._gate) if gated else route(market)
                routes.setdefault(market, []).append(fn)
        self._routes = {market: tuple(fns) for market, fns in routes.items()}
        self._sample_ns = settings.sample_interval_ms * 1_000_000
        self._sampled: dict[str, int] = {}
        self._found: Counter[str] = Counter()
        self._published: Counter[str] = Counter()
        self._samples = 0
        self._timer_scans = 0
        self._unsubscribe = bus.subscribe(QuoteUpdated, self._on_quote_updated)

    # -- the quote path -----------------------------------------------------------------------

    def _on_quote_updated(self, event: QuoteUpdated) -> None:
        quote = event.quote
        scanners = self._routes.get((quote.venue, quote.symbol))
        if scanners is None:
            return
        for on_quote in scanners:
            found = on_quote(quote)
            if found:
                self._handle(found)

    def on_quote(self, quote: Quote) -> None:
        """The same as a ``QuoteUpdated`` on the bus (for callers without one)."""
        self._on_quote_updated(QuoteUpdated(quote))

    def _gate(
        self,
        kind: OpportunityKind,
        key: str,
        signal: Signal,
        edge_bps: float,
        size_quote: float,
        size_asset: str,
        legs: tuple[LegParts, ...],
        oldest_ns: int,
    ) -> bool:
        """What gated scanners (cross, basis) ask before building an opportunity: True when the
        decisions drop it (counted as found and dropped, as ``_handle`` would count it).

        Why: at 48 venues ~40 % of updates find a cross or basis opportunity and nearly all are
        dropped as ``too_many_concurrent``; building them was the largest cost. With the gate,
        ``scanners.py`` venues, 48 venues (benchmarks/README.md): CPU 25.6 vs 29.9 us an update
        (-14 %), 38.7 k vs 33.2 k updates/s, medians of 5 alternated with the code before.
        Exact: until one of a scanner's batch passes, nothing was accepted or published since
        the batch began, so the decisions' state is the one ``_handle`` would check it in (same
        clock, same checks on the same numbers); after a pass (accepted, published, maybe
        released by a bot in between) the rest of the batch is built and checked by
        ``_handle`` as before."""
        if not self._gating:
            return False
        if self.decisions.drops(
            key, signal, edge_bps, size_quote, size_asset, legs, oldest_ns, self._clock.now_ns()
        ):
            self._found[kind.value] += 1
            return True
        self._gating = False  # it passes: _handle decides it and the rest of the batch
        return False

    def _handle(self, found: list[Opportunity]) -> None:
        now = self._clock.now_ns()
        check = self.decisions.check
        try:
            for opp in found:
                self._found[opp.kind.value] += 1
                if check(opp, now) is not None:
                    continue
                self._published[opp.kind.value] += 1
                self._bus.publish(opp)
                if self._sampler is not None:
                    last = self._sampled.get(opp.key)
                    if last is None or opp.ts_ns - last >= self._sample_ns:
                        self._sampled[opp.key] = opp.ts_ns
                        self._samples += 1
                        self._sampler(opp)
        finally:
            self._gating = True  # the next batch may skip again

    # -- whole-graph searches -----------------------------------------------------------------

    def scan_now(self) -> list[Opportunity]:
        """Run the timed scanners (cycles) now; returns everything they found, passed or not."""
        now = self._clock.now_ns()
        found: list[Opportunity] = []
        for scanner in self.timed:
            found.extend(scanner.scan(now))
        self._timer_scans += 1
        if found:
            self._handle(found)
        return found

    def schedule(self, timers: MarketTimers) -> None:
        """Search every ``cycles.interval_ms`` of market time (nothing when no scanner needs
        a timer); a search that fails is logged by the timers and the next one runs on time."""
        if self.timed:
            timers.add("cycles", self.settings.cycles.interval_ms, self.on_timer)

    def on_timer(self, now_ns: int) -> None:
        self.scan_now()

    # -- what callers may read ----------------------------------------------------------------

    def per_kind(self) -> dict[str, int]:
        """Published opportunities per kind, every running scanner's kind listed."""
        counts = {s.kind.value: 0 for s in self.scanners}
        counts.update(self._published)
        return dict(sorted(counts.items()))

    def stats(self) -> OpportunityStats:
        return OpportunityStats(
            found_per_kind=dict(self._found),
            published_per_kind=dict(self._published),
            dropped_per_reason=dict(self.decisions.dropped),
            samples=self._samples,
            timer_scans=self._timer_scans,
        )

    def release(self, key: str) -> None:
        """A bot is done with the opportunity ``key`` (see ``Decisions.release``)."""
        self.decisions.release(key)

    def close(self) -> None:
        self._unsubscribe()
