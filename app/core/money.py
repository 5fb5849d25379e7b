"""Money is Decimal; market data is float. This module is the only float -> Decimal crossing.

Converting through ``repr`` (``Decimal(str(x))``) keeps the shortest decimal that round-trips the
float, so ``0.1`` becomes ``Decimal("0.1")`` and not its binary expansion.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Final

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """A float from market data as the Decimal it prints as."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    result = value if isinstance(value, Decimal) else Decimal(value)
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


_MODES: Final = {"nearest": ROUND_HALF_EVEN, "down": ROUND_FLOOR, "up": ROUND_CEILING}


def _to_increment(value: Decimal, increment: Decimal, rounding: str) -> Decimal:
    if increment <= 0:
        raise ValueError(f"increment must be positive, got {increment}")
    units = (value / increment).to_integral_value(rounding=rounding)
    return (units * increment).quantize(increment)


def round_price(price: float | Decimal, tick: Decimal, mode: str = "nearest") -> Decimal:
    """Round a price to the tick: ``nearest``, ``down`` (a buyer's limit) or ``up`` (a seller's)."""
    rounding = _MODES.get(mode)
    if rounding is None:
        raise ValueError(f"rounding mode must be one of {sorted(_MODES)}, got {mode!r}")
    return _to_increment(to_decimal(price), tick, rounding)


def price_for_side(price: float | Decimal, tick: Decimal, side: str) -> Decimal:
    """Round a limit price so it never becomes more aggressive: buys down, sells up."""
    if side not in ("buy", "sell"):
        raise ValueError(f"side must be 'buy' or 'sell', got {side!r}")
    return round_price(price, tick, "down" if side == "buy" else "up")


def round_qty(qty: float | Decimal, step: Decimal) -> Decimal:
    """Quantities round toward zero: never trade more than asked."""
    return _to_increment(to_decimal(qty), step, ROUND_DOWN)


def bps(value: Decimal | float) -> Decimal:
    """A fraction expressed in basis points."""
    return to_decimal(value) * 10_000
