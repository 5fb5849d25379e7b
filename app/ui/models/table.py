"""A table model over column specs, keyed by row, updated by changed rows only.

Every table of the window is one of these: a column spec says how to read, show, colour and sort
one value of a row, so a panel declares *what* it shows and this class does the Qt bookkeeping.
``upsert`` replaces or appends rows and signals one ``dataChanged`` per run of adjacent changed
rows, so ten updates a second of a hundred rows cost what the changed rows cost, not a reset.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

translate = QCoreApplication.translate

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

SORT_ROLE = Qt.ItemDataRole.UserRole
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

Index = QModelIndex | QPersistentModelIndex

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
TEXT_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
# asked for at every cell's paint and never answered: decoration, font, check state
_UNUSED_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.SizeHintRole,
    )
)


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """One column: its title, the text shown, and optionally the sort key, colour and tooltip.

    ``title`` and a fixed ``tooltip`` are English sources marked with
    ``QT_TRANSLATE_NOOP("Columns", ...)``, translated when Qt asks for them."""

    title: str
    text: Callable[[R], str]
    sort: Callable[[R], Any] | None = None
    color: Callable[[R], QColor | None] | None = None
    tooltip: Callable[[R], str] | str | None = None
    numeric: bool = False
    width: int | None = None


class KeyedTableModel(QAbstractTableModel, Generic[K, R]):
    """Rows of ``R`` keyed by ``K``; ``row_background`` and ``row_foreground`` mark whole rows
    (stale quotes, opportunities no longer seen), overriding the columns' own colours. With
    ``skip_unchanged``, ``upsert`` leaves a row equal to the one shown alone (no repaint): for
    rows re-sent whole at every snapshot whose columns depend on the row alone."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        row_background: Callable[[R], QColor | None] | None = None,
        row_foreground: Callable[[R], QColor | None] | None = None,
        max_rows: int | None = None,
        skip_unchanged: bool = False,
    ) -> None:
        super().__init__()
        self._skip_unchanged = skip_unchanged
        self.columns = tuple(columns)
        self._row_background = row_background
        self._row_foreground = row_foreground
        self._max_rows = max_rows
        self._keys: list[K] = []
        self._rows: list[R] = []
        self._index: dict[K, int] = {}

    # -- Qt ------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return translate("Columns", column.title)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column.numeric else LEFT
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(column.tooltip, str):
            return translate("Columns", column.tooltip)
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # Called for every visible cell and role at each repaint (seven roles a cell, through
        # the sort proxy): plain int comparisons, most frequent first, no enum lookups.
        if role in _UNUSED_ROLES or not index.isValid():
            return None
        if role == DISPLAY:
            return self.columns[index.column()].text(self._rows[index.row()])
        if role == TEXT_ALIGNMENT:
            return RIGHT if self.columns[index.column()].numeric else LEFT
        if role == FOREGROUND:
            row = self._rows[index.row()]
            if self._row_foreground is not None:
                muted = self._row_foreground(row)
                if muted is not None:
                    return muted
            color = self.columns[index.column()].color
            return color(row) if color is not None else None
        if role == BACKGROUND:
            background = self._row_background
            return background(self._rows[index.row()]) if background is not None else None
        if role == SORT_ROLE:
            row = self._rows[index.row()]
            column = self.columns[index.column()]
            return column.sort(row) if column.sort is not None else column.text(row)
        if role == TOOLTIP:
            tip = self.columns[index.column()].tooltip
            return tip(self._rows[index.row()]) if callable(tip) else None
        if role == KEY_ROLE:
            return self._keys[index.row()]
        return None

    # -- rows ----------------------------------------------------------------------------------

    def upsert(self, items: Iterable[tuple[K, R]]) -> None:
        """Replace known rows in place and append new ones; signals changed rows only."""
        changed: list[int] = []
        new_keys: list[K] = []
        new_rows: list[R] = []
        pending: dict[K, int] = {}
        for key, row in items:
            at = self._index.get(key)
            if at is not None:
                if self._skip_unchanged and self._rows[at] == row:
                    continue  # the same row again: nothing to repaint
                self._rows[at] = row
                changed.append(at)
            elif key in pending:
                new_rows[pending[key]] = row
            else:
                pending[key] = len(new_rows)
                new_keys.append(key)
                new_rows.append(row)
        self._signal_changed(changed)
        if new_rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
            for offset, key in enumerate(new_keys):
                self._index[key] = first + offset
            self._keys.extend(new_keys)
            self._rows.extend(new_rows)
            self.endInsertRows()
        if self._max_rows is not None and len(self._rows) > self._max_rows:
            self._drop_first(len(self._rows) - self._max_rows)

    def refresh_column(self, column: int) -> None:
        """Repaint one column of every row (ages that move with the clock)."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, column), self.index(len(self._rows) - 1, column), []
            )

    def remove(self, keys: Iterable[K]) -> None:
        rows = sorted((self._index[k] for k in set(keys) if k in self._index), reverse=True)
        if not rows:
            return
        for at in rows:
            self.beginRemoveRows(QModelIndex(), at, at)
            del self._rows[at]
            del self._keys[at]
            self.endRemoveRows()
        self._reindex()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._keys.clear()
        self._index.clear()
        self.endResetModel()

    def row(self, key: K) -> R | None:
        at = self._index.get(key)
        return None if at is None else self._rows[at]

    def row_at(self, index: int) -> R:
        return self._rows[index]

    def key_at(self, index: int) -> K:
        return self._keys[index]

    def all_keys(self) -> list[K]:
        return list(self._keys)

    def rows(self) -> list[R]:
        return list(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    # -- internals -----------------------------------------------------------------------------

    def _signal_changed(self, changed: list[int]) -> None:
        if not changed:
            return
        last_col = len(self.columns) - 1
        changed.sort()
        start = prev = changed[0]
        for at in changed[1:]:
            if at <= prev + 1:
                prev = at
                continue
            self.dataChanged.emit(self.index(start, 0), self.index(prev, last_col), [])
            start = prev = at
        self.dataChanged.emit(self.index(start, 0), self.index(prev, last_col), [])

    def _drop_first(self, count: int) -> None:
        self.beginRemoveRows(QModelIndex(), 0, count - 1)
        del self._rows[:count]
        del self._keys[:count]
        self.endRemoveRows()
        self._reindex()

    def _reindex(self) -> None:
        self._index = {key: at for at, key in enumerate(self._keys)}
