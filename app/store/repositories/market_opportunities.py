"""Sampled opportunities: what the scanners published over time, for study and for charts.

Written through ``Store.enqueue`` (batched, off the event loop) with ``opportunity_sample_row``;
the engine throttles them per key before they get here. Legs are kept as JSON (venue, symbol,
side, price, qty, quote_ns): enough to see what was offered and how old its quotes were.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from app.core.opportunities import Opportunity
from app.store.repositories._sql import time_series
from app.store.schema import opportunity_samples


@dataclass(frozen=True, slots=True)
class OpportunitySample:
    ts_ns: int
    kind: str
    key: str
    edge_bps: float
    size_quote: float
    size_asset: str
    signal: str
    legs: list[dict[str, Any]]
    id: int | None = None


def opportunity_sample_row(opp: Opportunity) -> dict[str, Any]:
    return {
        "ts_ns": opp.ts_ns,
        "kind": opp.kind.value,
        "key": opp.key,
        "edge_bps": opp.edge_bps,
        "size_quote": opp.size_quote,
        "size_asset": opp.size_asset,
        "signal": opp.signal.value,
        "legs": [
            {
                "venue": leg.venue,
                "symbol": leg.symbol,
                "side": leg.side.value,
                "price": leg.price,
                "qty": leg.qty,
                "quote_ns": leg.quote_ns,
            }
            for leg in opp.legs
        ],
    }


def insert_opportunity_samples(conn: Connection, opps: Iterable[Opportunity]) -> int:
    """Store opportunities in one executemany; returns how many."""
    rows = [opportunity_sample_row(o) for o in opps]
    if rows:
        conn.execute(insert(opportunity_samples), rows)
    return len(rows)


def load_opportunity_samples(
    conn: Connection,
    *,
    kind: str | None = None,
    key: str | None = None,
    since_ns: int | None = None,
    limit: int | None = None,
) -> list[OpportunitySample]:
    """Samples in time order, optionally of one kind or key, from ``since_ns`` inclusive; with
    ``limit``, only the latest ``limit``."""
    table = opportunity_samples
    query = select(table)
    if kind is not None:
        query = query.where(table.c.kind == kind)
    if key is not None:
        query = query.where(table.c.key == key)
    return time_series(conn, query, table, _opportunity_sample, since_ns=since_ns, limit=limit)


def _opportunity_sample(row: RowMapping) -> OpportunitySample:
    return OpportunitySample(
        ts_ns=row["ts_ns"],
        kind=row["kind"],
        key=row["key"],
        edge_bps=row["edge_bps"],
        size_quote=row["size_quote"],
        size_asset=row["size_asset"],
        signal=row["signal"],
        legs=row["legs"],
        id=row["id"],
    )
