"""Position and balance accounting, in Decimal.

A position is signed (long > 0) in the instrument's quantity units (contracts for derivatives).

Decision: a position keeps its *cost*, not only an average entry, so the ledger does not drift.
The cost is the entry value of the open quantity per unit of contract size: the sum of
``qty * price`` over the entries of a linear contract, of ``qty / price`` for an inverse one
(times ``contract_size`` it is the entry value in the settle currency). Averaging by division
and then realizing ``qty * (exit - average)`` rounded every blend in the 28th digit, so a
round trip that made 0.1488 showed 0.148799999999999999999999997.

Realized PnL is average cost, defined on the cost:
- a fill that opens or adds adds its value (``qty * price``, or ``qty / price``) to the cost;
- a fill that reduces ``held`` by ``closed`` takes the share ``cost * closed / held`` of the cost
  (all of it when it closes the position) and realizes ``contract_size * (closed * exit -
  share)`` for a long linear position, ``contract_size * (share - closed / exit)`` for a long
  inverse one, the opposite for a short; a fill that flips closes everything, then opens the
  rest at its price.

Only quotients round: the share of a partial close and, for an inverse contract, each value
``qty / price``, each once to the default 28 significant digits. Sums and products are exact
(``_LEDGER``, 100 digits, far beyond what the ledger reaches), so the shares taken plus the cost
left always equal the values added: a position that goes flat has realized exactly the sum of
what its fills were worth, and realized plus unrealized at any mark is exactly the fills valued
at that mark (to the last unit for a linear contract, whose values are products). Partial closes
of an average that has no finite decimal show 28 significant digits; money is rounded only where
it is shown or recorded (``core/money.py``).

``avg_entry`` is the average the cost stands for (arithmetic for linear, harmonic for inverse),
kept for display and margin; a position a venue reports with only an entry price has no cost
(``cost=None``): it is derived from ``avg_entry`` when first needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Final

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Side

#: Exact sums and products of the ledger (its numbers stay far below 100 digits).
_LEDGER: Final = Context(prec=100)


def pnl(instrument: Instrument, qty: Decimal, entry: Decimal, exit_: Decimal) -> Decimal:
    """PnL in the settle currency of signed ``qty`` opened at ``entry``, valued at ``exit_``."""
    if qty == 0:
        return ZERO
    if instrument.inverse:
        return qty * instrument.contract_size * (1 / entry - 1 / exit_)
    return qty * instrument.contract_size * (exit_ - entry)


def fill_value(instrument: Instrument, qty: Decimal, price: Decimal) -> Decimal:
    """What ``qty`` (unsigned) at ``price`` adds to a position's cost: ``qty * price`` (exact),
    or ``qty / price`` for an inverse contract (rounded once to 28 digits)."""
    if instrument.inverse:
        return qty / price
    return _LEDGER.multiply(qty, price)


@dataclass(frozen=True, slots=True)
class Position:
    """A derivative position on one venue, with what it has realized and paid.

    ``cost`` is the entry value of the open quantity (see the module docstring); None for a
    position built from an entry price alone (a venue's report), derived when first needed.
    """

    instrument_id: InstrumentId
    qty: Decimal = ZERO
    avg_entry: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    cost: Decimal | None = None

    @property
    def side(self) -> Side | None:
        if self.qty > 0:
            return Side.BUY
        if self.qty < 0:
            return Side.SELL
        return None

    def entry_cost(self, instrument: Instrument) -> Decimal:
        """The cost of the open quantity, from ``avg_entry`` if the position has none."""
        if self.cost is not None:
            return self.cost
        if self.qty == 0 or self.avg_entry <= 0:
            return ZERO
        return fill_value(instrument, abs(self.qty), self.avg_entry)

    def apply_fill(
        self, instrument: Instrument, side: Side, qty: Decimal, price: Decimal, fee: Decimal = ZERO
    ) -> Position:
        """The position after a fill. Fees are counted apart from realized PnL."""
        if qty <= 0 or price <= 0:
            raise ValueError(f"fill needs positive qty and price, got {qty} @ {price}")
        ledger = _LEDGER
        old = self.qty
        new = ledger.add(old, qty) if side is Side.BUY else ledger.subtract(old, qty)
        cost = self.entry_cost(instrument)
        realized = self.realized_pnl
        if old == 0 or (old > 0) == (side is Side.BUY):
            cost = ledger.add(cost, fill_value(instrument, qty, price))
            avg = price if old == 0 else _average(instrument, abs(new), cost)
        else:
            held = abs(old)
            closed = min(held, qty)
            share = cost if closed == held else ledger.multiply(cost, closed) / held
            value = fill_value(instrument, closed, price)
            gain = (
                ledger.subtract(share, value)
                if instrument.inverse
                else ledger.subtract(value, share)
            )
            gain = ledger.multiply(gain, instrument.contract_size)
            realized = ledger.add(realized, gain) if old > 0 else ledger.subtract(realized, gain)
            avg = self.avg_entry  # reducing keeps the entry
            if new == 0:
                cost, avg = ZERO, ZERO
            elif (new > 0) != (old > 0):  # flipped: the rest opens at this price
                cost, avg = fill_value(instrument, qty - closed, price), price
            else:
                cost = ledger.subtract(cost, share)
        return Position(self.instrument_id, new, avg, realized, ledger.add(self.fees, fee), cost)

    def unrealized(self, instrument: Instrument, mark: Decimal) -> Decimal:
        """PnL of the open quantity at ``mark``, from its cost (so no average rounds into it)."""
        if not self.qty:
            return ZERO
        ledger = _LEDGER
        cost = self.entry_cost(instrument)
        value = fill_value(instrument, abs(self.qty), mark)
        gain = ledger.subtract(cost, value) if instrument.inverse else ledger.subtract(value, cost)
        gain = ledger.multiply(gain, instrument.contract_size)
        return gain if self.qty > 0 else ledger.minus(gain)

    def notional(self, instrument: Instrument, mark: Decimal) -> Decimal:
        return instrument.notional(self.qty, mark)


def _average(instrument: Instrument, held: Decimal, cost: Decimal) -> Decimal:
    """The entry price ``cost`` stands for: arithmetic mean (linear), harmonic (inverse)."""
    return held / cost if instrument.inverse else cost / held


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset on one venue. ``locked`` is held by open orders or margin."""

    asset: str
    total: Decimal = ZERO
    locked: Decimal = ZERO

    @property
    def free(self) -> Decimal:
        return self.total - self.locked


def spot_fill_deltas(
    instrument: Instrument,
    side: Side,
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
    fee_currency: str,
) -> dict[str, Decimal]:
    """How a spot fill changes each asset's total: base against quote, then the fee."""
    cost = qty * price
    deltas: dict[str, Decimal] = {
        instrument.base: qty if side is Side.BUY else -qty,
        instrument.quote: -cost if side is Side.BUY else cost,
    }
    deltas[fee_currency] = deltas.get(fee_currency, ZERO) - fee
    return deltas


def apply_deltas(
    balances: Mapping[str, Balance], deltas: Mapping[str, Decimal]
) -> dict[str, Balance]:
    """New balances after ``deltas``; assets not touched are carried over."""
    out = dict(balances)
    for asset, delta in deltas.items():
        current = out.get(asset, Balance(asset))
        out[asset] = Balance(asset, current.total + delta, current.locked)
    return out


def value_in(
    amounts: Mapping[str, Decimal], prices: Mapping[str, Decimal], currency: str
) -> Decimal | None:
    """Sum of ``amounts`` in ``currency`` given each asset's price in it; None if one is missing."""
    total = ZERO
    for asset, amount in amounts.items():
        if asset == currency:
            total += amount
            continue
        price = prices.get(asset)
        if price is None:
            if amount == 0:
                continue
            return None
        total += amount * price
    return total
