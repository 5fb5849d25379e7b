"""The dark theme: Fusion with a dark palette, the shipped style sheet, and chart colours.

The palette covers what a style sheet does not reach (native dialogs, disabled text); the sheet
in ``resources/theme/dark.qss`` does the rest, so the look can be changed without code.
"""

from __future__ import annotations

import logging

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem

from app.resources import resource_path

log = logging.getLogger(__name__)

BACKGROUND = "#171c23"
FOREGROUND = "#aeb7c6"


def palette() -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    colors = {
        role.Window: "#12161c",
        role.WindowText: "#d8dee9",
        role.Base: "#151a21",
        role.AlternateBase: "#181e26",
        role.ToolTipBase: "#1b2129",
        role.ToolTipText: "#d8dee9",
        role.Text: "#d8dee9",
        role.Button: "#232a35",
        role.ButtonText: "#d8dee9",
        role.BrightText: "#ffffff",
        role.Highlight: "#24405e",
        role.HighlightedText: "#ffffff",
        role.Link: "#4fc3f7",
        role.PlaceholderText: "#5c6b80",
    }
    for r, c in colors.items():
        p.setColor(r, QColor(c))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor("#5c6b80"))
    return p


def cache_axes(plot: pg.PlotWidget) -> None:
    """Cache each axis as a pixmap: an axis re-renders its labels only when its range moves,
    instead of at every repaint of a curve next to it (text is the costliest thing drawn)."""
    item = plot.getPlotItem()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


THEMED = "arbdesk_themed"


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "arbdesk.png")))


def apply(app: QApplication) -> None:
    """Style the application once. Applying again is a no-op: ``setStyle`` re-polishes every
    live widget, the previous window's among them while Qt deletes it, and that crashed (a
    segfault in the UI tests, which open one window after another in one application)."""
    if app.property(THEMED):
        return
    app.setProperty(THEMED, True)
    app.setStyle("Fusion")
    app.setPalette(palette())
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 9.0))
    app.setFont(font)
    sheet = resource_path("theme", "dark.qss")
    try:
        app.setStyleSheet(sheet.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("theme %s not loaded: %s", sheet, exc)
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(antialias=False, background=BACKGROUND, foreground=FOREGROUND)
