"""Balances, derivative positions and margin of one paper account.

``locked`` of an asset is the sum of what open orders hold (per client order id) and the margin
of open positions (per symbol), so a lock can never be released twice or leak. An order's hold is
its amount for the whole quantity scaled by what remains (``amount * remaining / quantity``),
computed afresh each time rather than by repeated partial releases, so a spot hold stays exact to
the last unit. Arithmetic is the core's (``spot_fill_deltas``, ``Position.apply_fill``).

Decision: the sum is kept as a running total per asset (``_held``), moved by exactly the change
of one hold or one margin, instead of re-summing every open order of the asset on each order,
fill and cancel (that was O(open orders) per operation). To make "running total" and "re-summed
total" the same number, not merely close, the total is kept *exact*: every addition and
subtraction runs in ``_EXACT`` (200 digits, ``Inexact`` trapped), so no rounding accumulates
however many holds come and go; ``locked`` is that total rounded once to the default context. In
the unreachable case of a sum needing more than 200 digits the asset is re-summed from its holds.
``verify_locks`` re-sums every asset from scratch and reports any difference (the property tests
call it after random sequences of operations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact

from app.core.accounting import Balance, Position, apply_deltas, spot_fill_deltas
from app.core.instruments import Instrument, InstrumentId
from app.core.money import ONE, ZERO
from app.core.orders import Side
from app.venues.errors import InsufficientFunds
from app.venues.paper_matching import fee_allowance_rate, fee_currency, fmt

Lock = tuple[str, Decimal]
_EXACT = Context(prec=200, traps=[Inexact])


def _exact_sum(parts: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``parts``; raises ``Inexact`` if it needs more than 200 digits."""
    total = ZERO
    for part in parts:
        total = _EXACT.add(total, part)
    return total


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
        self._held: dict[str, Decimal] = {}  # exact running total of holds and margins per asset
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
        assets = {*self.balances, *(h.asset for h in self._holds.values())}
        self._held = {asset: self._resum(asset) for asset in assets}
        for asset in assets:
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
        self._held = {}

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
        old = self._holds.get(client_order_id)
        self._holds[client_order_id] = Hold(asset, amount, quantity, quantity)
        self._move(asset, amount)
        if old is not None:  # never by the exchange (ids are unique), but keep the totals right
            self._move(old.asset, -old.current)
            self._relock(old.asset)
        self._relock(asset)

    def release(self, client_order_id: str, qty: Decimal) -> None:
        """Let go of the share of an order's hold that a fill of ``qty`` stood for."""
        hold = self._holds.get(client_order_id)
        if hold is None:
            return
        before = hold.current
        hold.remaining -= qty
        if hold.remaining <= 0:
            del self._holds[client_order_id]
            self._move(hold.asset, -before)
        else:
            self._move(hold.asset, _EXACT.subtract(hold.current, before))
        self._relock(hold.asset)

    def release_all(self, client_order_id: str) -> None:
        hold = self._holds.pop(client_order_id, None)
        if hold is not None:
            self._move(hold.asset, -hold.current)
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

        Returns the signed change of the settle balance (negative: paid): the new total less the
        old, exactly, so it equals what the balance moved by even where the addition rounded (the
        venue reports this number as the funding event's amount).
        """
        position = self.positions.get(inst.symbol)
        if position is None or position.qty == 0:
            return ZERO
        payment = inst.notional(position.qty, mark) * rate
        delta = -payment if position.qty > 0 else payment
        asset = inst.settle_currency
        before = self.balances.get(asset)
        self.balances = apply_deltas(self.balances, {asset: delta})
        self.changed_assets.add(asset)
        return _EXACT.subtract(self.balances[asset].total, before.total if before else ZERO)

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
        old = self._margins.pop(inst.symbol, None)
        if old is not None:
            self._move(old[0], -old[1])
        if position.qty == 0 or position.avg_entry <= 0:
            return
        margin = inst.notional(position.qty, position.avg_entry) / self.leverage
        self._margins[inst.symbol] = (inst.settle_currency, margin)
        self._move(inst.settle_currency, margin)

    def _move(self, asset: str, delta: Decimal) -> None:
        """Add ``delta`` (exactly) to the running total held of ``asset``."""
        if not delta:
            return
        try:
            total = _EXACT.add(self._held.get(asset, ZERO), delta)
        except Inexact:  # beyond 200 digits: start again from the holds themselves
            total = self._resum(asset)
        self._held[asset] = total if total else ZERO

    def _resum(self, asset: str) -> Decimal:
        """What ``asset`` holds, summed afresh from every hold and margin (exact where it can)."""
        parts = [h.current for h in self._holds.values() if h.asset == asset]
        parts += [a for k, a in self._margins.values() if k == asset]
        try:
            total = _exact_sum(parts)
        except Inexact:
            total = sum(parts, ZERO)
        return total if total else ZERO

    def verify_locks(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Assets whose running total differs from a fresh re-sum: {asset: (running, re-summed)};
        empty when all agree (also checks each balance's ``locked``)."""
        wrong: dict[str, tuple[Decimal, Decimal]] = {}
        assets = {*self._held, *self.balances, *(h.asset for h in self._holds.values())}
        assets |= {k for k, _ in self._margins.values()}
        for asset in assets:
            running = self._held.get(asset, ZERO)
            fresh = self._resum(asset)
            balance = self.balances.get(asset)
            locked = balance.locked if balance is not None else ZERO
            if running != fresh or locked != +fresh:
                wrong[asset] = (running, fresh)
        return wrong

    def _relock(self, asset: str) -> None:
        held = +self._held.get(asset, ZERO)  # rounded once, to the default context
        current = self.balances.get(asset) or Balance(asset)
        if current.locked != held or asset not in self.balances:
            self.balances[asset] = Balance(asset, current.total, held)
        self.changed_assets.add(asset)
