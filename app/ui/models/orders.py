"""Orders, open and past: one row per client order id, in the order they were created."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtGui import QColor

from app.core.orders import Order, OrderStatus, Side
from app.ui import format as fmt
from app.ui import names
from app.ui.format import Decimals
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

MAX_ORDERS = 20_000

_STATUS_COLORS = {
    OrderStatus.FILLED: fmt.GREEN,
    OrderStatus.REJECTED: fmt.RED,
    OrderStatus.UNKNOWN: fmt.AMBER,
    OrderStatus.CANCELED: fmt.MUTED,
    OrderStatus.EXPIRED: fmt.MUTED,
}


def side_color(side: Side) -> QColor:
    return fmt.GREEN if side is Side.BUY else fmt.RED


class OrdersModel(KeyedTableModel[str, Order]):
    def __init__(self, decimals: Decimals) -> None:
        def price(o: Order, value: Decimal | None) -> str:
            return fmt.num(value, decimals.price(o.venue, o.symbol))

        def qty(o: Order, value: Decimal) -> str:
            return fmt.num(value, decimals.qty(o.venue, o.symbol))

        columns: list[Column[Order]] = [
            Column(
                QT_TRANSLATE_NOOP("Columns", "Time"),
                lambda o: fmt.clock(o.created_ns),
                lambda o: o.created_ns,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Venue"), lambda o: o.venue),
            Column(QT_TRANSLATE_NOOP("Columns", "Instrument"), lambda o: o.symbol),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Side"),
                lambda o: names.name(o.side.value.upper()),
                color=lambda o: side_color(o.side),
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Type"), _type_text),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Qty"),
                lambda o: qty(o, o.quantity),
                lambda o: o.quantity,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Price"),
                lambda o: price(o, o.price),
                lambda o: o.price or 0,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Filled"),
                lambda o: qty(o, o.filled_qty),
                lambda o: o.filled_qty,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Avg price"),
                lambda o: price(o, o.avg_fill_price),
                lambda o: o.avg_fill_price or 0,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Status"),
                lambda o: names.name(o.status.value),
                color=lambda o: _STATUS_COLORS.get(o.status),
                tooltip=lambda o: o.reason or "",
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Origin"), lambda o: o.origin),
            Column(QT_TRANSLATE_NOOP("Columns", "Client id"), lambda o: o.client_order_id),
        ]
        super().__init__(columns, max_rows=MAX_ORDERS)


def _type_text(o: Order) -> str:
    text = names.name(o.type.value.upper())
    if o.time_in_force.value != "GTC":
        text += f" {o.time_in_force.value}"
    if o.reduce_only:
        text += " RO"
    return text
