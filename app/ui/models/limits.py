"""Risk limits, editable in place: a refused value never reaches the engine's limits.

``setData`` hands the new value to ``apply`` (the engine validates the whole set); a refusal is
reported through ``refused`` with the engine's message and the cell keeps its old value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from app.core.money import to_float
from app.ui import format as fmt
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

translate = QCoreApplication.translate

VALUE_COLUMN = 1

TITLES = {
    "max_quote_age_ms": (QT_TRANSLATE_NOOP("Limits", "Max quote age"), "ms"),
    "price_band_bps": (QT_TRANSLATE_NOOP("Limits", "Price band"), "bps"),
    "max_order_notional": (QT_TRANSLATE_NOOP("Limits", "Max order notional"), "USDT"),
    "max_position_notional": (QT_TRANSLATE_NOOP("Limits", "Max position notional"), "USDT"),
    "max_gross_exposure": (QT_TRANSLATE_NOOP("Limits", "Max gross exposure"), "USDT"),
    "max_open_orders": (QT_TRANSLATE_NOOP("Limits", "Max open orders"), ""),
    "max_open_orders_per_instrument": (
        QT_TRANSLATE_NOOP("Limits", "Max open orders / instrument"),
        "",
    ),
    "order_rate_per_s": (QT_TRANSLATE_NOOP("Limits", "Order rate"), "/s"),
    "order_burst": (QT_TRANSLATE_NOOP("Limits", "Order burst"), ""),
    "cancel_rate_per_s": (QT_TRANSLATE_NOOP("Limits", "Cancel rate"), "/s"),
    "cancel_burst": (QT_TRANSLATE_NOOP("Limits", "Cancel burst"), ""),
    "duplicate_window_ms": (QT_TRANSLATE_NOOP("Limits", "Duplicate window"), "ms"),
}


@dataclass(frozen=True, slots=True)
class LimitRow:
    name: str
    value: Any
    used: float | None = None  # in the limit's own unit; None when it applies per order
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.used is None:
            return None
        limit = to_float(self.value)
        return self.used / limit if limit > 0 else None


def value_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return fmt.num(value, 0 if value == value.to_integral_value() else 2)
    if isinstance(value, float):
        return f"{value:,.6g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def parse_value(text: str) -> Decimal:
    """Accepts ``50,000``, ``50000`` and ``5e4``; raises ValueError with a readable message."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        raise ValueError(translate("Limits", "a value is required"))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(
            translate("Limits", "not a number: {text}").format(text=repr(text))
        ) from None
    if not value.is_finite():
        raise ValueError(translate("Limits", "not a finite number: {text}").format(text=repr(text)))
    return value


def _usage_color(row: LimitRow) -> QColor | None:
    ratio = row.ratio
    if ratio is None:
        return fmt.MUTED
    if ratio >= 0.9:
        return fmt.RED
    if ratio >= 0.6:
        return fmt.AMBER
    return fmt.GREEN


def _usage_text(row: LimitRow) -> str:
    if row.ratio is None:
        return translate("Limits", row.note or "per order")
    used = row.used or 0.0
    whole = used >= 10 or used == int(used)  # counts (open orders, orders this second) are whole
    return f"{used:,.0f}  ({row.ratio:.0%})" if whole else f"{used:,.2f}  ({row.ratio:.0%})"


class LimitsModel(KeyedTableModel[str, LimitRow]):
    refused = Signal(str)  # the engine's message, for the panel to show
    accepted = Signal(str)

    def __init__(self, apply: Callable[[str, Any], None]) -> None:
        self._apply = apply
        columns: list[Column[LimitRow]] = [
            Column(QT_TRANSLATE_NOOP("Columns", "Limit"), _title, tooltip=_name_tip),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Value"),
                lambda r: value_text(r.value),
                lambda r: to_float(r.value),
                tooltip=QT_TRANSLATE_NOOP(
                    "Columns", "double-click to edit; the engine validates before applying"
                ),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Unit"),
                lambda r: TITLES.get(r.name, ("", ""))[1],
                color=lambda r: fmt.MUTED,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Usage"),
                _usage_text,
                lambda r: r.ratio if r.ratio is not None else -1.0,
                _usage_color,
                numeric=True,
            ),
        ]
        super().__init__(columns, skip_unchanged=True)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == VALUE_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            return str(self.row_at(index.row()).value)
        return super().data(index, role)

    def setData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != VALUE_COLUMN:
            return False
        row = self.row_at(index.row())
        title = _title(row)
        try:
            number = parse_value(str(value))
            self._apply(row.name, number)
        except ValueError as exc:
            self.refused.emit(f"{title}: {_short(exc)}")
            return False
        self.upsert([(row.name, replace(row, value=number))])
        self.accepted.emit(
            translate("Limits", "{limit} set to {value}").format(
                limit=title, value=value_text(number)
            )
        )
        return True


def _title(row: LimitRow) -> str:
    title = TITLES.get(row.name)
    return translate("Limits", title[0]) if title else row.name


def _name_tip(row: LimitRow) -> str:
    return row.name


def _short(exc: ValueError) -> str:
    """Pydantic's message without its URL lines: what was wrong and what is allowed."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            parts = [str(e.get("msg", "")) for e in errors()]
            if parts:
                return "; ".join(p for p in parts if p) or str(exc)
        except Exception:  # noqa: S110 - fall back to the plain text
            pass
    return str(exc).splitlines()[0]
