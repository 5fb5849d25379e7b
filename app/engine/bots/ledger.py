"""One bot's money, recomputed from its own fills and funding with the venues' own arithmetic.

Each fill changes the bot's holdings exactly as it changes the venue's account
(``spot_fill_deltas`` for spot; ``Position.apply_fill`` with realized PnL less the fee into the
settle currency for derivatives), and funding adds what the venue paid. The bot's PnL is those
holdings plus the unrealized PnL of its derivative positions, valued like the portfolio values
equity. So when only bots trade, the bots' PnL adds up to the portfolio's PnL change to the last
unit. Realized PnL is kept by average cost per instrument; fees and funding are apart;
unrealized is what remains, so ``realized + unrealized + funding - fees`` is the whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TypeVar

from app.core.accounting import Position, spot_fill_deltas
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Fill
from app.engine.bots.model import BotPnl

#: (asset) -> its price in the valuation currency, None when unknown.
PriceOf = Callable[[str], Decimal | None]
#: (instrument) -> its mark, None when unknown.
MarkOf = Callable[[InstrumentId], Decimal | None]
K = TypeVar("K")


class BotLedger:
    def __init__(self, instruments: Mapping[InstrumentId, Instrument]) -> None:
        self._instruments = instruments
        #: (venue, asset) -> what the bot's fills and funding changed on that venue
        self.holdings: dict[tuple[str, str], Decimal] = {}
        #: every instrument the bot traded, spot included (spot: for average-cost realized PnL)
        self.positions: dict[InstrumentId, Position] = {}
        self._realized: dict[str, Decimal] = {}
        self._fees: dict[str, Decimal] = {}
        self._funding: dict[str, Decimal] = {}
        self._funding_by_venue: dict[tuple[str, str], Decimal] = {}
        self._volume: dict[str, Decimal] = {}
        self.trades = 0
        self._peak_total: Decimal | None = None
        self._max_drawdown = ZERO
        self._peak_exposure = ZERO
        self.last = BotPnl()

    def on_fill(self, fill: Fill) -> dict[tuple[str, str], Decimal]:
        """Count one fill; returns how it changed the bot's holdings per (venue, asset)."""
        inst = self._instruments[InstrumentId(fill.venue, fill.symbol)]
        old = self.positions.get(inst.id) or Position(inst.id)
        new = old.apply_fill(inst, fill.side, fill.qty, fill.price, fill.fee)
        self.positions[inst.id] = new
        gained = new.realized_pnl - old.realized_pnl
        if inst.is_derivative:
            asset = inst.settle_currency
            deltas = {asset: gained - fill.fee}
            _add(self._realized, asset, gained)
        else:
            deltas = spot_fill_deltas(
                inst, fill.side, fill.qty, fill.price, fill.fee, fill.fee_currency
            )
            _add(self._realized, inst.quote, gained)
        _add(self._fees, fill.fee_currency, fill.fee)
        _add(self._volume, inst.quote, inst.notional_quote(fill.qty, fill.price))
        self.trades += 1
        out = {(fill.venue, asset): delta for asset, delta in deltas.items() if delta}
        for key, delta in out.items():
            _add(self.holdings, key, delta)
        return out

    def on_funding(self, venue: str, currency: str, amount: Decimal) -> None:
        _add(self.holdings, (venue, currency), amount)
        _add(self._funding, currency, amount)
        _add(self._funding_by_venue, (venue, currency), amount)

    @property
    def holds_anything(self) -> bool:
        return any(p.qty for p in self.positions.values())

    def funding_record(self) -> dict[str, str]:
        """Funding received per ``venue:currency`` as decimal strings. Kept with the bot's state:
        unlike fills, funding payments are not in the store."""
        out: dict[str, str] = {}
        for (venue, asset), amount in self._funding_by_venue.items():
            out[f"{venue}:{asset}"] = str(amount)
        return out

    def restore_funding(self, record: Mapping[str, str]) -> None:
        for key, amount in record.items():
            venue, _, currency = key.partition(":")
            self.on_funding(venue, currency, Decimal(str(amount)))

    def held(self, inst: InstrumentId) -> Decimal:
        """The bot's signed quantity of one instrument (contracts for derivatives)."""
        position = self.positions.get(inst)
        return position.qty if position is not None else ZERO

    def value(self, price: PriceOf, mark: MarkOf) -> BotPnl:
        """The bot's PnL now; also follows its peak, drawdown and exposure."""
        held: dict[str, Decimal] = {}
        for (_, asset), qty in self.holdings.items():
            held[asset] = held.get(asset, ZERO) + qty
        complete = True
        exposure = ZERO
        for inst_id, position in self.positions.items():
            if not position.qty:
                continue
            inst = self._instruments[inst_id]
            m = mark(inst_id)
            if m is None:
                complete = False
                continue
            unit = price(inst.settle_currency if inst.is_derivative else inst.quote)
            if unit is not None:
                exposure += abs(inst.notional(position.qty, m)) * unit
            if inst.is_derivative:
                settle = inst.settle_currency
                held[settle] = held.get(settle, ZERO) + position.unrealized(inst, m)
        total, ok = _valued(held, price)
        realized, ok_r = _valued(self._realized, price)
        fees, ok_f = _valued(self._fees, price)
        funding, ok_u = _valued(self._funding, price)
        volume, _ = _valued(self._volume, price)
        complete = complete and ok and ok_r and ok_f and ok_u
        if complete:
            if self._peak_total is None or total > self._peak_total:
                self._peak_total = total
            self._max_drawdown = max(self._max_drawdown, self._peak_total - total)
            self._peak_exposure = max(self._peak_exposure, exposure)
        self.last = BotPnl(
            realized=realized,
            unrealized=total - realized - funding + fees,
            funding=funding,
            fees=fees,
            volume_quote=volume,
            max_drawdown=self._max_drawdown,
            peak_exposure=self._peak_exposure,
            trades=self.trades,
            complete=complete,
        )
        return self.last


def _add(into: dict[K, Decimal], key: K, amount: Decimal) -> None:
    into[key] = into.get(key, ZERO) + amount


def _valued(amounts: Mapping[str, Decimal], price: PriceOf) -> tuple[Decimal, bool]:
    total = ZERO
    ok = True
    for asset, qty in amounts.items():
        if not qty:
            continue
        p = price(asset)
        if p is None:
            ok = False
            continue
        total += qty * p
    return total, ok
