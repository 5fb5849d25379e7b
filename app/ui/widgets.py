"""Small shared widgets: the table view every panel uses, and a sort/filter proxy over a model.

Sorting reads ``SORT_ROLE`` (numbers sort as numbers, not as their formatted text). Each view has
an object name, so the window can keep its column widths and order between runs.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from app.ui.models.table import SORT_ROLE


def proxy(model: QAbstractItemModel, parent: QWidget | None = None) -> QSortFilterProxyModel:
    p = QSortFilterProxyModel(parent)
    p.setSourceModel(model)
    p.setSortRole(SORT_ROLE)
    p.setFilterKeyColumn(-1)
    p.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    p.setDynamicSortFilter(True)
    return p


def table(name: str, model: QAbstractItemModel, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultSectionSize(84)
    header.setMinimumSectionSize(36)
    return view


def fixed_size(label: QLabel, widest: str) -> None:
    """Give a label whose text changes often the fixed size of its widest text: a label of
    fixed size does not ask its window to lay out again at each change (a new size hint
    otherwise relayouts the whole main window, docks and all)."""
    label.ensurePolished()  # the style sheet's font, not the default one
    hint = label.sizeHint()
    width = label.fontMetrics().horizontalAdvance(widest) + label.contentsMargins().left()
    width += label.contentsMargins().right() + 2 * label.margin() + 2
    label.setFixedSize(max(width, hint.width()), hint.height())


def message_label(parent: QWidget | None = None) -> QLabel:
    """A label for a form's verdict: set ``ok`` or ``error`` as its ``kind`` property."""
    label = QLabel(parent)
    label.setObjectName("formMessage")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def show_message(label: QLabel, text: str, kind: str) -> None:
    label.setText(text)
    label.setProperty("kind", kind)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setVisible(bool(text))
