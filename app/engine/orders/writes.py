"""The writes that follow an order's journal entry, collected and handed to the store as one job.

Decision: order updates, order events, fills, balances and positions are not awaited, so the
event loop never waits on the disk except for the journal itself. They are kept here (the last
version of each order, balance and position; every fill and every event) and handed to the store
thread as *one* job, one statement per table, at the end of the loop pass, or earlier when the
OMS itself goes to the store (``flush``: before each journal write, when submit and cancel
return, before reconciliation reads). Order is kept, and the next journal write shares a commit
with them instead of waiting behind a transaction each (``Store``: group commit). Why this batch
remains beside the store's group commit (atomicity, not speed): ``app/store/store.py``.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Connection

from app.core.accounting import Balance, Position
from app.core.orders import Fill, Order, OrderEvent
from app.store import repositories as repo
from app.store.store import Store, StoreClosed

log = logging.getLogger(__name__)


def write_batch(
    conn: Connection,
    orders: list[Order],
    fills: list[Fill],
    balances: list[tuple[str, Balance]],
    positions: list[Position],
    events: list[OrderEvent],
) -> None:
    """One batch, in the store's transaction: a statement per table. The events follow their
    orders, so the history never runs ahead of the state it explains."""
    repo.save_orders(conn, orders)
    repo.save_order_events(conn, events)
    repo.save_fills(conn, fills)
    repo.upsert_venue_balances(conn, balances)
    repo.upsert_positions(conn, positions)


class OrderWrites:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self._events: list[OrderEvent] = []
        self._balances: dict[tuple[str, str], Balance] = {}
        self._positions: dict[tuple[str, str], Position] = {}
        self._scheduled = False

    def order(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self._schedule()

    def fill(self, fill: Fill) -> None:
        self._fills.append(fill)
        self._schedule()

    def event(self, event: OrderEvent) -> None:
        """Append one transition to the journal: every event is kept, never coalesced."""
        self._events.append(event)
        self._schedule()

    def balance(self, venue: str, balance: Balance) -> None:
        self._balances[(venue, balance.asset)] = balance
        self._schedule()

    def position(self, venue: str, position: Position) -> None:
        self._positions[(venue, position.instrument_id.symbol)] = position
        self._schedule()

    def flush(self) -> None:
        """Hand every waiting write to the store thread now, as one job (not awaited)."""
        self._scheduled = False
        if not (self._orders or self._fills or self._events or self._balances or self._positions):
            return
        orders, self._orders = list(self._orders.values()), {}
        fills, self._fills = self._fills, []
        events, self._events = self._events, []
        balances = [(venue, b) for (venue, _), b in self._balances.items()]
        positions = list(self._positions.values())
        self._balances, self._positions = {}, {}
        try:
            self._store.submit(write_batch, orders, fills, balances, positions, events)
        except StoreClosed:
            log.error(
                "store closed: %d order updates, %d order events, %d fills, %d balances, "
                "%d positions not written",
                len(orders), len(events), len(fills), len(balances), len(positions),
            )  # fmt: skip

    def _schedule(self) -> None:
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # used without a loop (a bare OMS in tests): hand it over now
            self.flush()
            return
        self._scheduled = True
        loop.call_soon(self.flush)
