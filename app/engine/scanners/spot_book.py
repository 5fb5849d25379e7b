"""Top of book of spot markets in flat lists, and each market's two conversion rates.

Selling base at the bid turns one base into ``bid * (1 - fee)`` quote; buying base at the ask
turns one quote into ``(1 - fee) / ask`` base. ``rates[2 * m]`` is the first (base -> quote),
``rates[2 * m + 1]`` the second (quote -> base): a path through markets is a list of rate
indexes, and its rate is their product. A market with no usable quote has rates 0, so every path
through it is worth nothing. A crossed quote (bid above ask) is taken as bad data: unusable until
a sane one arrives.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.quotes import Quote
from app.engine.scanners.markets import MarketSpec

SELL = 0  # rate index offset: base -> quote at the bid
BUY = 1  # rate index offset: quote -> base at the ask
_INF = float("inf")


class SpotBook:
    __slots__ = ("ask", "ask_qty", "bid", "bid_qty", "index", "keep", "quote_ns", "rates", "specs")

    def __init__(self, specs: Sequence[MarketSpec]) -> None:
        self.specs = list(specs)
        self.index = {(s.venue, s.symbol): i for i, s in enumerate(self.specs)}
        n = len(self.specs)
        self.keep = [s.keep for s in self.specs]
        self.bid = [0.0] * n
        self.ask = [0.0] * n
        self.bid_qty = [0.0] * n
        self.ask_qty = [0.0] * n
        self.quote_ns = [0] * n
        self.rates = [0.0] * (2 * n)

    def __len__(self) -> int:
        return len(self.specs)

    def update(self, quote: Quote) -> int:
        """Record ``quote``; its market's index, or -1 if it is not one of ours."""
        i = self.index.get((quote.venue, quote.symbol), -1)
        if i >= 0:
            self.update_at(i, quote)
        return i

    def update_at(self, i: int, quote: Quote) -> None:
        """Record ``quote`` of market ``i`` (its index, looked up once by the caller)."""
        bid = quote.bid
        ask = quote.ask
        self.bid[i] = bid
        self.ask[i] = ask
        self.bid_qty[i] = quote.bid_qty
        self.ask_qty[i] = quote.ask_qty
        self.quote_ns[i] = quote.received_ns
        rates = self.rates
        if 0.0 < bid <= ask < _INF:
            keep = self.keep[i]
            rates[2 * i] = bid * keep
            rates[2 * i + 1] = keep / ask
        else:
            rates[2 * i] = 0.0
            rates[2 * i + 1] = 0.0

    def step_assets(self, rate_index: int) -> tuple[str, str]:
        """(asset given, asset received) of one step."""
        spec = self.specs[rate_index >> 1]
        if rate_index & 1:
            return spec.quote, spec.base
        return spec.base, spec.quote

    def rate_index(self, market: int, from_asset: str) -> int:
        """The step through ``market`` that starts from ``from_asset``."""
        return 2 * market + (SELL if self.specs[market].base == from_asset else BUY)
