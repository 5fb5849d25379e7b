"""Reconciliation: our journal against each venue's own record, at start-up and after reconnects.

For every order we believe may still trade, the venue's word wins: open orders are updated, ended
ones settled, orders the venue has and we do not are adopted as external. An order we believe live
that the venue does not know at all cannot be settled: that halts trading. An order we believe
sent but never answered (PENDING_SUBMIT not on its way, or UNKNOWN) that the venue does not know
is REJECTED as never having reached it, under the same rule as the OMS's settle loop: only after
``NOT_FOUND_TO_REJECT`` consecutive "not found" answers (asked again with the settle backoff),
counted per order by ``OrderManager.note_not_found`` wherever they were asked. Fills are fetched and
de-duplicated; balances and positions are compared with what we recorded and replaced by the
venue's, and every difference is reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, func, select

from app.core.accounting import Balance, Position
from app.core.orders import Fill, OrderStatus
from app.engine.orders.oms import OrderManager
from app.engine.portfolio import Portfolio
from app.store import repositories as repo
from app.store.schema import fills
from app.store.store import Store
from app.venues.base import Venue

log = logging.getLogger(__name__)
S = OrderStatus


@dataclass
class VenueReconciliation:
    venue: str
    checked: int = 0
    updated: int = 0
    adopted: int = 0
    rejected_unsent: int = 0
    fills_added: int = 0
    unresolved: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.unresolved and not self.error


@dataclass
class ReconciliationReport:
    venues: list[VenueReconciliation]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.venues)

    def problems(self) -> list[str]:
        out = []
        for v in self.venues:
            if v.error:
                out.append(f"{v.venue}: {v.error}")
            out.extend(f"{v.venue}: {u}" for u in v.unresolved)
        return out


def _recorded(conn: Connection, venue: str) -> tuple[list[Position], dict[str, Balance]]:
    return (
        repo.load_positions(conn, venue=venue),
        repo.load_balances(conn, venue=venue).get(venue, {}),
    )


def _last_fill_ns(conn: Connection, venue: str) -> int:
    value = conn.execute(select(func.max(fills.c.ts_ns)).where(fills.c.venue == venue)).scalar()
    return int(value or 0)


def _fills_since(conn: Connection, venue: str, since_ns: int) -> list[Fill]:
    return repo.load_fills(conn, since_ns=since_ns, venue=venue)


class Reconciler:
    def __init__(self, oms: OrderManager, store: Store, portfolio: Portfolio) -> None:
        self._oms = oms
        self._store = store
        self._portfolio = portfolio

    async def run(self, venues: Iterable[str] | None = None) -> ReconciliationReport:
        names = list(venues) if venues is not None else list(self._oms.venues)
        results = await asyncio.gather(*(self._venue(name) for name in names))
        return ReconciliationReport(list(results))

    async def _venue(self, name: str) -> VenueReconciliation:
        result = VenueReconciliation(name)
        venue = self._oms.venues[name]
        oms = self._oms
        try:
            on_venue = {o.client_order_id: o for o in await venue.fetch_open_orders()}
            for order in oms.open_orders(name):
                result.checked += 1
                cid = order.client_order_id
                seen = on_venue.pop(cid, None)
                if seen is None:
                    seen = await venue.fetch_order(cid, order.symbol)
                if seen is not None:
                    if oms.apply(seen) is not order:
                        result.updated += 1
                elif oms.sending(cid):
                    continue  # on its way: the venue's answer will settle it
                elif order.status in (S.PENDING_SUBMIT, S.UNKNOWN):
                    if await self._absent(venue, order.client_order_id, order.symbol):
                        oms.settle(cid, S.REJECTED, "never reached the venue (reconciliation)")
                        result.rejected_unsent += 1
                    else:
                        result.updated += 1
                else:
                    result.unresolved.append(
                        f"order {cid} is {order.status} in our journal but unknown to the venue"
                    )
            for cid, order in on_venue.items():
                if cid not in oms.orders:
                    oms.adopt(order)
                    result.adopted += 1
                else:
                    oms.apply(order)
            oms.flush_writes()  # what the OMS was told goes to the store before we read it
            since = await self._store.run(_last_fill_ns, name)
            missing = oms.missing_fills_since(name)  # a lost fill older than the last recorded
            if missing is not None:
                since = min(since, missing)
            oms.remember_fills(await self._store.run(_fills_since, name, since))
            before = oms.fills_total
            for fill in await venue.fetch_fills(since):
                oms.on_fill(fill)
            result.fills_added = oms.fills_total - before
            await self._accounts(name, result)
        except Exception as exc:
            log.exception("reconciliation of %s failed", name)
            result.error = f"could not reconcile: {exc}"
        return result

    async def _absent(self, venue: Venue, cid: str, symbol: str) -> bool:
        """The venue just said it does not know ``cid`` (one miss, counted here): ask again, with
        the settle backoff, until ``NOT_FOUND_TO_REJECT`` misses in a row (True) or it shows up
        (applied, False)."""
        oms = self._oms
        delay = oms.settings.settle_backoff_s
        while not oms.note_not_found(cid):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            if oms.orders[cid].status not in (S.PENDING_SUBMIT, S.UNKNOWN):
                return False  # settled meanwhile (a late report)
            seen = await venue.fetch_order(cid, symbol)
            if seen is not None:
                oms.apply(seen)
                return False
        return True

    async def _accounts(self, name: str, result: VenueReconciliation) -> None:
        venue = self._oms.venues[name]
        balances = await venue.fetch_balances()
        positions = [p for p in await venue.fetch_positions() if p.qty != 0]
        self._oms.flush_writes()
        rec_positions, rec_balances = await self._store.run(_recorded, name)
        ours = {p.instrument_id.symbol: p.qty for p in rec_positions if p.qty != 0}
        theirs = {p.instrument_id.symbol: p.qty for p in positions}
        for symbol in sorted(ours.keys() | theirs.keys()):
            a, b = ours.get(symbol, Decimal(0)), theirs.get(symbol, Decimal(0))
            if a != b:
                result.differences.append(f"position {symbol}: recorded {a}, venue {b}")
        for asset in sorted(rec_balances.keys() & balances.keys()):
            a, b = rec_balances[asset].total, balances[asset].total
            if a != b:
                result.differences.append(f"balance {asset}: recorded {a}, venue {b}")
        for diff in result.differences:
            log.warning("reconciliation %s: %s (taking the venue's)", name, diff)
        await self._store.run(repo.upsert_balances, name, list(balances.values()))
        for position in positions:
            await self._store.run(repo.upsert_position, position)
        for symbol in ours.keys() - theirs.keys():
            closed = next(p for p in rec_positions if p.instrument_id.symbol == symbol)
            await self._store.run(repo.upsert_position, Position(closed.instrument_id))
        self._portfolio.load(name, balances, positions)
