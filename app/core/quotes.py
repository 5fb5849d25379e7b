"""Best bid/ask and the latest one per instrument.

Market data is float for speed (DESIGN.md); times are integer nanoseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.core.instruments import InstrumentId


@dataclass(frozen=True, slots=True)
class Quote:
    """Top of book of one instrument. ``exchange_ns`` is 0 when the venue does not stamp it."""

    venue: str
    symbol: str
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float
    received_ns: int
    exchange_ns: int = 0

    @property
    def instrument_id(self) -> InstrumentId:
        return InstrumentId(self.venue, self.symbol)

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) * 0.5

    @property
    def spread_bps(self) -> float:
        mid = self.mid
        return (self.ask - self.bid) / mid * 10_000.0 if mid > 0 else float("nan")

    @property
    def crossed(self) -> bool:
        return self.bid > self.ask > 0


class QuoteBook:
    """Latest quote per ``(venue, symbol)``.

    Keyed by a plain tuple rather than ``InstrumentId`` so the hot path builds no object per update.
    """

    __slots__ = ("_quotes",)

    def __init__(self) -> None:
        self._quotes: dict[tuple[str, str], Quote] = {}

    def update(self, quote: Quote) -> None:
        self._quotes[(quote.venue, quote.symbol)] = quote

    def get(self, venue: str, symbol: str) -> Quote | None:
        return self._quotes.get((venue, symbol))

    def age_ms(self, venue: str, symbol: str, now_ns: int) -> float | None:
        quote = self._quotes.get((venue, symbol))
        if quote is None:
            return None
        return (now_ns - quote.received_ns) / 1e6

    def __len__(self) -> int:
        return len(self._quotes)

    def __iter__(self) -> Iterator[Quote]:
        return iter(list(self._quotes.values()))

    def __contains__(self, key: object) -> bool:
        if isinstance(key, InstrumentId):
            return (key.venue, key.symbol) in self._quotes
        return key in self._quotes
