"""Log and alerts: the same records as the log file, plus the bus's alerts; filterable."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from app.ui.bridge import Bridge
from app.ui.log_capture import LogEntry
from app.ui.models.log import LEVEL_ORDER, LogModel
from app.ui.models.table import SORT_ROLE
from app.ui.names import QT_TRANSLATE_NOOP
from app.ui.widgets import table

LEVELS = (
    (QT_TRANSLATE_NOOP("LogPanel", "All levels"), 0),
    (QT_TRANSLATE_NOOP("LogPanel", "Info and up"), 20),
    (QT_TRANSLATE_NOOP("LogPanel", "Warnings and up"), 30),
    (QT_TRANSLATE_NOOP("LogPanel", "Errors"), 40),
)


class _LogFilter(QSortFilterProxyModel):
    def __init__(self, model: LogModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._log = model
        self.min_level = 0
        self.alerts_only = False
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        entry = self._log.row_at(source_row)
        if self.alerts_only and not entry.alert:
            return False
        if LEVEL_ORDER.get(entry.level, 0) < self.min_level:
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class LogPanel(QWidget):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.model = LogModel()
        self.proxy = _LogFilter(self.model, self)
        self.view = table("logTable", self.proxy, self)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # newest last, as a log reads
        for column, width in enumerate((64, 96, 150)):
            self.view.setColumnWidth(column, width)
        self.level = QComboBox(self)
        for text, level in LEVELS:
            self.level.addItem(self.tr(text), level)
        self.level.setCurrentIndex(1)
        self.alerts = QCheckBox(self.tr("Alerts only"), self)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter messages…"))
        self.filter.setClearButtonEnabled(True)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.level)
        bar.addWidget(self.alerts)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.level.currentIndexChanged.connect(self._refilter)
        self.alerts.toggled.connect(self._refilter)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self._refilter()
        bridge.log_entries.connect(self.on_entries)

    def on_entries(self, entries: list[LogEntry]) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.model.upsert((e.seq, e) for e in entries)
        if at_bottom:
            self.view.scrollToBottom()

    def _refilter(self) -> None:
        begin = getattr(self.proxy, "beginFilterChange", None)  # Qt >= 6.9
        if begin is not None:
            begin()
        self.proxy.min_level = int(self.level.currentData())
        self.proxy.alerts_only = self.alerts.isChecked()
        if begin is not None:
            self.proxy.endFilterChange()
        else:
            self.proxy.invalidateFilter()
