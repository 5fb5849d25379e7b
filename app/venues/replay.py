"""Recorded real quotes as a market feed, at real time, at any speed, or as fast as possible.

The file is streamed while it is replayed, so a day-long recording needs no more memory than a
minute's; only its start (and which markets it has) is read when the feed is built. The feed's
clock is market time: it follows the recorded local receive time of each quote.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import islice, pairwise
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
from app.venues.replay_file import (
    BboStream,
    MarketMap,
    ReplayFileError,
    markets_in_file,
    recorder_markets,
)

#: The bundled two-minute slice of real Binance quotes (see resources/sample_data/README.md).
DEFAULT_REPLAY_FILE: Final[Path] = resource_path(
    "sample_data", "binance-2024-08-08-bbo-sample.csv.gz"
)
#: Trading rules of the recorded markets, also the map from the recorder's names to ccxt's.
DEFAULT_INSTRUMENTS_FILE: Final[Path] = resource_path(
    "sample_data", "binance-2024-08-08-instruments.json"
)

#: Rows read and checked when the feed is built: a file bad from its start is refused before
#: anything runs (the first block is read anyway, for the first quote).
HEAD_CHECK_ROWS: Final = 1_000

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

    A file is streamed while it is replayed (``BboStream``): memory does not grow with its
    length. Building the feed reads only what must be known up front: the header and the first
    ``HEAD_CHECK_ROWS`` rows (the clock starts at the first quote's time, the recording's real
    date; a file bad from its start is refused before anything runs) and which markets have
    rows (a byte search that stops once it has seen them all). A problem further on is raised by
    ``run`` where it is met, after every quote before it was pushed.

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
        check_speed(speed)  # before reading the file
        path = Path(path) if path is not None else DEFAULT_REPLAY_FILE
        catalog_path = Path(instruments_path) if instruments_path else catalog_for(path)
        try:
            catalog = load_catalog(catalog_path)
        except InstrumentCatalogError as exc:
            raise ReplayFileError(path, f"bad instrument file: {exc}") from exc
        markets = recorder_markets(catalog)
        with BboStream(path, markets) as stream:
            head = list(islice(stream, HEAD_CHECK_ROWS))
        present = markets_in_file(path, markets)
        instruments = [i for i in catalog.instruments if (i.venue, i.symbol) in present]
        self._setup(head, instruments, speed, duration_s, pacer, source=str(path))
        self._path: Path | None = path
        self._markets: MarketMap = markets

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
        if duration_s is not None and duration_s > 0 and quotes:
            end_ns = quotes[0].received_ns + round(duration_s * 1e9)
            quotes = quotes[: bisect_left(quotes, end_ns, key=_received_ns)]
        self = cls.__new__(cls)
        self._setup(quotes, instruments, speed, duration_s, pacer, source="<memory>")
        self._path = None
        self._markets = {}
        self._memory = quotes
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
        """Like the constructor, but reads the file's start in a worker thread."""
        return await asyncio.to_thread(
            cls, path, speed=speed, duration_s=duration_s, instruments_path=instruments_path
        )

    def _setup(
        self,
        head: Sequence[Quote],
        instruments: Sequence[Instrument],
        speed: float | None,
        duration_s: float | None,
        pacer: Pacer | None,
        *,
        source: str,
    ) -> None:
        """``head``: the first quotes (at least the first one, if any)."""
        if duration_s is not None and not duration_s > 0:
            raise ValueError(f"duration_s must be > 0 or None, got {duration_s!r}")
        self._pacer = pacer if pacer is not None else Pacer(speed)
        self._source = source
        self._instruments = tuple(instruments)
        start_ns = head[0].received_ns if head else 0
        self._end_ns = (
            start_ns + round(duration_s * 1e9) if duration_s is not None and head else None
        )
        self._first = head[0] if head else None
        venues = [i.venue for i in self._instruments]
        venues += [q.venue for q in _one_per_market(head)]
        self._venues = tuple(dict.fromkeys(venues))
        self._memory: Sequence[Quote] = ()
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
            if self._path is None:
                self._anchor()
                await self._pacer.emit(self._memory, sink, self._clock)
            else:
                # opened here, not kept from the build: a feed never run holds no file
                with BboStream(self._path, self._markets, until_ns=self._end_ns) as stream:
                    self._anchor()
                    await self._pacer.emit(stream, sink, self._clock)
        finally:
            for venue in self._venues:
                status(venue, VenueState.CLOSED, "")

    def _anchor(self) -> None:
        if self._pacer.speed is not None:
            self._pacer.anchor(self._clock.now_ns())

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

    def iter_quotes(self) -> Iterator[Quote]:
        """A fresh pass over the quotes this replay pushes (after ``duration_s``), in order; a
        file is streamed (a ``BboStream``: ``close()`` it when stopping early)."""
        if self._path is None:
            return iter(self._memory)
        return BboStream(self._path, self._markets, until_ns=self._end_ns)

    @property
    def quotes(self) -> Sequence[Quote]:
        """The quotes this replay pushes (after ``duration_s``), in order. For a file this
        reads all of them into memory (tests and benchmarks that preload); a run never does."""
        if self._path is None:
            return self._memory
        with BboStream(self._path, self._markets, until_ns=self._end_ns) as stream:
            return list(stream)

    @property
    def first_quote(self) -> Quote | None:
        """The recording's first quote (its real date), None for an empty one."""
        return self._first

    @property
    def source(self) -> str:
        return self._source

    def __repr__(self) -> str:
        return f"ReplayMarket({self._source!r})"


def _one_per_market(quotes: Sequence[Quote]) -> list[Quote]:
    """The first quote of every market, in order of first appearance."""
    first: dict[tuple[str, str], Quote] = {}
    for q in quotes:
        key = (q.venue, q.symbol)
        if key not in first:
            first[key] = q
    return list(first.values())
