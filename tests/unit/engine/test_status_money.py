"""``arbdesk status``: money in its JSON is a decimal string in plain notation."""

from __future__ import annotations

import json
from decimal import Decimal

from app.core.accounting import Position
from app.core.instruments import InstrumentId
from app.core.orders import Order, OrderType, Side, TimeInForce
from app.engine.status import order_dict, position_dict

D = Decimal


def test_a_position_shows_amounts_at_money_places_and_quantities_exactly() -> None:
    position = Position(
        InstrumentId("sim-a", "ETH/USDT:USDT"),
        qty=D("1E+1"),
        avg_entry=D(302) / D(3),
        realized_pnl=D("0.14879999999999999999999905"),
        fees=D("0.000000014"),
    )
    shown = json.loads(json.dumps(position_dict(position)))
    assert shown["qty"] == "10"  # not "1E+1"
    assert shown["realized_pnl"] == "0.1488"  # not the 28-digit tail
    assert shown["fees"] == "0.00000001"
    assert D(shown["avg_entry"]) == position.avg_entry  # a price: exact
    assert all(isinstance(shown[k], str) for k in ("qty", "avg_entry", "realized_pnl", "fees"))


def test_an_order_shows_price_and_quantities_as_plain_decimal_strings() -> None:
    order = Order(
        client_order_id="c1",
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=D("0.00000010"),
        price=D("6.5E+4"),
        time_in_force=TimeInForce.GTC,
    )
    shown = order_dict(order)
    assert (shown["quantity"], shown["price"], shown["filled_qty"]) == ("0.00000010", "65000", "0")
