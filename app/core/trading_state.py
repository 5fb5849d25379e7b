"""Whether new orders may leave, and which.

``ACTIVE``: everything risk allows. ``REDUCING``: only orders that reduce exposure. ``HALTED``: no
new exposure at all; cancels and reduce-only orders still pass. ``RECONCILING`` is not chosen by
anyone: it is what the engine shows while its records and the venues' are being compared, and
nothing leaves then.
"""

from __future__ import annotations

from enum import StrEnum


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"
    RECONCILING = "RECONCILING"
