"""An opportunity from a closed path of spot conversions (triangles, cycles).

The size is the largest amount of the start asset that every leg's visible quantity lets through,
converted along the chain: a buy can spend at most ``ask_qty * ask`` quote, a sell can sell at most
``bid_qty`` base. Built only for paths that already passed the edge floor.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.opportunities import Leg, Opportunity, OpportunityKind
from app.core.orders import Side
from app.engine.scanners.spot_book import SpotBook


def path_rate(book: SpotBook, steps: Sequence[int]) -> float:
    """Product of the steps' rates, multiplied in order (as the scanners do)."""
    rates = book.rates
    product = 1.0
    for r in steps:
        product *= rates[r]
    return product


def chain_opportunity(
    book: SpotBook,
    kind: OpportunityKind,
    key: str,
    steps: Sequence[int],
    rate: float,
    ts_ns: int,
) -> Opportunity:
    """The opportunity of the closed path ``steps`` (rate indexes) whose product is ``rate``."""
    rates = book.rates
    bid, ask, bid_qty, ask_qty = book.bid, book.ask, book.bid_qty, book.ask_qty
    factor = 1.0  # units of the current asset per unit of the start asset
    cap = float("inf")
    for r in steps:
        m = r >> 1
        limit = ask_qty[m] * ask[m] if r & 1 else bid_qty[m]
        cap = min(cap, limit / factor)
        factor *= rates[r]
    amount = cap
    legs = []
    keep, quote_ns, specs = book.keep, book.quote_ns, book.specs
    for r in steps:
        m = r >> 1
        spec = specs[m]
        if r & 1:
            price = ask[m]
            qty = amount / price
            amount = qty * keep[m]
            side = Side.BUY
        else:
            price = bid[m]
            qty = amount
            amount = qty * price * keep[m]
            side = Side.SELL
        legs.append(Leg(spec.venue, spec.symbol, side, price, qty, quote_ns[m]))
    start = book.step_assets(steps[0])[0]
    return Opportunity(
        kind=kind,
        key=key,
        legs=tuple(legs),
        edge_bps=(rate - 1.0) * 10_000.0,
        size_quote=cap,
        size_asset=start,
        ts_ns=ts_ns,
    )


def asset_rank(book: SpotBook) -> dict[str, int]:
    """Assets by how many markets are quoted in them (most first), then by name.

    Paths start at their best-ranked asset, so a triangle reads from USDT (or BTC) as a trader
    would write it, whichever market moved.
    """
    quoted: dict[str, int] = {}
    for spec in book.specs:
        quoted[spec.quote] = quoted.get(spec.quote, 0) + 1
        quoted.setdefault(spec.base, 0)
    ordered = sorted(quoted, key=lambda a: (-quoted[a], a))
    return {asset: i for i, asset in enumerate(ordered)}
