"""What every scanner offers: pure, incremental, and testable without an event loop.

A scanner keeps the latest top of book of the markets it watches. ``on_quote`` takes one update
and returns what it makes profitable now (re-evaluating only what contains that market);
``update`` only records (for loading a snapshot); ``scan`` evaluates everything at once (on
demand, on a timer, or after loading a snapshot). None of them does I/O or awaits anything.
A scanner may also offer ``route(market)``: its ``on_quote`` for that market's quotes only, with
the market's index looked up once (the opportunity service calls that instead); one whose
``gated`` is True takes ``route(market, gate)`` and skips building what the gate drops.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from app.core.opportunities import Opportunity, OpportunityKind, Signal
from app.core.quotes import Quote

#: The funding rate per interval of a perpetual, where the feed knows it (``MarketFeed``).
FundingSource = Callable[[str, str], float | None]

#: An opportunity's parts before it is built: (kind, key, signal, edge_bps, size_quote,
#: size_asset, legs as (venue, symbol, qty, price), oldest quote's receive time) -> True when the
#: decisions certainly drop it (then counted as found and dropped, and not built). A scanner
#: offering ``route(market, gate)`` asks it before each ``Opportunity`` it would return.
Gate = Callable[
    [
        OpportunityKind,
        str,
        Signal,
        float,
        float,
        str,
        tuple[tuple[str, str, float, float], ...],
        int,
    ],
    bool,
]


class Scanner(Protocol):
    @property
    def kind(self) -> OpportunityKind: ...

    def markets(self) -> Collection[tuple[str, str]]:
        """The ``(venue, symbol)`` pairs whose quotes this scanner needs."""
        ...

    def on_quote(self, quote: Quote) -> list[Opportunity]: ...

    def update(self, quote: Quote) -> None: ...

    def scan(self, now_ns: int) -> list[Opportunity]: ...
