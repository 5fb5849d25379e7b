"""What can be traded where, in ccxt unified symbols."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.core.money import ONE, ZERO


class InstrumentKind(StrEnum):
    SPOT = "spot"
    PERPETUAL = "perpetual"
    FUTURE = "future"


@dataclass(frozen=True, slots=True, order=True)
class InstrumentId:
    """An instrument on one venue: ``InstrumentId("binance", "BTC/USDT")``."""

    venue: str
    symbol: str

    def __str__(self) -> str:
        return f"{self.venue}:{self.symbol}"


@dataclass(frozen=True, slots=True)
class Instrument:
    """Trading rules of one market.

    For derivatives, quantities are in contracts of ``contract_size``: base units for a linear
    contract, quote units (USD) for an inverse one, as ccxt counts them.
    """

    venue: str
    symbol: str
    base: str
    quote: str
    kind: InstrumentKind = InstrumentKind.SPOT
    tick_size: Decimal = Decimal("0.01")
    step_size: Decimal = Decimal("0.00001")
    min_qty: Decimal = ZERO
    min_notional: Decimal = ZERO
    contract_size: Decimal = ONE
    maker_fee: Decimal = Decimal("0.001")
    taker_fee: Decimal = Decimal("0.001")
    settle: str | None = None
    inverse: bool = False
    expiry_ms: int | None = None

    @property
    def id(self) -> InstrumentId:
        return InstrumentId(self.venue, self.symbol)

    @property
    def is_derivative(self) -> bool:
        return self.kind is not InstrumentKind.SPOT

    @property
    def settle_currency(self) -> str:
        """Where PnL and margin of a derivative are counted; the quote for spot."""
        if self.settle:
            return self.settle
        return self.base if self.inverse else self.quote

    def notional(self, qty: Decimal, price: Decimal) -> Decimal:
        """Value of ``qty`` at ``price`` in the settle currency (quote currency for spot)."""
        if self.inverse:
            return abs(qty) * self.contract_size / price
        return abs(qty) * self.contract_size * price

    def notional_quote(self, qty: Decimal, price: Decimal) -> Decimal:
        """Value of ``qty`` at ``price`` in the quote currency, whatever the contract type."""
        if self.inverse:
            return abs(qty) * self.contract_size
        return abs(qty) * self.contract_size * price


def split_symbol(symbol: str) -> tuple[str, str, str | None, str | None]:
    """``BTC/USDT:USDT-250328`` -> (base, quote, settle, expiry code)."""
    pair, _, rest = symbol.partition(":")
    base, sep, quote = pair.partition("/")
    if not sep or not base or not quote:
        raise ValueError(f"not a unified symbol: {symbol!r}")
    settle, _, expiry = rest.partition("-")
    return base, quote, settle or None, expiry or None
