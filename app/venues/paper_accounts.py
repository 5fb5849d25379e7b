"""Balances, derivative positions and margin of one paper account.

``locked`` of an asset is never adjusted by hand: it is recomputed as the sum of what open orders
hold (per client order id) and the margin of open positions (per symbol), so a lock can never be
released twice or leak. An order's hold is its amount for the whole quantity scaled by what remains
(``amount * remaining / quantity``), computed afresh each time rather than by repeated partial
releases, so a spot hold stays exact to the last unit. Arithmetic is the core's
(``spot_fill_deltas``, ``Position.apply_fill``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from app.core.accounting import Balance, Position, apply_deltas, spot_fill_deltas
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ONE, ZERO
from app.core.orders import Side
from app.venues.errors import InsufficientFunds
from app.venues.paper_matching import fee_allowance_rate, fee_currency, fmt

Lock = tuple[str, Decimal]


@dataclass(slots=True)
class Hold:
    """What one open order holds: ``amount`` stands for its whole ``quantity``."""

    asset: str
    amount: Decimal
    quantity: Decimal
    remaining: Decimal

    @property
    def current(self) -> Decimal:
        if self.remaining == self.quantity:
            return self.amount
        return self.amount * self.remaining / self.quantity


class PaperAccount:
    """The money side of a paper venue; knows nothing of orders beyond what they hold."""

    def __init__(self, venue: str, leverage: Decimal) -> None:
        if leverage <= 0:
            raise ValueError(f"leverage must be positive, got {leverage}")
        self.venue = venue
        self.leverage = leverage
        self.balances: dict[str, Balance] = {}
        self.positions: dict[str, Position] = {}
        self._holds: dict[str, Hold] = {}
        self._margins: dict[str, Lock] = {}
        self.changed_assets: set[str] = set()
        self.changed_symbols: set[str] = set()

    # -- state ---------------------------------------------------------------------------------

    def load(
        self,
        totals: Mapping[str, Decimal],
        positions: Iterable[Position],
        holds: Mapping[str, Hold],
        instruments: Mapping[str, Instrument],
    ) -> None:
        """Rebuild from saved totals, positions and order holds; ``locked`` is derived again."""
        self.balances = {asset: Balance(asset, total) for asset, total in totals.items()}
        self.positions = {p.instrument_id.symbol: p for p in positions}
        self._holds = dict(holds)
        self._margins = {}
        for symbol, position in self.positions.items():
            inst = instruments.get(symbol)
            if inst is not None:
                self._set_margin(inst, position)
        for asset in {*self.balances, *(h.asset for h in self._holds.values())}:
            self._relock(asset)
        self.changed_assets.clear()
        self.changed_symbols.clear()

    def start(self, starting: Mapping[str, Decimal]) -> None:
        """Starting balances, nothing held, no positions; every old asset and symbol is reported."""
        self.changed_assets |= {*self.balances, *starting}
        self.changed_symbols |= set(self.positions)
        self.balances = {
            asset: Balance(asset, Decimal(amount)) for asset, amount in starting.items()
        }
        self.positions = {}
        self._holds = {}
        self._margins = {}

    def drain(self) -> tuple[list[Balance], list[Position]]:
        """What changed since the last drain; a position that is gone comes back flat (qty 0)."""
        balances = [self.balances.get(a, Balance(a)) for a in sorted(self.changed_assets)]
        positions = [
            self.positions.get(s) or Position(InstrumentId(self.venue, s))
            for s in sorted(self.changed_symbols)
        ]
        self.changed_assets.clear()
        self.changed_symbols.clear()
        return balances, positions

    def free(self, asset: str) -> Decimal:
        balance = self.balances.get(asset)
        return balance.free if balance is not None else ZERO

    def hold_of(self, client_order_id: str) -> Hold | None:
        return self._holds.get(client_order_id)

    def position(self, symbol: str) -> Position | None:
        return self.positions.get(symbol)

    # -- what an order holds -------------------------------------------------------------------

    def required(
        self, inst: Instrument, side: Side, qty: Decimal, price: Decimal, reducible: Decimal
    ) -> Lock:
        """What an order must hold while open, valued at ``price``.

        Spot: a buy holds the quote amount plus the dearer fee, a sell holds the base. A derivative
        holds margin (notional / leverage) for the part that opens exposure, beyond ``reducible``
        (what it may close of the position), plus the fee on the whole quantity.
        """
        if not inst.is_derivative:
            if side is Side.BUY:
                return inst.quote, qty * price * (ONE + fee_allowance_rate(inst))
            return inst.base, qty
        opening = max(qty - reducible, ZERO)
        margin = inst.notional(opening, price) / self.leverage if opening else ZERO
        fees = inst.notional(qty, price) * fee_allowance_rate(inst)
        return inst.settle_currency, margin + fees

    def reserve(self, client_order_id: str, lock: Lock, quantity: Decimal) -> None:
        """Hold ``lock`` for an order of ``quantity``, or refuse with the numbers."""
        asset, amount = lock
        if amount <= 0:
            return
        free = self.free(asset)
        if amount > free:
            raise InsufficientFunds(
                f"insufficient {asset} on {self.venue}: need {fmt(amount)}, free {fmt(free)}"
            )
        self._holds[client_order_id] = Hold(asset, amount, quantity, quantity)
        self._relock(asset)

    def release(self, client_order_id: str, qty: Decimal) -> None:
        """Let go of the share of an order's hold that a fill of ``qty`` stood for."""
        hold = self._holds.get(client_order_id)
        if hold is None:
            return
        hold.remaining -= qty
        if hold.remaining <= 0:
            del self._holds[client_order_id]
        self._relock(hold.asset)

    def release_all(self, client_order_id: str) -> None:
        hold = self._holds.pop(client_order_id, None)
        if hold is not None:
            self._relock(hold.asset)

    # -- fills and funding ---------------------------------------------------------------------

    def settle_spot(
        self, inst: Instrument, side: Side, qty: Decimal, price: Decimal, fee: Decimal
    ) -> None:
        deltas = spot_fill_deltas(inst, side, qty, price, fee, fee_currency(inst))
        self.balances = apply_deltas(self.balances, deltas)
        self.changed_assets.update(deltas)

    def settle_derivative(
        self, inst: Instrument, side: Side, qty: Decimal, price: Decimal, fee: Decimal
    ) -> None:
        """Position after the fill; realized PnL less the fee goes to the settle balance."""
        old = self.positions.get(inst.symbol) or Position(inst.id)
        new = old.apply_fill(inst, side, qty, price, fee)
        self.positions[inst.symbol] = new
        self.changed_symbols.add(inst.symbol)
        asset = inst.settle_currency
        self.balances = apply_deltas(
            self.balances, {asset: new.realized_pnl - old.realized_pnl - fee}
        )
        self._set_margin(inst, new)
        self._relock(asset)

    def pay_funding(self, inst: Instrument, rate: Decimal, mark: Decimal) -> Decimal:
        """Funding on the open position: longs pay shorts when the rate is positive.

        Returns the signed change of the settle balance (negative: paid).
        """
        position = self.positions.get(inst.symbol)
        if position is None or position.qty == 0:
            return ZERO
        payment = inst.notional(position.qty, mark) * rate
        delta = -payment if position.qty > 0 else payment
        asset = inst.settle_currency
        self.balances = apply_deltas(self.balances, {asset: delta})
        self.changed_assets.add(asset)
        return delta

    def reducible(self, inst: Instrument, side: Side) -> Decimal:
        """How much of the position an order on ``side`` would close."""
        position = self.positions.get(inst.symbol)
        if position is None or position.qty == 0:
            return ZERO
        if (position.qty > 0) == (side is Side.BUY):
            return ZERO
        return abs(position.qty)

    # -- internals -----------------------------------------------------------------------------

    def _set_margin(self, inst: Instrument, position: Position) -> None:
        """Margin of an open position: its notional at entry over the leverage."""
        if position.qty == 0 or position.avg_entry <= 0:
            self._margins.pop(inst.symbol, None)
            return
        margin = inst.notional(position.qty, position.avg_entry) / self.leverage
        self._margins[inst.symbol] = (inst.settle_currency, margin)

    def _relock(self, asset: str) -> None:
        held = sum((h.current for h in self._holds.values() if h.asset == asset), ZERO)
        held += sum((a for k, a in self._margins.values() if k == asset), ZERO)
        current = self.balances.get(asset) or Balance(asset)
        if current.locked != held or asset not in self.balances:
            self.balances[asset] = replace(current, locked=held)
        self.changed_assets.add(asset)
