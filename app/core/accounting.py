"""Position and balance accounting, in Decimal.

A position is signed (long > 0) in the instrument's quantity units (contracts for derivatives).
Its average entry is the arithmetic mean of entry prices for a linear contract and the harmonic
mean for an inverse one, which is what makes the PnL formulas below exact for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Side


def pnl(instrument: Instrument, qty: Decimal, entry: Decimal, exit_: Decimal) -> Decimal:
    """PnL in the settle currency of signed ``qty`` opened at ``entry``, valued at ``exit_``."""
    if qty == 0:
        return ZERO
    if instrument.inverse:
        return qty * instrument.contract_size * (1 / entry - 1 / exit_)
    return qty * instrument.contract_size * (exit_ - entry)


@dataclass(frozen=True, slots=True)
class Position:
    """A derivative position on one venue, with what it has realized and paid."""

    instrument_id: InstrumentId
    qty: Decimal = ZERO
    avg_entry: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def side(self) -> Side | None:
        if self.qty > 0:
            return Side.BUY
        if self.qty < 0:
            return Side.SELL
        return None

    def apply_fill(
        self, instrument: Instrument, side: Side, qty: Decimal, price: Decimal, fee: Decimal = ZERO
    ) -> Position:
        """The position after a fill. Fees are counted apart from realized PnL."""
        if qty <= 0 or price <= 0:
            raise ValueError(f"fill needs positive qty and price, got {qty} @ {price}")
        signed = qty if side is Side.BUY else -qty
        old = self.qty
        new = old + signed
        realized = self.realized_pnl
        avg = self.avg_entry
        if old == 0 or (old > 0) == (signed > 0):
            avg = _blend(instrument, old, avg, signed, price)
        else:
            closed = min(abs(old), qty)
            closed_signed = closed if old > 0 else -closed
            realized += pnl(instrument, closed_signed, avg, price)
            if new == 0:
                avg = ZERO
            elif (new > 0) != (old > 0):
                avg = price  # flipped: the rest opens at this price
        return replace(self, qty=new, avg_entry=avg, realized_pnl=realized, fees=self.fees + fee)

    def unrealized(self, instrument: Instrument, mark: Decimal) -> Decimal:
        return pnl(instrument, self.qty, self.avg_entry, mark) if self.qty else ZERO

    def notional(self, instrument: Instrument, mark: Decimal) -> Decimal:
        return instrument.notional(self.qty, mark)


def _blend(
    instrument: Instrument, old: Decimal, avg: Decimal, add: Decimal, price: Decimal
) -> Decimal:
    if old == 0:
        return price  # exact: the harmonic q / (q / price) would round in the last digit
    total = abs(old) + abs(add)
    if instrument.inverse:
        inv = abs(old) / avg + abs(add) / price
        return total / inv
    return (abs(old) * avg + abs(add) * price) / total


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
        out[asset] = replace(current, total=current.total + delta)
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
