"""Small builders for scanner tests: instruments with a given fee, quotes at a given time."""

from __future__ import annotations

from decimal import Decimal

from app.core.instruments import Instrument, InstrumentKind
from app.core.quotes import Quote

MS = 1_000_000


def inst(
    venue: str,
    symbol: str,
    fee_bps: float = 10.0,
    *,
    kind: InstrumentKind = InstrumentKind.SPOT,
    contract_size: str = "1",
    inverse: bool = False,
    expiry_ms: int | None = None,
    min_qty: str = "0",
    min_notional: str = "0",
) -> Instrument:
    pair = symbol.partition(":")[0]
    base, _, quote = pair.partition("/")
    fee = Decimal(str(fee_bps)) / 10_000
    return Instrument(
        venue,
        symbol,
        base,
        quote,
        kind=kind,
        taker_fee=fee,
        maker_fee=fee,
        contract_size=Decimal(contract_size),
        inverse=inverse,
        expiry_ms=expiry_ms,
        min_qty=Decimal(min_qty),
        min_notional=Decimal(min_notional),
    )


def quote(
    venue: str,
    symbol: str,
    bid: float,
    ask: float,
    bid_qty: float = 10.0,
    ask_qty: float = 10.0,
    t_ms: int = 0,
) -> Quote:
    return Quote(venue, symbol, bid, bid_qty, ask, ask_qty, t_ms * MS)
