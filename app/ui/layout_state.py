"""Window layout and column state, kept between runs in ``ui.ini`` in the config folder.

``ARBDESK_HOME`` moves the config folder, so tests and portable installs keep their own. A state
saved by another version of the panels is ignored (Qt refuses it), never half-applied.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QTableView

from app.runtime import paths

STATE_VERSION = 1


def settings() -> QSettings:
    folder = paths.config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)


def save(window: QMainWindow, tables: list[QTableView]) -> None:
    s = settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState(STATE_VERSION))
    for view in tables:
        s.setValue(f"columns/{view.objectName()}", view.horizontalHeader().saveState())
    s.sync()


def restore(window: QMainWindow, tables: list[QTableView]) -> bool:
    """True when a saved window state was applied."""
    s = settings()
    geometry = s.value("window/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    for view in tables:
        header = s.value(f"columns/{view.objectName()}")
        if isinstance(header, QByteArray):
            view.horizontalHeader().restoreState(header)
    state = s.value("window/state")
    return isinstance(state, QByteArray) and window.restoreState(state, STATE_VERSION)


def forget() -> None:
    s = settings()
    s.clear()
    s.sync()
