"""Log records and alerts, newest last, bounded."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QColor

from app.ui import format as fmt
from app.ui.log_capture import LogEntry
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP, name

MAX_LOG_ROWS = 5_000
LEVEL_ORDER = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def _level_color(e: LogEntry) -> QColor | None:
    if e.level in ("ERROR", "CRITICAL"):
        return fmt.RED
    if e.level == "WARNING":
        return fmt.AMBER
    return fmt.MUTED


def _level(e: LogEntry) -> str:
    """The level in the window's language (the log file keeps Python's English names)."""
    return f"{name('ALERT')} {name(e.level)}" if e.alert else name(e.level)


def _time(e: LogEntry) -> str:
    return dt.datetime.fromtimestamp(e.ts).strftime("%H:%M:%S")


class LogModel(KeyedTableModel[int, LogEntry]):
    def __init__(self) -> None:
        columns: list[Column[LogEntry]] = [
            Column(QT_TRANSLATE_NOOP("Columns", "Time"), _time, lambda e: e.seq),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Level"),
                _level,
                lambda e: LEVEL_ORDER.get(e.level, 0),
                _level_color,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Source"), lambda e: e.source),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Message"),
                lambda e: e.message,
                tooltip=lambda e: e.message,
            ),
        ]
        super().__init__(columns, max_rows=MAX_LOG_ROWS)
