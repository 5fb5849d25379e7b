"""Live opportunities, one row per key (the trade independently of prices), newest values."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from app.core.opportunities import Opportunity, Signal
from app.ui import format as fmt
from app.ui import names
from app.ui.models.table import Column, KeyedTableModel
from app.ui.names import QT_TRANSLATE_NOOP

FRESH_NS = 2_000_000_000  # not seen again for longer: shown muted until the bridge drops it


def legs_text(o: Opportunity) -> str:
    return "  →  ".join(
        f"{names.name(leg.side.value.upper())} {leg.venue}:{leg.symbol}" for leg in o.legs
    )


def legs_tooltip(o: Opportunity) -> str:
    lines = [
        f"{names.name(leg.side.value.upper())} {leg.qty:,.6g} {leg.venue}:{leg.symbol}"
        f" @ {leg.price:,.8g}"
        for leg in o.legs
    ]
    ages = ", ".join(f"{a:,.0f} ms" for a in o.ages_ms)
    found = QCoreApplication.translate("Columns", "quote ages when found: {ages}")
    return "\n".join([*lines, found.format(ages=ages)])


class OpportunitiesModel(KeyedTableModel[str, Opportunity]):
    def __init__(self, now_ns: Callable[[], int]) -> None:
        columns: list[Column[Opportunity]] = [
            Column(
                QT_TRANSLATE_NOOP("Columns", "Kind"),
                lambda o: names.name(o.kind.value),
                lambda o: o.kind.value,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Signal"),
                lambda o: names.name(o.signal.value),
                color=lambda o: fmt.AMBER if o.signal is Signal.EXIT else None,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Edge bps"),
                lambda o: fmt.signed(o.edge_bps, 2),
                lambda o: o.edge_bps,
                lambda o: fmt.pnl_color(o.edge_bps),
                tooltip=QT_TRANSLATE_NOOP("Columns", "net edge after taker fees, in basis points"),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Size"),
                lambda o: f"{fmt.num(o.size_quote, 2)} {o.size_asset}",
                lambda o: o.size_quote,
                tooltip=QT_TRANSLATE_NOOP(
                    "Columns", "what the first leg spends at the size every leg's book allows"
                ),
                numeric=True,
            ),
            Column(
                QT_TRANSLATE_NOOP("Columns", "Age"),
                lambda o: fmt.age(max(o.max_age_ms(now_ns()), 0.0)),
                lambda o: o.max_age_ms(now_ns()),
                color=lambda o: fmt.MUTED,
                tooltip=QT_TRANSLATE_NOOP("Columns", "age of the oldest quote it was priced on"),
                numeric=True,
            ),
            Column(QT_TRANSLATE_NOOP("Columns", "Legs"), legs_text, tooltip=legs_tooltip),
            Column(QT_TRANSLATE_NOOP("Columns", "Key"), lambda o: o.key),
        ]

        def faded(o: Opportunity) -> QColor | None:
            return fmt.MUTED if now_ns() - o.ts_ns > FRESH_NS else None

        super().__init__(columns, row_foreground=faded)
