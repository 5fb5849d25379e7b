"""Money is Decimal; market data is float. This module is the only float <-> Decimal crossing.

Converting through ``repr`` (``Decimal(str(x))``) keeps the shortest decimal that round-trips the
float, so ``0.1`` becomes ``Decimal("0.1")`` and not its binary expansion. The way back
(``to_float``) is for charts and market-data maths only.

Money leaves the program as text: ``money_str`` (an amount at ``MONEY_PLACES``) and
``decimal_str`` (a price or quantity, exact), both in plain notation, never ``1E+5`` or a float.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal
from typing import Final

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

#: Decimals an amount of money is shown and recorded with, whatever the asset: 8, a satoshi and
#: what most venues report balances in. Instruments carry a tick and a step but not the precision
#: of the asset they settle in, so this is one documented figure. It is applied only to what is
#: shown (JSON, reports) and to derived records (realized PnL and fees as stored, equity
#: snapshots), never to the ledger itself (positions, balances, fills), which stays exact.
MONEY_PLACES: Final = 8
_MONEY_QUANTUM: Final = Decimal(1).scaleb(-MONEY_PLACES)
_ROOMY: Final = Context(prec=60)


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


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded half-even to ``MONEY_PLACES`` decimals, for showing and recording."""
    rounded = amount.quantize(_MONEY_QUANTUM, ROUND_HALF_EVEN, _wide(amount))
    return rounded if rounded else rounded.copy_abs()  # no "-0E-8"


def money_str(amount: Decimal) -> str:
    """An amount as JSON and reports show it: at ``MONEY_PLACES``, plain notation, no trailing
    zeros (``"100000"``, ``"0.1488"``, ``"-0.00000001"``, ``"0"``)."""
    rounded = round_money(amount)
    return format(rounded.normalize(_wide(rounded)), "f") if rounded else "0"


def _wide(amount: Decimal) -> Context:
    """A context with room for every digit of ``amount`` at ``MONEY_PLACES`` (in the default 28
    digits ``quantize`` fails from 1E+20 on)."""
    digits = amount.adjusted() + MONEY_PLACES + 2
    return _ROOMY if digits <= _ROOMY.prec else Context(prec=digits)


def decimal_str(value: Decimal) -> str:
    """A price or quantity exactly as held, in plain notation (``1E+5`` -> ``"100000"``)."""
    return format(value, "f")


def to_float(value: Decimal) -> float:
    """The way back to market data: a Decimal as the nearest float, for charts and scanner maths.

    Never for money that is then stored, compared for equality or shown as an amount."""
    return float(value)
