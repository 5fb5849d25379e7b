"""How often each pre-trade rule said no, since the engine started."""

from __future__ import annotations

from app.ui import format as fmt
from app.ui import names
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP


class RejectionsModel(KeyedTableModel[str, tuple[str, int]]):
    def __init__(self) -> None:
        columns: list[Column[tuple[str, int]]] = [
            Column(QT_TRANSLATE_NOOP("Columns", "Rule"), lambda r: names.name(r[0])),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Rejections"),
                lambda r: f"{r[1]:,}",
                lambda r: r[1],
                lambda r: fmt.RED if r[1] else fmt.MUTED,
                numeric=True,
            ),
        ]
        super().__init__(columns, skip_unchanged=True)
