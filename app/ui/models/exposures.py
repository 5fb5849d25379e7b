"""Exposure per asset across venues: spot holdings plus derivative delta, and its value."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.engine.api import Exposure
from app.ui import format as fmt
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP


def _qty_decimals(asset: str) -> int:
    return 2 if asset in {"USDT", "USDC", "USD", "BUSD", "FDUSD"} else 5


def _by_venue(e: Exposure) -> str:
    d = _qty_decimals(e.asset)
    return "  ·  ".join(f"{venue} {fmt.signed(qty, d)}" for venue, qty in e.per_venue)


class ExposuresModel(KeyedTableModel[str, Exposure]):
    def __init__(self, currency: str) -> None:
        columns: list[Column[Exposure]] = [
            Column(QT_TRANSLATE_NOOP("Columns", "Asset"), lambda e: e.asset),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Net qty"),
                lambda e: fmt.signed(e.quantity, _qty_decimals(e.asset)),
                lambda e: e.quantity,
                lambda e: fmt.pnl_color(e.quantity),
                numeric=True,
            ),
            Column(
                QCoreApplication.translate("Columns", "Value {currency}").format(currency=currency),
                lambda e: fmt.num(e.value, 2),
                lambda e: e.value or 0,
                numeric=True,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "By venue"), _by_venue, tooltip=_by_venue),
        ]
        super().__init__(columns, skip_unchanged=True)
