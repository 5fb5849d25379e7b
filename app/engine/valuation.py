"""Prices of one asset in another, read from the QuoteBook.

Spot mids are preferred; a derivative's mid stands in only for a pair no spot market quotes.
USD (the quote of inverse contracts) is valued as USDT: the stablecoin peg is assumed, and a
depeg will show as a valuation error of that size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ONE, to_decimal
from app.core.quotes import Quote

PEGGED = {"USD": "USDT"}
_HUB = "USDT"


class PriceTable:
    """Mid prices per (base, quote), built once per revaluation."""

    def __init__(self, mids: Mapping[tuple[str, str], Decimal]) -> None:
        self._mids = dict(mids)

    @classmethod
    def from_quotes(
        cls, quotes: Iterable[Quote], instruments: Mapping[InstrumentId, Instrument]
    ) -> PriceTable:
        spot: dict[tuple[str, str], Decimal] = {}
        derived: dict[tuple[str, str], Decimal] = {}
        for quote in quotes:
            inst = instruments.get(InstrumentId(quote.venue, quote.symbol))
            if inst is None or quote.bid <= 0 or quote.ask <= 0:
                continue
            pair = (PEGGED.get(inst.base, inst.base), PEGGED.get(inst.quote, inst.quote))
            target = derived if inst.is_derivative else spot
            target.setdefault(pair, to_decimal(round(quote.mid, 10)))
        return cls({**derived, **spot})

    def price(self, asset: str, currency: str) -> Decimal | None:
        asset = PEGGED.get(asset, asset)
        currency = PEGGED.get(currency, currency)
        if asset == currency:
            return ONE
        direct = self._mids.get((asset, currency))
        if direct is not None:
            return direct
        inverse = self._mids.get((currency, asset))
        if inverse is not None and inverse != 0:
            return ONE / inverse
        if _HUB not in (asset, currency):
            a = self.price(asset, _HUB)
            c = self.price(currency, _HUB)
            if a is not None and c is not None and c != 0:
                return a / c
        return None
