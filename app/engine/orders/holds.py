"""Funds held by orders that are journaled but not yet answered by their venue.

The venue's balance does not show such an order yet, so risk's free-balance check adds these
holds (per venue and asset) until the venue's answer is in; then the venue's own lock counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from app.core.instruments import Instrument, InstrumentId
from app.core.money import ZERO
from app.core.orders import Order
from app.engine.orders.checks import required_funds


class OrderHolds:
    def __init__(self, instruments: Mapping[InstrumentId, Instrument], leverage: Decimal) -> None:
        self._instruments = instruments
        self._leverage = leverage
        self._per_venue: dict[str, dict[str, Decimal]] = {}
        self._holds: dict[str, tuple[str, str, Decimal]] = {}

    def of(self, venue: str) -> Mapping[str, Decimal]:
        return self._per_venue.get(venue, {})

    def hold(self, order: Order, price: Decimal | None) -> None:
        """Hold what ``order`` may spend at ``price``: its limit, or for a market order the
        worst price the risk band allows (``RiskEngine.worst_price``)."""
        inst = self._instruments.get(order.instrument_id)
        if inst is None or price is None or order.reduce_only:
            return
        asset, amount = required_funds(inst, order.side, order.quantity, price, self._leverage)
        venue = self._per_venue.setdefault(order.venue, {})
        venue[asset] = venue.get(asset, ZERO) + amount
        self._holds[order.client_order_id] = (order.venue, asset, amount)

    def release(self, client_order_id: str) -> None:
        hold = self._holds.pop(client_order_id, None)
        if hold is not None:
            venue, asset, amount = hold
            self._per_venue[venue][asset] -= amount
