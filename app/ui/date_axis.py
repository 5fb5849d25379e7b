"""pyqtgraph's date axis with month and weekday names in the window's locale (``QLocale()``,
set by ``app.ui.i18n``) instead of the C library's English ones; times of day stay as they are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QDate, QLocale

#: pyqtgraph's strftime formats that name a month or a weekday -> Qt date formats per language.
_FORMATS = {
    "%a %d": ("ddd d", "d日 ddd"),
    "%b": ("MMM", "M月"),
}


class LocaleDateAxis(pg.DateAxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        spec = next((s for s in self.zoomLevel.tickSpecs if s.spacing == spacing), None)
        formats = _FORMATS.get(spec.format) if spec is not None else None
        if formats is None:
            return list(super().tickStrings(values, scale, spacing))
        locale = QLocale()
        qt_format = formats[1] if locale.language() == QLocale.Language.Chinese else formats[0]
        out = []
        for value in values:
            try:
                day = dt.datetime.fromtimestamp(value - (self.utcOffset or 0), dt.UTC)
            except (OverflowError, ValueError, OSError):
                out.append("")
                continue
            out.append(locale.toString(QDate(day.year, day.month, day.day), qt_format))
        return out


def date_axis(**kwargs: Any) -> LocaleDateAxis:
    return LocaleDateAxis(utcOffset=0, **kwargs)
