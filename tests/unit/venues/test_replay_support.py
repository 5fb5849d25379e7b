"""Helpers shared by the sim and replay tests: a fake wall clock and independent file counting."""

from __future__ import annotations

import asyncio
import csv
import gzip
from collections import Counter
from pathlib import Path

from app.core.events import VenueState
from app.core.quotes import Quote
from app.venues.pacing import Pacer

REPO = Path(__file__).resolve().parents[3]
_SHARED = (REPO.parent / "shared" / "data", Path("/work/shared/data"))  # beside, or the workspace's
SHARED_BBO = next(
    (p for d in _SHARED if (p := d / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz").is_file()),
    _SHARED[0] / "binance-btc-eth-spot-perp-2024-08-08-bbo.csv.gz",
)
TINY_BBO = REPO / "tests" / "data" / "bbo-tiny.csv"

#: The recorder's names -> ArbDesk's, written out here independently of the loader.
EXPECTED_NAMES = {
    ("binance_spot", "BTCUSDT"): ("binance", "BTC/USDT"),
    ("binance_spot", "ETHUSDT"): ("binance", "ETH/USDT"),
    ("binance_usdm", "BTCUSDT"): ("binanceusdm", "BTC/USDT:USDT"),
    ("binance_usdm", "ETHUSDT"): ("binanceusdm", "ETH/USDT:USDT"),
    ("binance_coinm", "BTCUSD_PERP"): ("binancecoinm", "BTC/USD:BTC"),
    ("binance_coinm", "ETHUSD_PERP"): ("binancecoinm", "ETH/USD:ETH"),
}


class FakeTime:
    """A wall clock that only moves when the pacer sleeps: timing assertions become exact."""

    def __init__(self) -> None:
        self.now = 10**12
        self.sleeps: list[float] = []

    def now_ns(self) -> int:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += round(seconds * 1e9)
        await asyncio.sleep(0)

    def pacer(self, speed: float | None, **kwargs: object) -> Pacer:
        return Pacer(speed, now_ns=self.now_ns, sleep=self.sleep, **kwargs)  # type: ignore[arg-type]


class Recorder:
    """Collects quotes, statuses, and the fake wall time at which each quote arrived."""

    def __init__(self, fake: FakeTime | None = None) -> None:
        self.quotes: list[Quote] = []
        self.walls: list[int] = []
        self.statuses: list[tuple[str, VenueState, str]] = []
        self._fake = fake

    def sink(self, quote: Quote) -> None:
        self.quotes.append(quote)
        if self._fake is not None:
            self.walls.append(self._fake.now)

    def status(self, venue: str, state: VenueState, detail: str) -> None:
        self.statuses.append((venue, state, detail))


def count_rows(path: Path) -> Counter[tuple[str, str]]:
    """Rows per (recorder venue, symbol), counted with gzip + csv, not with the loader."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return Counter((row[1], row[2]) for row in reader)


def first_and_last_rows(path: Path) -> tuple[list[str], list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        first = next(reader)
        last = first
        for last in reader:  # noqa: B007
            pass
    return first, last


def expected_quote(row: list[str]) -> Quote:
    """The quote a CSV row must become, built field by field from the format's definition."""
    venue, symbol = EXPECTED_NAMES[(row[1], row[2])]
    return Quote(
        venue=venue,
        symbol=symbol,
        bid=float(row[3]),
        bid_qty=float(row[4]),
        ask=float(row[5]),
        ask_qty=float(row[6]),
        received_ns=int(row[0]),
        exchange_ns=int(row[8]) * 1_000_000 if row[8] else 0,
    )
