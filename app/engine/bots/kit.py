"""Small pieces the bot kinds share: instrument strings in parameters, what a leg really filled.

Parameters name an instrument as ``"venue:SYMBOL"``; the symbol may itself hold a ':' (a
perpetual's settlement, ``"binanceusdm:BTC/USDT:USDT"``), so the string splits on the first one.
The format is checked by the parameter model, the instrument's existence by ``Bot.__init__``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator

from app.core.instruments import Instrument, InstrumentId, split_symbol
from app.core.money import ZERO
from app.core.quotes import Quote
from app.engine.bots.base import base_per_unit
from app.engine.execution import LegFill

#: Shown in every instrument field's description and error.
INSTRUMENT_FORMAT = '"venue:SYMBOL", e.g. "binance:BTC/USDT" or "binanceusdm:BTC/USDT:USDT"'


def parse_instrument(text: str) -> InstrumentId:
    """``"binanceusdm:BTC/USDT:USDT"`` -> ``InstrumentId("binanceusdm", "BTC/USDT:USDT")``."""
    venue, sep, symbol = text.strip().partition(":")
    if not sep or not venue or not symbol or any(c.isspace() for c in text.strip()):
        raise ValueError(f"{text!r} is not an instrument: write {INSTRUMENT_FORMAT}")
    try:
        split_symbol(symbol)
    except ValueError:
        raise ValueError(
            f"{text!r}: {symbol!r} is not a unified symbol: write {INSTRUMENT_FORMAT}"
        ) from None
    return InstrumentId(venue, symbol)


def check_instrument(text: str) -> str:
    """A pydantic validator: the text stays as written once its format is right."""
    parse_instrument(text)
    return text.strip()


#: A parameter naming one instrument; its format is checked where it is read.
InstrumentText = Annotated[str, AfterValidator(check_instrument)]


def usable(quote: Quote | None) -> bool:
    """A two-sided, uncrossed book: something a taker can trade on both sides."""
    return quote is not None and 0.0 < quote.bid <= quote.ask


def filled_base(inst: Instrument, fill: LegFill) -> Decimal:
    """The base asset a leg's fill moved (contracts converted at its average price)."""
    if fill.filled <= 0 or fill.avg_price is None:
        return ZERO
    return fill.filled * base_per_unit(inst, float(fill.avg_price))


def fill_of(fills: tuple[LegFill, ...], inst: InstrumentId) -> LegFill | None:
    """The result of ``inst``'s leg, matched by instrument (a step may leave a leg out)."""
    for fill in fills:
        if fill.venue == inst.venue and fill.symbol == inst.symbol:
            return fill
    return None


def leg_words(side: str, inst: InstrumentId, qty: Decimal) -> str:
    """``"long binance BTC/USDT 0.003"``."""
    return f"{side} {inst.venue} {inst.symbol} {qty.normalize():f}"
