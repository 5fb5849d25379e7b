"""Opportunities: live, by kind, sortable by edge and size; selecting one charts its spread.

Rows are what the scanners published (``app.core.opportunities.Opportunity`` on the bus); one not
seen again for a few seconds of market time is gone (the bridge drops it).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QRegularExpression, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.opportunities import Opportunity, OpportunityKind
from app.ui import names
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.opportunities import OpportunitiesModel
from app.ui.models.table import SORT_ROLE
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
        self.proxy.setFilterRole(SORT_ROLE)  # the kind's value, whatever the language shown
        self.view = table("opportunitiesTable", self.proxy, self)
        self.view.setSelectionMode(self.view.SelectionMode.SingleSelection)
        self.view.sortByColumn(EDGE_COLUMN, Qt.SortOrder.DescendingOrder)
        for column, width in enumerate((60, 52, 74, 110, 54, 330)):
            self.view.setColumnWidth(column, width)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("All kinds"), "")
        for kind in OpportunityKind:
            self.kind.addItem(names.name(kind.value).capitalize(), kind.value)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.count = QLabel(self.tr("{n} live").format(n=0), self)
        self.count.setObjectName("muted")
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Kind"), self))
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
        self.count.setText(self.tr("{n} live").format(n=len(self.model)))

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
