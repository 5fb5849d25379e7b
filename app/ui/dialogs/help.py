"""Keyboard shortcuts, listed from the same table the window binds them from."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.shortcuts import SHORTCUTS


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(520, 440)
        self.table = QTableWidget(len(SHORTCUTS), 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 150)
        for row, shortcut in enumerate(SHORTCUTS.values()):
            self.table.setItem(row, 0, QTableWidgetItem(shortcut.keys))
            text = QCoreApplication.translate("Shortcuts", shortcut.text)
            self.table.setItem(row, 1, QTableWidgetItem(text))
        note = QLabel(
            self.tr(
                "Hover over any number, light or button for details. Charts: drag to pan, wheel "
                "to zoom, right-drag to zoom one axis; “Follow” returns to the live edge."
            ),
            self,
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
