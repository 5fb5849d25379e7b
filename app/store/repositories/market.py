"""Sampled spreads: top of book over time, for charts and for studying past opportunities.

They are written through ``Store.enqueue`` (batched, off the event loop); ``spread_sample_row``
builds the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from app.core.quotes import Quote
from app.store.records import SpreadSample
from app.store.repositories._sql import time_series
from app.store.schema import spread_samples


def spread_sample_row(sample: SpreadSample | Quote) -> dict[str, Any]:
    """The row of a sample, or of a quote sampled at its local receive time."""
    ts_ns = sample.received_ns if isinstance(sample, Quote) else sample.ts_ns
    return {
        "ts_ns": ts_ns,
        "venue": sample.venue,
        "symbol": sample.symbol,
        "bid": sample.bid,
        "ask": sample.ask,
        "bid_qty": sample.bid_qty,
        "ask_qty": sample.ask_qty,
    }


def insert_spread_samples(conn: Connection, samples: Iterable[SpreadSample | Quote]) -> int:
    """Store samples in one executemany; returns how many."""
    rows = [spread_sample_row(s) for s in samples]
    if rows:
        conn.execute(insert(spread_samples), rows)
    return len(rows)


def load_spread_samples(
    conn: Connection,
    venue: str,
    symbol: str,
    *,
    since_ns: int | None = None,
    limit: int | None = None,
) -> list[SpreadSample]:
    """Samples of one instrument in time order, from ``since_ns`` inclusive; with ``limit``, only
    the latest ``limit`` of them (what a chart wants)."""
    table = spread_samples
    query = select(table).where(table.c.venue == venue, table.c.symbol == symbol)
    return time_series(conn, query, table, _spread_sample, since_ns=since_ns, limit=limit)


def _spread_sample(row: RowMapping) -> SpreadSample:
    return SpreadSample(
        ts_ns=row["ts_ns"],
        venue=row["venue"],
        symbol=row["symbol"],
        bid=row["bid"],
        ask=row["ask"],
        bid_qty=row["bid_qty"],
        ask_qty=row["ask_qty"],
        id=row["id"],
    )
