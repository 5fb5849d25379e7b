"""Market watch: every venue's top of book with its age; stale rows marked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from app.core.quotes import Quote
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.quotes import AGE_COLUMN, QuotesModel
from app.ui.widgets import proxy, table


class MarketWatchPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self.model = QuotesModel(controller.decimals, controller.now_ns)
        self.proxy = proxy(self.model, self)
        self.view = table("marketWatchTable", self.proxy, self)
        self.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter venue or instrument…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter)
        layout.addWidget(self.view)
        widths = (46, 96, 78, 68, 68, 78, 44, 48)  # quantities show their lot decimals in full
        for column, width in enumerate(widths):
            self.view.setColumnWidth(column, width)
        bridge.quotes.connect(self.on_quotes)
        bridge.stale.connect(self.model.set_stale)
        bridge.table_tick.connect(lambda: self.model.refresh_column(AGE_COLUMN))

    def on_quotes(self, quotes: list[Quote]) -> None:
        self.model.upsert(((q.venue, q.symbol), q) for q in quotes)
