"""Live opportunities, one row per key (the trade independently of prices), newest values."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor

from app.core.opportunities import Opportunity, Signal
from app.ui import format as fmt
from app.ui.models.table import Column, KeyedTableModel

FRESH_NS = 2_000_000_000  # not seen again for longer: shown muted until the bridge drops it


def legs_text(o: Opportunity) -> str:
    return "  →  ".join(f"{leg.side.value.upper()} {leg.venue}:{leg.symbol}" for leg in o.legs)


def legs_tooltip(o: Opportunity) -> str:
    lines = [
        f"{leg.side.value.upper()} {leg.qty:,.6g} {leg.venue}:{leg.symbol} @ {leg.price:,.8g}"
        for leg in o.legs
    ]
    ages = ", ".join(f"{a:,.0f} ms" for a in o.ages_ms)
    return "\n".join([*lines, f"quote ages when found: {ages}"])


class OpportunitiesModel(KeyedTableModel[str, Opportunity]):
    def __init__(self, now_ns: Callable[[], int]) -> None:
        columns: list[Column[Opportunity]] = [
            Column("Kind", lambda o: o.kind.value),
            Column(
                "Signal",
                lambda o: o.signal.value,
                color=lambda o: fmt.AMBER if o.signal is Signal.EXIT else None,
            ),
            Column(
                "Edge bps",
                lambda o: fmt.signed(o.edge_bps, 2),
                lambda o: o.edge_bps,
                lambda o: fmt.pnl_color(o.edge_bps),
                tooltip="net edge after taker fees, in basis points",
                numeric=True,
            ),
            Column(
                "Size",
                lambda o: f"{fmt.num(o.size_quote, 2)} {o.size_asset}",
                lambda o: o.size_quote,
                tooltip="what the first leg spends at the size every leg's book allows",
                numeric=True,
            ),
            Column(
                "Age",
                lambda o: fmt.age(max(o.max_age_ms(now_ns()), 0.0)),
                lambda o: o.max_age_ms(now_ns()),
                color=lambda o: fmt.MUTED,
                tooltip="age of the oldest quote it was priced on",
                numeric=True,
            ),
            Column("Legs", legs_text, tooltip=legs_tooltip),
            Column("Key", lambda o: o.key),
        ]

        def faded(o: Opportunity) -> QColor | None:
            return fmt.MUTED if now_ns() - o.ts_ns > FRESH_NS else None

        super().__init__(columns, row_foreground=faded)
