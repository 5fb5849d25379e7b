"""Opportunity samples: rows from the core type, stored and read back in order."""

from __future__ import annotations

from sqlalchemy import Connection, insert

from app.core.opportunities import BasisDetail, Leg, Opportunity, OpportunityKind, Signal
from app.core.orders import Side
from app.store import repositories as repo
from app.store.schema import opportunity_samples


def opp(ts: int, kind: OpportunityKind = OpportunityKind.CROSS, key: str = "k") -> Opportunity:
    return Opportunity(
        kind=kind,
        key=key,
        legs=(
            Leg("a", "BTC/USDT", Side.BUY, 100.5, 0.25, ts - 3),
            Leg("b", "BTC/USDT", Side.SELL, 101.25, 0.25, ts - 1),
        ),
        edge_bps=12.5,
        size_quote=25.125,
        size_asset="USDT",
        ts_ns=ts,
        signal=Signal.EXIT if kind is OpportunityKind.BASIS else Signal.ENTRY,
        detail=BasisDetail(3.0) if kind is OpportunityKind.BASIS else None,
    )


def test_rows_round_trip(conn: Connection) -> None:
    assert (
        repo.insert_opportunity_samples(conn, [opp(10), opp(20, OpportunityKind.BASIS, "b")]) == 2
    )
    first, second = repo.load_opportunity_samples(conn)
    assert (first.ts_ns, first.kind, first.key, first.signal) == (10, "cross", "k", "entry")
    assert (first.edge_bps, first.size_quote, first.size_asset) == (12.5, 25.125, "USDT")
    assert first.legs == [
        {
            "venue": "a",
            "symbol": "BTC/USDT",
            "side": "buy",
            "price": 100.5,
            "qty": 0.25,
            "quote_ns": 7,
        },
        {
            "venue": "b",
            "symbol": "BTC/USDT",
            "side": "sell",
            "price": 101.25,
            "qty": 0.25,
            "quote_ns": 9,
        },
    ]
    assert (second.kind, second.signal) == ("basis", "exit")
    assert first.id is not None


def test_filters_and_latest(conn: Connection) -> None:
    for ts in range(1, 6):
        conn.execute(insert(opportunity_samples), [repo.opportunity_sample_row(opp(ts))])
    conn.execute(
        insert(opportunity_samples),
        [repo.opportunity_sample_row(opp(9, OpportunityKind.TRIANGULAR, "t"))],
    )
    assert [s.ts_ns for s in repo.load_opportunity_samples(conn, kind="cross", limit=2)] == [4, 5]
    assert [s.ts_ns for s in repo.load_opportunity_samples(conn, since_ns=5)] == [5, 9]
    assert [s.key for s in repo.load_opportunity_samples(conn, key="t")] == ["t"]
    assert repo.insert_opportunity_samples(conn, []) == 0
