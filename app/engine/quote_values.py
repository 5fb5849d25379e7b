"""What an amount of one asset is worth in another, from the latest mids (float, for sizing).

Spot markets are preferred; a derivative's mid stands in for a pair no spot market quotes. USD is
valued as USDT (as in ``valuation``). Direct pairs first, then through USDT.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.instruments import Instrument
from app.core.quotes import QuoteBook
from app.engine.valuation import PEGGED

_HUB = "USDT"


class QuoteValues:
    __slots__ = ("_book", "_markets")

    def __init__(self, book: QuoteBook, instruments: Iterable[Instrument]) -> None:
        self._book = book
        markets: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for inst in sorted(instruments, key=lambda i: (i.is_derivative, i.venue, i.symbol)):
            if inst.inverse:
                continue  # its price is still quote per base, but its sizes are not base
            pair = (PEGGED.get(inst.base, inst.base), PEGGED.get(inst.quote, inst.quote))
            markets.setdefault(pair, []).append((inst.venue, inst.symbol))
        self._markets = markets

    def price(self, asset: str, currency: str) -> float | None:
        asset = PEGGED.get(asset, asset)
        currency = PEGGED.get(currency, currency)
        if asset == currency:
            return 1.0
        direct = self._mid(asset, currency)
        if direct is not None:
            return direct
        inverse = self._mid(currency, asset)
        if inverse is not None:
            return 1.0 / inverse
        if _HUB not in (asset, currency):
            a = self.price(asset, _HUB)
            c = self.price(currency, _HUB)
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
