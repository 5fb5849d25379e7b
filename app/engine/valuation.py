"""Prices of one asset in another, read from the live QuoteBook when asked.

Nothing waits for a revaluation tick: risk values an order on ETH/BTC, or on a COIN-M contract
quoted in USD, from the first quotes that make it possible. Spot mids are preferred; a
derivative's mid stands in only for a pair no spot market quotes. Direct pairs first, then the
inverse, then through the hub (USDT).

The stable coins of ``portfolio.stable_equivalents`` (USD, USDT, USDC by default) are valued as
one money: the peg is assumed, and a depeg shows as a valuation error of its size. An empty list
values each on its own markets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from app.core.instruments import Instrument
from app.core.money import ONE, to_decimal
from app.core.quotes import QuoteBook

DEFAULT_STABLE_EQUIVALENTS: Final = ("USD", "USDT", "USDC")
_HUB: Final = "USDT"

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StableEquivalents:
    """Assets taken as the same money; each is valued as the first of them."""

    names: tuple[str, ...] = DEFAULT_STABLE_EQUIVALENTS

    def canon(self, asset: str) -> str:
        return self.names[0] if asset in self.names else asset

    @property
    def hub(self) -> str:
        """The asset cross rates go through (USDT, or what it is taken as)."""
        return self.canon(_HUB)

    def pair(self, base: str, quote: str) -> Pair:
        return self.canon(base), self.canon(quote)


def market_index(
    instruments: Iterable[Instrument], equivalents: StableEquivalents, *, inverse: bool = True
) -> dict[Pair, tuple[tuple[str, str], ...]]:
    """The markets quoting each (base, quote) pair, spot first, then by venue and symbol."""
    markets: dict[Pair, list[tuple[str, str]]] = {}
    for inst in sorted(instruments, key=lambda i: (i.is_derivative, i.venue, i.symbol)):
        if inst.inverse and not inverse:
            continue
        pair = equivalents.pair(inst.base, inst.quote)
        markets.setdefault(pair, []).append((inst.venue, inst.symbol))
    return {pair: tuple(found) for pair, found in markets.items()}


class BookPrices:
    """Decimal prices from the latest mids of ``book`` (money: valuation and risk)."""

    __slots__ = ("_book", "_equivalents", "_hub", "_markets")

    def __init__(
        self,
        book: QuoteBook,
        instruments: Iterable[Instrument],
        equivalents: StableEquivalents | None = None,
    ) -> None:
        self._book = book
        self._equivalents = equivalents or StableEquivalents()
        self._hub = self._equivalents.hub
        self._markets = market_index(instruments, self._equivalents)

    @property
    def equivalents(self) -> StableEquivalents:
        return self._equivalents

    def price(self, asset: str, currency: str) -> Decimal | None:
        """What one ``asset`` is worth in ``currency`` now, or None without the quotes."""
        canon = self._equivalents.canon
        asset, currency = canon(asset), canon(currency)
        if asset == currency:
            return ONE
        direct = self._mid(asset, currency)
        if direct is not None:
            return direct
        inverse = self._mid(currency, asset)
        if inverse is not None and inverse != 0:
            return ONE / inverse
        hub = self._hub
        if hub not in (asset, currency):
            a = self.price(asset, hub)
            c = self.price(currency, hub)
            if a is not None and c is not None and c != 0:
                return a / c
        return None

    def snapshot(self) -> PriceMemo:
        """Prices as of now, each computed once (one revaluation asks for the same ones often)."""
        return PriceMemo(self)

    def _mid(self, base: str, quote: str) -> Decimal | None:
        book = self._book
        for venue, symbol in self._markets.get((base, quote), ()):
            q = book.get(venue, symbol)
            if q is not None and q.bid > 0 and q.ask > 0:
                return to_decimal(round(q.mid, 10))
        return None


class PriceMemo:
    """``BookPrices.price`` remembered per pair for one pass over the book."""

    __slots__ = ("_prices", "_seen")

    def __init__(self, prices: BookPrices) -> None:
        self._prices = prices
        self._seen: dict[Pair, Decimal | None] = {}

    def price(self, asset: str, currency: str) -> Decimal | None:
        key = (asset, currency)
        try:
            return self._seen[key]
        except KeyError:
            found = self._seen[key] = self._prices.price(asset, currency)
            return found
