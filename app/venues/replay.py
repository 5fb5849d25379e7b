"""Recorded real quotes as a market feed, at real time, at any speed, or as fast as possible.

The whole file is loaded (and checked) when the feed is built, so a bad file is reported before
anything starts and a run pushes ready-made ``Quote`` objects. The feed's clock is market time:
it follows the recorded local receive time of each quote.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise
from operator import attrgetter
from pathlib import Path
from typing import Final

from app.core.clock import ManualClock
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.core.quotes import Quote
from app.resources import resource_path
from app.venues.base import QuoteSink, StatusSink
from app.venues.gate import Gate
from app.venues.instrument_catalog import InstrumentCatalogError, load_catalog
from app.venues.pacing import Pacer, check_speed
from app.venues.replay_file import ReplayFileError, load_bbo_file, recorder_markets

#: The bundled two-minute slice of real Binance quotes (see resources/sample_data/README.md).
DEFAULT_REPLAY_FILE: Final[Path] = resource_path(
    "sample_data", "binance-2024-08-08-bbo-sample.csv.gz"
)
#: Trading rules of the recorded markets, also the map from the recorder's names to ccxt's.
DEFAULT_INSTRUMENTS_FILE: Final[Path] = resource_path(
    "sample_data", "binance-2024-08-08-instruments.json"
)

_received_ns = attrgetter("received_ns")


def instruments_beside(path: Path | str) -> Path:
    """Where a recording's own instrument file lives: ``rec.csv.gz`` -> ``rec.instruments.json``
    (``arbdesk record`` writes it, with the trading rules of the day it recorded)."""
    path = Path(path)
    name = path.name.removesuffix(".gz").removesuffix(".csv")
    return path.with_name(f"{name}.instruments.json")


def catalog_for(path: Path | str) -> Path:
    """The instrument file of a recording: the one beside it, else the bundled sample's."""
    beside = instruments_beside(path)
    return beside if beside.is_file() else DEFAULT_INSTRUMENTS_FILE


