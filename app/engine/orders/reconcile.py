"""Reconciliation: our journal against each venue's own record, at start-up and after reconnects.

For every order we believe may still trade, the venue's word wins: open orders are updated, ended
ones settled, orders the venue has and we do not are adopted as external. An order we believe live
that the venue does not know at all cannot be settled: that halts trading. An order we believe
sent but never answered (PENDING_SUBMIT not on its way, or UNKNOWN) that the venue does not know
is REJECTED as never having reached it, under the same rule as the OMS's settle loop: only after
``NOT_FOUND_TO_REJECT`` consecutive "not found" answers (asked again with the settle backoff),
counted per order by ``OrderManager.note_not_found`` wherever they were asked.

Fills are recovered by order (``app.engine.orders.resume``): the fills of every order whose filled
quantity exceeds the fills counted for it are fetched *before* its new state is applied, and the
state and the fills then go to the store as one job, so a crash never leaves an order FILLED with
its fills missing. Balances and positions are compared with what we recorded and replaced by the
venue's, and every difference is reported.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

from app.core.accounting import Balance, Position
from app.core.backoff import Backoff
from app.core.orders import Fill, Order, OrderStatus
from app.store import repositories as repo
from app.store.store import Store
from app.venues.base import Venue

if TYPE_CHECKING:
    from app.engine.orders.oms import OrderManager

log = logging.getLogger(__name__)
S = OrderStatus
#: Fills are asked from this long before their order's creation: a venue's clock may run behind.
FILL_SKEW_NS = 60 * 10**9


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


class AccountsSink(Protocol):
    """Where a venue's balances and positions go once reconciled (the portfolio)."""

    def load(self, venue: str, balances: dict[str, Balance], positions: list[Position]) -> None: ...


class Reconciler:
    """Reconciliation is an OMS operation (``OrderManager.reconcile``): the OMS builds this and
    nothing else drives it."""

    def __init__(self, oms: OrderManager, store: Store, accounts: AccountsSink) -> None:
        self._oms = oms
        self._store = store
        self._accounts_sink = accounts

    async def venue(self, name: str) -> VenueReconciliation:
        result = VenueReconciliation(name)
        venue = self._oms.venues[name]
        oms = self._oms
        try:
            on_venue = {o.client_order_id: o for o in await venue.fetch_open_orders()}
            reported: list[Order] = []  # the venue's word, applied together with the fills
            for order in oms.open_orders(name):
                result.checked += 1
                cid = order.client_order_id
                seen = on_venue.pop(cid, None)
                if seen is None:
                    seen = await venue.fetch_order(cid, order.symbol)
                if seen is not None:
                    reported.append(seen)
                elif oms.sending(cid):
                    continue  # on its way: the venue's answer will settle it
                elif order.status in (S.PENDING_SUBMIT, S.UNKNOWN):
                    found = await self._absent(venue, cid, order.symbol)
                    if found is None:
                        oms.settle(
                            cid,
                            S.REJECTED,
                            "never reached the venue (reconciliation)",
                            actor="reconciliation",
                        )
                        result.rejected_unsent += 1
                    else:
                        reported.append(found)
                else:
                    result.unresolved.append(
                        f"order {cid} is {order.status} in our journal but unknown to the venue"
                    )
            for cid, order in on_venue.items():
                if cid not in oms.orders:
                    oms.adopt(order)
                    result.adopted += 1
                else:
                    reported.append(order)
            fills = await self._fills_of(venue, name, reported)
            # no await from here to the flush: each order's state and its fills are one job,
            # one transaction (a crash leaves both or neither)
            for seen in reported:
                known = oms.orders.get(seen.client_order_id)
                if oms.apply(seen, actor="reconciliation") is not known:
                    result.updated += 1
            before = oms.fills_total
            for fill in fills:
                oms.on_fill(fill)
            result.fills_added = oms.fills_total - before
            oms.flush_writes()
            await self._accounts(name, result)
        except Exception as exc:
            log.exception("reconciliation of %s failed", name)
            result.error = f"could not reconcile: {exc}"
        return result

    async def _fills_of(self, venue: Venue, name: str, reported: list[Order]) -> list[Fill]:
        """The venue's fills of every order that shows more filled (by the venue's report or
        our own record) than the fills counted for it: asked per symbol, from the oldest such
        order's creation (less a margin for clock skew), and kept only for those orders."""
        oms = self._oms
        short = {o.client_order_id: o for o in oms.missing_fills(name)}
        for seen in reported:
            if seen.filled_qty > oms.filled_by_fills(seen.client_order_id):
                short[seen.client_order_id] = oms.orders.get(seen.client_order_id, seen)
        since: dict[str, int] = {}
        for order in short.values():
            created = order.created_ns - FILL_SKEW_NS
            since[order.symbol] = min(since.get(order.symbol, created), created)
        out: list[Fill] = []
        for symbol, from_ns in sorted(since.items()):
            fetched = await venue.fetch_fills(max(from_ns, 0), symbol)
            out.extend(f for f in fetched if f.client_order_id in short)
        return out

    async def _absent(self, venue: Venue, cid: str, symbol: str) -> Order | None:
        """The venue just said it does not know ``cid`` (one miss, counted here): ask again, with
        the settle backoff, until ``NOT_FOUND_TO_REJECT`` misses in a row (None) or it shows up
        (its report). A report that settled it meanwhile counts as found."""
        oms = self._oms
        delays = Backoff(oms.settings.settle_backoff_s).delays()
        while not oms.note_not_found(cid):
            await asyncio.sleep(next(delays))
            current = oms.orders[cid]
            if current.status not in (S.PENDING_SUBMIT, S.UNKNOWN):
                return current  # settled meanwhile (a late report)
            seen = await venue.fetch_order(cid, symbol)
            if seen is not None:
                return seen
        return None

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
        self._accounts_sink.load(name, balances, positions)
