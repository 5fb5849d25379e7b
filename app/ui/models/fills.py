"""Fills, newest last: one row per (venue, trade id), as the OMS de-duplicated them."""

from __future__ import annotations

from app.core.orders import Fill
from app.ui import format as fmt
from app.ui import names
from app.ui.format import Decimals
from app.ui.models.orders import side_color
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

MAX_FILLS = 20_000
FillKey = tuple[str, str]


class FillsModel(KeyedTableModel[FillKey, Fill]):
    def __init__(self, decimals: Decimals) -> None:
        columns: list[Column[Fill]] = [
            Column(
                QT_TRANSLATE_NOOP("Columns", "Time"),
                lambda f: fmt.clock(f.ts_ns),
                lambda f: f.ts_ns,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Venue"), lambda f: f.venue),
            Column(QT_TRANSLATE_NOOP("Columns", "Instrument"), lambda f: f.symbol),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Side"),
                lambda f: names.name(f.side.value.upper()),
                color=lambda f: side_color(f.side),
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Qty"),
                lambda f: fmt.num(f.qty, decimals.qty(f.venue, f.symbol)),
                lambda f: f.qty,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Price"),
                lambda f: fmt.num(f.price, decimals.price(f.venue, f.symbol)),
                lambda f: f.price,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Fee"),
                lambda f: f"{fmt.num(f.fee, 6)} {f.fee_currency}",
                lambda f: f.fee,
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Liquidity"), lambda f: names.name(f.liquidity.value)
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Client id"), lambda f: f.client_order_id),
            Column(QT_TRANSLATE_NOOP("Columns", "Trade id"), lambda f: f.trade_id),
        ]
        super().__init__(columns, max_rows=MAX_FILLS)
