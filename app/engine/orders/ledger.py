"""The OMS's in-memory record of orders: every order it knows, which are open, the fills counted
for each, and the funds held by orders in flight.

It is also the read-only view risk gets with each check (``risk.OpenOrders``): counts and holds
are kept incrementally, so a check reads them in O(1) instead of walking the orders. The same per
origin (``bot:<id>``): a bot's open orders, their net quantity per instrument and their notional
per quote currency, so a bot's limits are checked on its own orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Fill, Order, Side
from app.engine.orders.holds import OrderHolds


class OrderLedger:
    def __init__(self, instruments: Mapping[InstrumentId, Instrument], leverage: Decimal) -> None:
        self.orders: dict[str, Order] = {}
        self._open: set[str] = set()
        self._open_per: dict[tuple[str, str], int] = {}
        # per origin: open orders, and per (origin, venue, symbol) their count and net quantity
        self._open_origin: dict[str, int] = {}
        self._open_origin_per: dict[tuple[str, str, str], int] = {}
        self._open_origin_qty: dict[tuple[str, str, str], Decimal] = {}
        # per origin and quote currency: quantity x limit price of its open orders
        self._open_origin_notional: dict[str, dict[str, Decimal]] = {}
        self._instruments = instruments
        self._fills_seen: set[tuple[str, str]] = set()
        self._fill_qty: dict[str, Decimal] = {}
        self.holds = OrderHolds(instruments, leverage)

    # -- the view risk reads -----------------------------------------------------------------

    def open_count(self, origin: str | None = None) -> int:
        if origin is None:
            return len(self._open)
        return self._open_origin.get(origin, 0)

    def open_count_for(self, venue: str, symbol: str, origin: str | None = None) -> int:
        if origin is None:
            return self._open_per.get((venue, symbol), 0)
        return self._open_origin_per.get((origin, venue, symbol), 0)

    def open_qty_for(self, origin: str, venue: str, symbol: str) -> Decimal:
        return self._open_origin_qty.get((origin, venue, symbol), ZERO)

    def open_notional(self, origin: str) -> Mapping[str, Decimal]:
        return self._open_origin_notional.get(origin, {})

    def in_flight(self, venue: str) -> Mapping[str, Decimal]:
        return self.holds.of(venue)

    def venues_with_open_orders(self) -> set[str]:
        return {self.orders[cid].venue for cid in self._open}

    # -- orders ------------------------------------------------------------------------------

    def open_orders(self, venue: str | None = None) -> list[Order]:
        orders = (self.orders[cid] for cid in self._open)
        return sorted(
            (o for o in orders if venue is None or o.venue == venue), key=lambda o: o.created_ns
        )

    def track(self, order: Order) -> None:
        self.orders[order.client_order_id] = order
        if not order.status.is_terminal and order.client_order_id not in self._open:
            self._open.add(order.client_order_id)
            key = (order.venue, order.symbol)
            self._open_per[key] = self._open_per.get(key, 0) + 1
            self._count_origin(order, 1)

    def replace(self, order: Order) -> Order | None:
        """Store the new version of a tracked order; returns the old one."""
        cid = order.client_order_id
        old = self.orders.get(cid)
        self.orders[cid] = order
        if order.status.is_terminal and old is not None and not old.status.is_terminal:
            self._untrack_open(order)
        return old

    def forget(self, order: Order) -> None:
        """Undo ``track`` and the hold of an order that was never journaled nor sent."""
        self.orders.pop(order.client_order_id, None)
        self._untrack_open(order)
        self.holds.release(order.client_order_id)

    def _untrack_open(self, order: Order) -> None:
        if order.client_order_id in self._open:
            self._open.discard(order.client_order_id)
            key = (order.venue, order.symbol)
            self._open_per[key] = self._open_per.get(key, 1) - 1
            self._count_origin(order, -1)

    def _count_origin(self, order: Order, sign: int) -> None:
        """Add (``sign`` 1) or take back (-1) an open order in its origin's figures. The
        whole quantity counts while the order is open (its filled part is the origin's exposure
        too); a market order (no price) adds no notional: it is IOC and gone at once."""
        origin = order.origin
        self._open_origin[origin] = self._open_origin.get(origin, 0) + sign
        key = (origin, order.venue, order.symbol)
        self._open_origin_per[key] = self._open_origin_per.get(key, 0) + sign
        qty = order.quantity if order.side is Side.BUY else -order.quantity
        self._open_origin_qty[key] = self._open_origin_qty.get(key, ZERO) + sign * qty
        inst = self._instruments.get(order.instrument_id)
        if inst is not None and order.price is not None:
            notional = self._open_origin_notional.setdefault(origin, {})
            amount = inst.notional_quote(order.quantity, order.price)
            notional[inst.quote] = notional.get(inst.quote, ZERO) + sign * amount

    # -- fills -------------------------------------------------------------------------------

    def seen(self, fill: Fill) -> bool:
        return fill.key in self._fills_seen

    def count_fill(self, fill: Fill) -> None:
        self._fills_seen.add(fill.key)
        cid = fill.client_order_id
        self._fill_qty[cid] = self._fill_qty.get(cid, ZERO) + fill.qty

    def remember(self, fills: Iterable[Fill]) -> None:
        """Fills already recorded (loaded from the store): counted, so a repeat is not news."""
        for fill in fills:
            if fill.key not in self._fills_seen:
                self.count_fill(fill)

    def filled_by_fills(self, client_order_id: str) -> Decimal:
        return self._fill_qty.get(client_order_id, ZERO)

    def missing_fills(self, venue: str) -> list[Order]:
        """Orders on ``venue`` whose reports show more filled than the fills counted for them
        (fill reports lost on the way, or a crash between an order's state and its fills)."""
        fill_qty = self._fill_qty
        return [
            o
            for o in self.orders.values()
            if o.venue == venue and o.filled_qty > fill_qty.get(o.client_order_id, ZERO)
        ]
