"""Readable numbers: fixed decimals per instrument, thousands separators, green and red.

Decimals come from the instrument's tick and step, so a price column never jitters in width and
a quantity never shows more precision than the venue accepts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal

from PySide6.QtCore import QLocale
from PySide6.QtGui import QColor

from app.core.instruments import Instrument, InstrumentId

GREEN = QColor("#26a69a")
RED = QColor("#ef5350")
AMBER = QColor("#ffb74d")
MUTED = QColor("#8a94a6")
TEXT = QColor("#d8dee9")
STALE_BG = QColor(120, 60, 0, 70)

DASH = "—"

_group, _point = ",", "."


def set_locale(locale: QLocale) -> None:
    """Digit grouping and decimal point of the window's locale (``app.ui.i18n`` sets it)."""
    global _group, _point
    _group, _point = locale.groupSeparator() or ",", locale.decimalPoint() or "."


def _localized(text: str) -> str:
    """An exact ``1,234.50`` in the locale's symbols: the digits are never re-rounded."""
    if (_group, _point) == (",", "."):
        return text
    return text.replace(",", "\0").replace(".", _point).replace("\0", _group)


def decimals_of(step: Decimal) -> int:
    """0.01 -> 2, 0.00001 -> 5, 1 -> 0."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


def num(value: float | Decimal | None, decimals: int = 2) -> str:
    """``1234.5`` -> ``1,234.50``; None or NaN -> a dash."""
    if value is None:
        return DASH
    if isinstance(value, float) and not math.isfinite(value):
        return DASH
    return _localized(f"{value:,.{decimals}f}")


def signed(value: float | Decimal | None, decimals: int = 2) -> str:
    """Like ``num`` with an explicit sign, for PnL and edges."""
    if value is None:
        return DASH
    if isinstance(value, float) and not math.isfinite(value):
        return DASH
    return _localized(f"{value:+,.{decimals}f}")


def pnl_color(value: float | Decimal | None) -> QColor | None:
    if value is None or value == 0:
        return None
    return GREEN if value > 0 else RED


def age(ms: float | None) -> str:
    if ms is None:
        return DASH
    if ms < 1_000:
        return _localized(f"{ms:,.0f}") + " ms"
    if ms < 120_000:
        return _localized(f"{ms / 1000:,.1f}") + " s"
    return _localized(f"{ms / 60_000:,.0f}") + " min"


def clock(ts_ns: int) -> str:
    """Market time of day, UTC, to the millisecond."""
    if ts_ns <= 0:
        return DASH
    t = dt.datetime.fromtimestamp(ts_ns / 1e9, dt.UTC)
    return t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"


class Decimals:
    """Price and quantity decimals per instrument, computed once."""

    def __init__(self, instruments: Mapping[InstrumentId, Instrument]) -> None:
        self._price: dict[tuple[str, str], int] = {}
        self._qty: dict[tuple[str, str], int] = {}
        for inst in instruments.values():
            key = (inst.venue, inst.symbol)
            self._price[key] = decimals_of(inst.tick_size)
            self._qty[key] = decimals_of(inst.step_size)

    def price(self, venue: str, symbol: str) -> int:
        return self._price.get((venue, symbol), 2)

    def qty(self, venue: str, symbol: str) -> int:
        return self._qty.get((venue, symbol), 4)
