"""Positions, balances and equity snapshots: the last known state of the portfolio."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from app.core.accounting import Balance, Position
from app.core.events import EquityUpdated
from app.core.instruments import InstrumentId
from app.core.money import ZERO, round_money
from app.store.records import EquitySnapshot
from app.store.repositories._sql import stamp, upsert, upsert_many
from app.store.schema import balances, equity_snapshots, positions


def position_row(position: Position, updated_ns: int | None = None) -> dict[str, Any]:
    """The row of ``position``: the venue's ledger (qty, cost) exact; realized PnL and fees, a
    record for people, at ``MONEY_PLACES``."""
    return {
        "venue": position.instrument_id.venue,
        "symbol": position.instrument_id.symbol,
        "qty": position.qty,
        "avg_entry": position.avg_entry,
        "realized_pnl": round_money(position.realized_pnl),
        "fees": round_money(position.fees),
        "cost": position.cost,
        "updated_ns": stamp(updated_ns),
    }


def position_from_row(row: RowMapping) -> Position:
    return Position(
        instrument_id=InstrumentId(row["venue"], row["symbol"]),
        qty=row["qty"],
        avg_entry=row["avg_entry"],
        realized_pnl=row["realized_pnl"],
        fees=row["fees"],
        cost=row["cost"],
    )


def upsert_position(conn: Connection, position: Position, *, now_ns: int | None = None) -> None:
    """Store ``position`` (also when flat: it keeps its realized PnL and fees)."""
    upsert(conn, positions, position_row(position, now_ns), ("venue", "symbol"))


def load_positions(conn: Connection, *, venue: str | None = None) -> list[Position]:
    query = select(positions).order_by(positions.c.venue, positions.c.symbol)
    if venue is not None:
        query = query.where(positions.c.venue == venue)
    return [position_from_row(row) for row in conn.execute(query).mappings()]


def balance_row(venue: str, balance: Balance, updated_ns: int | None = None) -> dict[str, Any]:
    return {
        "venue": venue,
        "asset": balance.asset,
        "total": balance.total,
        "locked": balance.locked,
        "updated_ns": stamp(updated_ns),
    }


def upsert_balance(
    conn: Connection, venue: str, balance: Balance, *, now_ns: int | None = None
) -> None:
    upsert(conn, balances, balance_row(venue, balance, now_ns), ("venue", "asset"))


def upsert_balances(
    conn: Connection, venue: str, items: Iterable[Balance], *, now_ns: int | None = None
) -> None:
    """Store several balances of one venue (one ``fetch_balances`` answer) in one go."""
    rows = [balance_row(venue, b, now_ns) for b in items]
    upsert_many(conn, balances, rows, ("venue", "asset"))


def upsert_venue_balances(
    conn: Connection, items: Iterable[tuple[str, Balance]], *, now_ns: int | None = None
) -> None:
    """Store ``(venue, balance)`` pairs of any venues in one statement (the last one wins)."""
    rows = [balance_row(venue, b, now_ns) for venue, b in items]
    upsert_many(conn, balances, rows, ("venue", "asset"))


def upsert_positions(
    conn: Connection, items: Iterable[Position], *, now_ns: int | None = None
) -> None:
    """Store several positions in one statement (the last version of each wins)."""
    rows = [position_row(p, now_ns) for p in items]
    upsert_many(conn, positions, rows, ("venue", "symbol"))


def load_balances(conn: Connection, *, venue: str | None = None) -> dict[str, dict[str, Balance]]:
    """Balances as ``{venue: {asset: Balance}}``."""
    query = select(balances).order_by(balances.c.venue, balances.c.asset)
    if venue is not None:
        query = query.where(balances.c.venue == venue)
    out: dict[str, dict[str, Balance]] = {}
    for row in conn.execute(query).mappings():
        out.setdefault(row["venue"], {})[row["asset"]] = Balance(
            asset=row["asset"], total=row["total"], locked=row["locked"]
        )
    return out


def equity_snapshots_of(event: EquityUpdated) -> list[EquitySnapshot]:
    """One snapshot per valuation currency of an ``EquityUpdated`` event (PnL 0 if absent)."""
    pnl = dict(event.pnl)
    return [
        EquitySnapshot(event.ts_ns, currency, equity, pnl.get(currency, ZERO))
        for currency, equity in event.equity
    ]


def equity_row(snapshot: EquitySnapshot) -> dict[str, Any]:
    """The row of ``snapshot`` (amounts at ``MONEY_PLACES``), also for ``Store.enqueue``."""
    return {
        "ts_ns": snapshot.ts_ns,
        "currency": snapshot.currency,
        "equity": round_money(snapshot.equity),
        "pnl": round_money(snapshot.pnl),
    }


def insert_equity_snapshot(conn: Connection, snapshot: EquitySnapshot) -> int:
    """Store ``snapshot``; returns its id."""
    result = conn.execute(insert(equity_snapshots).values(equity_row(snapshot)))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def load_equity_snapshots(
    conn: Connection, *, since_ns: int | None = None, currency: str | None = None
) -> list[EquitySnapshot]:
    """Snapshots in time order, from ``since_ns`` inclusive."""
    table = equity_snapshots
    query = select(table).order_by(table.c.ts_ns, table.c.id)
    if since_ns is not None:
        query = query.where(table.c.ts_ns >= since_ns)
    if currency is not None:
        query = query.where(table.c.currency == currency)
    return [
        EquitySnapshot(
            ts_ns=row["ts_ns"],
            currency=row["currency"],
            equity=row["equity"],
            pnl=row["pnl"],
            id=row["id"],
        )
        for row in conn.execute(query).mappings()
    ]
