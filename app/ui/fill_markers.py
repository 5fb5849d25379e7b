"""Fill markers on a spread chart: entries as filled triangles pointing the fill's way, exits
(fills that reduce what the leg holds) as hollow circles, placed on the spread at the fill's time.
The market's spread chart and a bot's chart draw them the same way."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyqtgraph as pg

from app.core.orders import Fill, Side
from app.ui import format as fmt
from app.ui.spread_series import SpreadSeries


def fill_spots(fills: Iterable[Fill], series: SpreadSeries) -> list[dict[str, Any]]:
    """The scatter spots of the fills on the series' two legs (none without a pair)."""
    pair = series.pair
    if pair is None:
        return []
    spots = []
    position: dict[tuple[str, str], Decimal] = {}
    for f in fills:
        key = (f.venue, f.symbol)
        if key not in (pair.a, pair.b):
            continue
        before = position.get(key, Decimal(0))
        after = before + (f.qty if f.side is Side.BUY else -f.qty)
        position[key] = after
        entry = abs(after) > abs(before)
        t = f.ts_ns / 1e9
        at = series.value_at(t)
        color = fmt.GREEN if f.side is Side.BUY else fmt.RED
        spots.append(
            {
                "pos": (t, at[1] if at is not None else 0.0),
                "symbol": ("t1" if f.side is Side.BUY else "t") if entry else "o",
                "brush": pg.mkBrush(color) if entry else pg.mkBrush(None),
                "pen": pg.mkPen("#0d1015" if entry else color, width=1 if entry else 2),
                "data": (f, "entry" if entry else "exit"),
            }
        )
    return spots
