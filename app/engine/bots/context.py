"""What one bot reads of the world (``BotContext``): market time, fresh quotes, its PnL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from app.core.clock import Clock
from app.core.instruments import Instrument, InstrumentId
from app.core.quotes import Quote, QuoteBook


class World:
    """The engine's side of every bot's context, shared by all bots."""

    __slots__ = ("book", "clock", "funding_rate", "instruments", "pnl_total")

    def __init__(
        self,
        *,
        clock: Clock,
        book: QuoteBook,
        instruments: Mapping[InstrumentId, Instrument],
        funding_rate: Callable[[str, str], float | None],
        pnl_total: Callable[[str], Decimal],
    ) -> None:
        self.clock = clock
        self.book = book
        self.instruments = instruments
        self.funding_rate = funding_rate
        self.pnl_total = pnl_total


class Context:
    """``BotContext`` of one bot."""

    __slots__ = ("_bot_id", "_world")

    def __init__(self, world: World, bot_id: str) -> None:
        self._world = world
        self._bot_id = bot_id

    def now_ns(self) -> int:
        return self._world.clock.now_ns()

    def fresh_quote(self, inst: InstrumentId, max_age_ms: int) -> Quote | None:
        world = self._world
        quote = world.book.get(inst.venue, inst.symbol)
        if quote is None or quote.bid <= 0 or quote.ask <= 0:
            return None
        if world.clock.now_ns() - quote.received_ns > max_age_ms * 1_000_000:
            return None
        return quote

    def instrument(self, inst: InstrumentId) -> Instrument:
        return self._world.instruments[inst]

    def pnl_total(self) -> Decimal:
        return self._world.pnl_total(self._bot_id)

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        return self._world.funding_rate(venue, symbol)