class ReplayMarket:
    """A ``MarketFeed`` over recorded best bid/ask quotes; ``run`` returns when the file ends.

    ``duration_s`` replays only that many market seconds from the first quote. Instruments are
    those of the catalog (``instruments_path``, else the file beside the recording, else the
    bundled sample's) that appear in the data, so the engine waits for no market that never
    quotes. The funding rate is not recorded: ``funding_rate`` returns None.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        speed: float | None = 1.0,
        duration_s: float | None = None,
        instruments_path: Path | str | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        check_speed(speed)  # before the (long) load
        path = Path(path) if path is not None else DEFAULT_REPLAY_FILE
        catalog_path = Path(instruments_path) if instruments_path else catalog_for(path)
        try:
            catalog = load_catalog(catalog_path)
        except InstrumentCatalogError as exc:
            raise ReplayFileError(path, f"bad instrument file: {exc}") from exc
        quotes = load_bbo_file(path, recorder_markets(catalog))
        present = {(q.venue, q.symbol) for q in _one_per_market(quotes)}
        instruments = [i for i in catalog.instruments if (i.venue, i.symbol) in present]
        self._setup(quotes, instruments, speed, duration_s, pacer, source=str(path))

    @classmethod
    def from_quotes(
        cls,
        quotes: Sequence[Quote],
        instruments: Sequence[Instrument],
        speed: float | None = None,
        *,
        duration_s: float | None = None,
        pacer: Pacer | None = None,
    ) -> ReplayMarket:
        """A replay of quotes already in memory (e.g. preloaded for a benchmark); time-sorted."""
        for before, after in pairwise(quotes):
            if after.received_ns < before.received_ns:
                raise ValueError(
                    f"quotes must be sorted by received_ns: {after.received_ns} "
                    f"after {before.received_ns}"
                )
        self = cls.__new__(cls)
        self._setup(quotes, instruments, speed, duration_s, pacer, source="<memory>")
        return self

    @classmethod
    def catalog_only(cls, instruments_path: Path | str | None = None) -> ReplayMarket:
        """The recording's instruments and venues with no quotes: enough for the order path
        (the shell's kill switch, ``arbdesk resume``) without reading a possibly long file."""
        path = Path(instruments_path) if instruments_path else DEFAULT_INSTRUMENTS_FILE
        try:
            catalog = load_catalog(path)
        except InstrumentCatalogError as exc:
            raise ReplayFileError(path, f"bad instrument file: {exc}") from exc
        return cls.from_quotes([], catalog.instruments)

    @classmethod
    async def open(
        cls,
        path: Path | str | None = None,
        *,
        speed: float | None = 1.0,
        duration_s: float | None = None,
        instruments_path: Path | str | None = None,
    ) -> ReplayMarket:
        """Like the constructor, but loads in a worker thread so the event loop keeps running."""
        return await asyncio.to_thread(
            cls, path, speed=speed, duration_s=duration_s, instruments_path=instruments_path
        )

    def _setup(
        self,
        quotes: Sequence[Quote],
        instruments: Sequence[Instrument],
        speed: float | None,
        duration_s: float | None,
        pacer: Pacer | None,
        *,
        source: str,
    ) -> None:
        if duration_s is not None and not duration_s > 0:
            raise ValueError(f"duration_s must be > 0 or None, got {duration_s!r}")
        self._pacer = pacer if pacer is not None else Pacer(speed)
        self._source = source
        self._instruments = tuple(instruments)
        start_ns = quotes[0].received_ns if quotes else 0
        end = len(quotes)
        if duration_s is not None and quotes:
            end_ns = start_ns + round(duration_s * 1e9)
            end = bisect_left(quotes, end_ns, key=_received_ns)
        self._quotes = quotes if end == len(quotes) else quotes[:end]
        venues = [i.venue for i in self._instruments]
        venues += [q.venue for q in _one_per_market(self._quotes)]
        self._venues = tuple(dict.fromkeys(venues))
        self._clock = ManualClock(start_ns)
        self._started = False
        self._closed = False

    # -- MarketFeed -------------------------------------------------------------------------

    @property
    def clock(self) -> ManualClock:
        return self._clock

    def instruments(self) -> Sequence[Instrument]:
        return self._instruments

    def venues(self) -> Sequence[str]:
        return self._venues

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return None

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        """Push every quote when due; returns at the end of the data or after ``close``."""
        if self._started:
            raise RuntimeError("a ReplayMarket runs once; build a new one to replay again")
        self._started = True
        if self._closed:
            return
        for venue in self._venues:
            status(venue, VenueState.CONNECTED, "")
        try:
            if self._pacer.speed is not None:
                self._pacer.anchor(self._clock.now_ns())
            await self._pacer.emit(self._quotes, sink, self._clock)
        finally:
            for venue in self._venues:
                status(venue, VenueState.CLOSED, "")

    async def close(self) -> None:
        self._closed = True
        self._pacer.stop()

    # -- extras -----------------------------------------------------------------------------

    def hold_while_busy(self, gate: Gate) -> None:
        """At maximum speed, wait while ``gate`` is busy before the next quote."""
        self._pacer.gate = gate

    @property
    def speed(self) -> float | None:
        return self._pacer.speed

    @speed.setter
    def speed(self, speed: float | None) -> None:
        self._pacer.speed = speed

    @property
    def quotes(self) -> Sequence[Quote]:
        """The quotes this replay pushes (after ``duration_s``), in order."""
        return self._quotes

    @property
    def source(self) -> str:
        return self._source

    def __repr__(self) -> str:
        return f"ReplayMarket({self._source!r}, quotes={len(self._quotes)})"


def _one_per_market(quotes: Sequence[Quote]) -> list[Quote]:
    """The first quote of every market, in order of first appearance."""
    first: dict[tuple[str, str], Quote] = {}
    for q in quotes:
        key = (q.venue, q.symbol)
        if key not in first:
            first[key] = q
    return list(first.values())
