"""Positions and balances per venue, exposure per asset across venues, and equity.

Equity is valued at marks from the QuoteBook in every valuation currency. The first complete
valuation becomes the baseline that PnL is measured from (persisted by the engine per market, so
it survives a restart). A snapshot is taken only when equity moved by more than an absolute or a
relative threshold, so a quiet market writes nothing.

``prices`` reads the live book (``valuation.BookPrices``): risk converts an order's quote
currency with it from the first quotes on, not from the last revaluation. A revaluation runs
once per interval of market time, so it reads each price once (``PriceMemo``) and each position's
mark once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.core.accounting import Balance, Position
from app.core.bus import EventBus
from app.core.events import BalanceChanged, EquityUpdated, PositionChanged
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO, to_decimal
from app.core.quotes import QuoteBook
from app.engine.valuation import BookPrices, PriceMemo, StableEquivalents

Prices = BookPrices | PriceMemo

SnapshotSink = Callable[[EquityUpdated], None]


@dataclass(frozen=True, slots=True)
class Exposure:
    """Net quantity of one asset across venues (spot holdings plus derivative delta)."""

    asset: str
    quantity: Decimal
    value: Decimal | None
    per_venue: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class PositionView:
    venue: str
    position: Position
    mark: Decimal | None
    unrealized: Decimal | None
    notional: Decimal | None


@dataclass(frozen=True, slots=True)
class Valuation:
    ts_ns: int
    equity: dict[str, Decimal]
    pnl: dict[str, Decimal]
    complete: bool


class Portfolio:
    def __init__(
        self,
        bus: EventBus,
        book: QuoteBook,
        instruments: Mapping[InstrumentId, Instrument],
        *,
        currencies: list[str],
        snapshot_abs: Decimal,
        snapshot_rel: Decimal,
        on_snapshot: SnapshotSink | None = None,
        equivalents: StableEquivalents | None = None,
    ) -> None:
        self._bus = bus
        self._book = book
        self._instruments = instruments
        self.currencies = list(currencies)
        self._abs = snapshot_abs
        self._rel = snapshot_rel
        self._on_snapshot = on_snapshot
        self.balances: dict[str, dict[str, Balance]] = {}
        self.positions: dict[str, dict[str, Position]] = {}
        self.baseline: dict[str, Decimal] | None = None
        self.last: Valuation | None = None
        #: Live prices from the book, for anyone who converts between assets (risk does).
        self.prices = BookPrices(book, instruments.values(), equivalents)
        self._equivalents = self.prices.equivalents
        self.gross_exposure = ZERO
        self._last_snapshot: dict[str, Decimal] | None = None
        self.snapshots_taken = 0
        bus.subscribe(BalanceChanged, self._on_balance)
        bus.subscribe(PositionChanged, self._on_position)

    def load(self, venue: str, balances: Mapping[str, Balance], positions: list[Position]) -> None:
        self.balances[venue] = dict(balances)
        self.positions[venue] = {p.instrument_id.symbol: p for p in positions if p.qty != 0}

    def _on_balance(self, event: BalanceChanged) -> None:
        self.balances.setdefault(event.venue, {})[event.balance.asset] = event.balance

    def _on_position(self, event: PositionChanged) -> None:
        venue = self.positions.setdefault(event.venue, {})
        symbol = event.position.instrument_id.symbol
        if event.position.qty == 0:
            venue.pop(symbol, None)
        else:
            venue[symbol] = event.position

    def mark(self, venue: str, symbol: str) -> Decimal | None:
        """An instrument's mark: its mid, as every valuation uses it (bots' ledgers too)."""
        quote = self._book.get(venue, symbol)
        if quote is None or quote.bid <= 0 or quote.ask <= 0:
            return None
        return to_decimal(round(quote.mid, 10))

    def position_views(self) -> list[PositionView]:
        views = []
        for venue, positions in sorted(self.positions.items()):
            for symbol, position in sorted(positions.items()):
                inst = self._instruments.get(InstrumentId(venue, symbol))
                mark = self.mark(venue, symbol)
                if inst is None or mark is None:
                    views.append(PositionView(venue, position, mark, None, None))
                    continue
                views.append(
                    PositionView(
                        venue,
                        position,
                        mark,
                        position.unrealized(inst, mark),
                        position.notional(inst, mark),
                    )
                )
        return views

    def _holdings(self, views: list[PositionView]) -> dict[str, dict[str, Decimal]]:
        """Asset -> venue -> quantity: balances plus the base delta of derivative positions."""
        out: dict[str, dict[str, Decimal]] = {}
        for venue, balances in self.balances.items():
            for asset, balance in balances.items():
                if balance.total:
                    out.setdefault(asset, {})[venue] = balance.total
        for view in views:
            inst = self._instruments.get(
                InstrumentId(view.venue, view.position.instrument_id.symbol)
            )
            if inst is None or view.mark is None:
                continue
            delta = view.position.qty * inst.contract_size
            if inst.inverse:
                delta = delta / view.mark
            per_venue = out.setdefault(inst.base, {})
            per_venue[view.venue] = per_venue.get(view.venue, ZERO) + delta
        return out

    def exposures(
        self, prices: Prices | None = None, views: list[PositionView] | None = None
    ) -> list[Exposure]:
        prices = self.prices if prices is None else prices
        views = self.position_views() if views is None else views
        currency = self.currencies[0]
        out = []
        for asset, per_venue in sorted(self._holdings(views).items()):
            qty = sum(per_venue.values(), ZERO)
            price = prices.price(asset, currency)
            out.append(
                Exposure(
                    asset,
                    qty,
                    None if price is None else qty * price,
                    tuple(sorted(per_venue.items())),
                )
            )
        return out

    def valuation(
        self, now_ns: int, prices: Prices | None = None, views: list[PositionView] | None = None
    ) -> Valuation:
        prices = self.prices.snapshot() if prices is None else prices
        views = self.position_views() if views is None else views
        # quantities per asset first (balances, and unrealized PnL in each settle currency):
        # each asset is then priced once per valuation currency, however many venues hold it
        held: dict[str, Decimal] = {}
        complete = True
        for balances in self.balances.values():
            for asset, balance in balances.items():
                if balance.total:
                    held[asset] = held.get(asset, ZERO) + balance.total
        for view in views:
            if view.unrealized is None:
                complete = complete and view.position.qty == 0
                continue
            inst = self._instruments[InstrumentId(view.venue, view.position.instrument_id.symbol)]
            settle = inst.settle_currency
            held[settle] = held.get(settle, ZERO) + view.unrealized
        equity: dict[str, Decimal] = {}
        for currency in self.currencies:
            total = ZERO
            for asset, qty in held.items():
                price = prices.price(asset, currency)
                if price is None:
                    complete = False
                    continue
                total += qty * price
            equity[currency] = total
        if complete and self.baseline is None:
            self.baseline = dict(equity)
        base = self.baseline or {}
        pnl = {c: equity[c] - base[c] for c in equity if c in base}
        self.last = Valuation(now_ns, equity, pnl, complete)
        return self.last

    def revalue(self, now_ns: int) -> Valuation:
        """Value the book, refresh gross exposure (everything but the valuation currency, for
        risk) and take a snapshot when equity moved past a threshold."""
        prices, views = self.prices.snapshot(), self.position_views()
        valuation = self.valuation(now_ns, prices, views)
        canon = self._equivalents.canon
        home = canon(self.currencies[0])
        self.gross_exposure = sum(
            (
                abs(e.value)
                for e in self.exposures(prices, views)
                if e.value is not None and canon(e.asset) != home
            ),
            ZERO,
        )
        if valuation.complete and self._moved(valuation.equity):
            self._last_snapshot = dict(valuation.equity)
            self.snapshots_taken += 1
            event = EquityUpdated(
                now_ns, tuple(valuation.equity.items()), tuple(valuation.pnl.items())
            )
            self._bus.publish(event)
            if self._on_snapshot is not None:
                self._on_snapshot(event)
        return valuation

    def _moved(self, equity: Mapping[str, Decimal]) -> bool:
        last = self._last_snapshot
        if last is None:
            return True
        currency = self.currencies[0]
        before, now = last.get(currency, ZERO), equity.get(currency, ZERO)
        change = abs(now - before)
        if self._abs == 0 and self._rel == 0:
            return change != 0
        if self._abs > 0 and change >= self._abs:
            return True
        return before != 0 and self._rel > 0 and change / abs(before) >= self._rel
