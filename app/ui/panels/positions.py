"""Positions per venue, and exposure per asset across venues, from the engine's snapshots."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from app.engine.api import EngineSnapshot
from app.ui.bridge import Bridge
from app.ui.controller import Controller
from app.ui.models.exposures import ExposuresModel
from app.ui.models.positions import PositionsModel
from app.ui.widgets import proxy, table


class PositionsPanel(QWidget):
    def __init__(self, controller: Controller, bridge: Bridge) -> None:
        super().__init__()
        currency = controller.valuation_currencies[0]
        self.positions = PositionsModel(controller.decimals, controller.instruments)
        self.exposures = ExposuresModel(currency)
        self.positions_view = table("positionsTable", proxy(self.positions, self), self)
        self.exposures_view = table("exposureTable", proxy(self.exposures, self), self)
        self.positions_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.exposures_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        for column, width in enumerate((50, 104, 58, 70, 70, 62, 62, 74, 62, 52)):
            self.positions_view.setColumnWidth(column, width)
        for column, width in enumerate((50, 90, 100)):
            self.exposures_view.setColumnWidth(column, width)
        self.empty = QLabel(self.tr("No open positions"), self)
        self.empty.setObjectName("muted")
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(2)
        top_layout.addWidget(self.positions_view, 1)
        top_layout.addWidget(self.empty)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setObjectName("positionsSplit")
        split.addWidget(top)
        split.addWidget(self.exposures_view)
        split.setSizes([160, 120])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        bridge.snapshot.connect(self.on_snapshot)

    def on_snapshot(self, snap: EngineSnapshot) -> None:
        keys = {(v.venue, v.position.instrument_id.symbol) for v in snap.positions}
        gone = [k for k in self.positions.all_keys() if k not in keys]
        if gone:
            self.positions.remove(gone)
        self.positions.upsert(
            ((v.venue, v.position.instrument_id.symbol), v) for v in snap.positions
        )
        assets = {e.asset for e in snap.exposures}
        gone_assets = [a for a in self.exposures.all_keys() if a not in assets]
        if gone_assets:
            self.exposures.remove(gone_assets)
        self.exposures.upsert((e.asset, e) for e in snap.exposures)
        self.empty.setVisible(not snap.positions)
