"""ccxt's unified markets (``exchange.markets`` after ``load_markets``) as ``Instrument``s.

Kept: active spot markets, perpetual swaps (linear and inverse) and dated futures; skipped: options,
markets ccxt reports inactive (``active is False``; ``None``, unknown, is kept), and markets without
a price or amount precision (no safe tick or step).

ccxt parses numbers to floats (sometimes strings or ints); each becomes the Decimal it prints as
(``to_decimal``: ``0.1`` -> ``Decimal("0.1")``), never through float arithmetic. The precision is
read in the exchange's ``precisionMode``: ``TICK_SIZE`` (the values are the increments) or
``DECIMAL_PLACES`` (``n`` -> ``10**-n``). ``SIGNIFICANT_DIGITS`` has no fixed tick (it depends on
the price): refused with ``ValueError``.

A market without fees gets ``DEFAULT_FEE`` for maker and taker (0.1 %, the common base spot rate,
on the high side for most perpetuals: fees are over- rather than under-estimated).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from app.core.instruments import Instrument, InstrumentKind
from app.core.money import ONE, ZERO, to_decimal

# ccxt.base.decimal_to_precision's constants, copied so that this module does not import ccxt
# (a test checks they agree).
DECIMAL_PLACES: Final = 2
SIGNIFICANT_DIGITS: Final = 3
TICK_SIZE: Final = 4

DEFAULT_FEE: Final = Decimal("0.001")

_KINDS: Final = {
    "spot": InstrumentKind.SPOT,
    "swap": InstrumentKind.PERPETUAL,
    "future": InstrumentKind.FUTURE,
}


def instruments_from_markets(
    venue: str, markets: Mapping[str, Mapping[str, Any]], precision_mode: int
) -> list[Instrument]:
    """The tradable instruments among ``markets`` (keyed by unified symbol), sorted by symbol."""
    if precision_mode not in (TICK_SIZE, DECIMAL_PLACES):
        raise ValueError(
            f"{venue}: precision mode {precision_mode} has no fixed tick (only tick size and "
            "decimal places are supported)"
        )
    out = []
    for symbol in sorted(markets):
        instrument = instrument_from_market(venue, markets[symbol], precision_mode)
        if instrument is not None:
            out.append(instrument)
    return out


def instrument_from_market(
    venue: str, market: Mapping[str, Any], precision_mode: int
) -> Instrument | None:
    """One market as an ``Instrument``, or ``None`` when it is skipped (module docstring)."""
    kind = _KINDS.get(str(market.get("type")))
    if kind is None or market.get("active") is False or market.get("option"):
        return None
    precision = market.get("precision") or {}
    tick = _increment(precision.get("price"), precision_mode)
    step = _increment(precision.get("amount"), precision_mode)
    if tick is None or step is None:
        return None
    limits = market.get("limits") or {}
    expiry = market.get("expiry")
    return Instrument(
        venue=venue,
        symbol=str(market["symbol"]),
        base=str(market["base"]),
        quote=str(market["quote"]),
        kind=kind,
        tick_size=tick,
        step_size=step,
        min_qty=_number((limits.get("amount") or {}).get("min"), ZERO),
        min_notional=_number((limits.get("cost") or {}).get("min"), ZERO),
        contract_size=_number(market.get("contractSize"), ONE),
        maker_fee=_number(market.get("maker"), DEFAULT_FEE),
        taker_fee=_number(market.get("taker"), DEFAULT_FEE),
        settle=str(market["settle"]) if market.get("settle") else None,
        inverse=bool(market.get("inverse")),
        expiry_ms=int(expiry) if kind is InstrumentKind.FUTURE and expiry is not None else None,
    )


def _number(value: Any, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    return to_decimal(value)


def _increment(value: Any, precision_mode: int) -> Decimal | None:
    """A precision value as a positive increment, or ``None`` if there is none."""
    if value is None or value == "":
        return None
    number = to_decimal(value)
    if precision_mode == DECIMAL_PLACES:
        if number != number.to_integral_value():
            raise ValueError(f"decimal places must be whole, got {value!r}")
        return ONE.scaleb(-int(number))
    return number if number > 0 else None
