"""The bots' books: one ledger per bot, fed by the fills of its orders and its share of funding.

Capital follows every fill (what a bot spent shrinks its amount pool, what it received it may
spend back). Fills arrive on the bus for every order; an order's origin (``bot:<id>``) says whose
they are. Funding is paid on a venue's position, which several bots may hold parts of: each gets
its share, the last the remainder, so the parts add up to the payment exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from app.core.events import FundingPaid
from app.core.instruments import Instrument, InstrumentId
from app.core.orders import Fill, Order
from app.engine.bots.ledger import BotLedger, MarkOf, PriceOf
from app.engine.bots.model import BotPnl
from app.engine.capital import Capital


class BotBooks:
    def __init__(
        self,
        instruments: Mapping[InstrumentId, Instrument],
        capital: Capital,
        *,
        price: PriceOf,
        mark: MarkOf,
        order: Callable[[str], Order | None],
    ) -> None:
        self._instruments = instruments
        self._capital = capital
        self._price = price
        self._mark = mark
        self._order = order
        self._ledgers: dict[str, BotLedger] = {}

    def open(self, bot_id: str) -> None:
        self._ledgers.setdefault(bot_id, BotLedger(self._instruments))

    def close(self, bot_id: str) -> None:
        self._ledgers.pop(bot_id, None)

    def restore(self, bot_id: str, fills: Iterable[Fill], funding: Mapping[str, str]) -> None:
        """At start: the bot's fills from the store and the funding kept with its state."""
        ledger = self._ledgers[bot_id]
        ledger.restore_funding(funding)
        for fill in fills:
            self._count(bot_id, ledger, fill)

    def on_fill(self, fill: Fill) -> str | None:
        """Count a fill of a bot's order; returns that bot's id (None: not a bot's)."""
        order = self._order(fill.client_order_id)
        if order is None or not order.origin.startswith("bot:"):
            return None
        bot_id = order.origin[4:]
        ledger = self._ledgers.get(bot_id)
        if ledger is None:
            return None
        self._count(bot_id, ledger, fill)
        ledger.value(self._price, self._mark)  # its peak exposure and drawdown follow
        return bot_id

    def on_funding(self, event: FundingPaid) -> list[tuple[str, Decimal]]:
        """Share a payment among the bots holding the position; returns (bot, part) each."""
        if not event.position_qty:
            return []
        inst = InstrumentId(event.venue, event.symbol)
        holders = [
            (bot_id, ledger.held(inst))
            for bot_id, ledger in sorted(self._ledgers.items())
            if ledger.held(inst) * event.position_qty > 0
        ]
        parts = []
        left = event.amount
        for i, (bot_id, qty) in enumerate(holders):
            part = left if i == len(holders) - 1 else event.amount * qty / event.position_qty
            left -= part
            self._ledgers[bot_id].on_funding(event.venue, event.currency, part)
            parts.append((bot_id, part))
        return parts

    def value(self, bot_id: str) -> BotPnl:
        return self._ledgers[bot_id].value(self._price, self._mark)

    def revalue(self) -> None:
        """Value every bot that holds something (its drawdown and peak exposure follow)."""
        for ledger in self._ledgers.values():
            if ledger.holds_anything:
                ledger.value(self._price, self._mark)

    def funding_record(self, bot_id: str) -> dict[str, str]:
        return self._ledgers[bot_id].funding_record()

    def _count(self, bot_id: str, ledger: BotLedger, fill: Fill) -> None:
        for (venue, asset), delta in ledger.on_fill(fill).items():
            self._capital.note_spent(bot_id, venue, asset, delta)
