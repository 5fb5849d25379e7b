"""What an amount of one asset is worth in another, from the latest mids (float, for sizing).

Spot markets are preferred; a derivative's mid stands in for a pair no spot market quotes. The
stable coins of ``portfolio.stable_equivalents`` are one money (as in ``valuation``). Direct pairs
first, then through the hub (USDT).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.instruments import Instrument
from app.core.quotes import QuoteBook
from app.engine.valuation import StableEquivalents, market_index


class QuoteValues:
    __slots__ = ("_book", "_canon", "_hub", "_markets")

    def __init__(
        self,
        book: QuoteBook,
        instruments: Iterable[Instrument],
        equivalents: StableEquivalents | None = None,
    ) -> None:
        equivalents = equivalents or StableEquivalents()
        self._book = book
        self._canon = equivalents.canon
        self._hub = equivalents.hub
        # an inverse contract's price is still quote per base, but its sizes are not base
        self._markets = market_index(instruments, equivalents, inverse=False)

    def price(self, asset: str, currency: str) -> float | None:
        asset = self._canon(asset)
        currency = self._canon(currency)
        if asset == currency:
            return 1.0
        direct = self._mid(asset, currency)
        if direct is not None:
            return direct
        inverse = self._mid(currency, asset)
        if inverse is not None:
            return 1.0 / inverse
        hub = self._hub
        if hub not in (asset, currency):
            a = self.price(asset, hub)
            c = self.price(currency, hub)
            if a is not None and c is not None:
                return a / c
        return None

    def value(self, asset: str, amount: float, currency: str) -> float | None:
        price = self.price(asset, currency)
        return None if price is None else amount * price

    def _mid(self, base: str, quote: str) -> float | None:
        for venue, symbol in self._markets.get((base, quote), ()):
            q = self._book.get(venue, symbol)
            if q is not None and 0.0 < q.bid <= q.ask:
                return q.mid
        return None
