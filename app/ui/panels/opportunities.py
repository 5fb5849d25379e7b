"""Opportunities: live, by kind, sortable by edge and size; selecting one charts its spread.

Rows are what the scanners published (``app.core.opportunities.Opportunity`` on the bus); one not
seen again for a few seconds of market time is gone (the bridge drops it).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QRegularExpression, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.opportunities import Opportunity, OpportunityKind
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.opportunities import OpportunitiesModel
from app.ui.widgets import proxy, table

EDGE_COLUMN = 2
AGE_COLUMN = 4


class OpportunitiesPanel(QWidget):
    selected = Signal(object)  # Opportunity

    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        self.model = OpportunitiesModel(controller.now_ns)
        self.proxy = proxy(self.model, self)
        self.proxy.setFilterKeyColumn(0)
        self.view = table("opportunitiesTable", self.proxy, self)
        self.view.setSelectionMode(self.view.SelectionMode.SingleSelection)
        self.view.sortByColumn(EDGE_COLUMN, Qt.SortOrder.DescendingOrder)
        for column, width in enumerate((60, 52, 74, 110, 54, 330)):
            self.view.setColumnWidth(column, width)
        self.kind = QComboBox(self)
        self.kind.addItem("All kinds", "")
        for kind in OpportunityKind:
            self.kind.addItem(kind.value.capitalize(), kind.value)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.count = QLabel("0 live", self)
        self.count.setObjectName("muted")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Kind", self))
        bar.addWidget(self.kind)
        bar.addStretch(1)
        bar.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.view.selectionModel().selectionChanged.connect(self._selection)
        bridge.opportunities.connect(self.on_opportunities)
        bridge.table_tick.connect(lambda: self.model.refresh_column(AGE_COLUMN))

    def on_opportunities(self, changed: list[Opportunity], gone: list[str]) -> None:
        self.model.upsert((o.key, o) for o in changed)
        if gone:
            self.model.remove(gone)
        self.count.setText(f"{len(self.model)} live")

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        pattern = f"^{QRegularExpression.escape(kind)}$" if kind else ""
        self.proxy.setFilterRegularExpression(pattern)

    def _selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        source = self.proxy.mapToSource(indexes[0])
        if source.isValid():
            self.selected.emit(self.model.row_at(source.row()))
