"""The numbers behind the spread chart, apart from any widget: spread points from quotes.

The spread of B over A in basis points of A: the mid line ``(mid_B / mid_A - 1) * 10^4``, and a
band of what is executable now, from selling B at its bid and buying A at its ask (the lower edge)
to buying B at its ask and selling A at its bid (the upper edge). A band edge beyond the fee line
is an arbitrage after fees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication

from app.core.opportunities import Opportunity
from app.core.quotes import Quote
from app.ui.ring_buffer import Array, RingBuffer

T, MID, LOW, HIGH = 0, 1, 2, 3
CAPACITY = 1_000_000


@dataclass(frozen=True, slots=True)
class Pair:
    """Instrument B against instrument A; both ``(venue, symbol)``."""

    a: tuple[str, str]
    b: tuple[str, str]

    @property
    def label(self) -> str:
        return QCoreApplication.translate("SpreadChartPanel", "{b}  vs  {a}").format(
            b=f"{self.b[0]}:{self.b[1]}", a=f"{self.a[0]}:{self.a[1]}"
        )


def spread_point(a: Quote, b: Quote, t: float) -> tuple[float, float, float, float] | None:
    if a.bid <= 0 or a.ask <= 0 or b.bid <= 0 or b.ask <= 0:
        return None
    mid_a = (a.bid + a.ask) * 0.5
    mid_b = (b.bid + b.ask) * 0.5
    return (
        t,
        (mid_b / mid_a - 1.0) * 1e4,
        (b.bid / a.ask - 1.0) * 1e4,
        (b.ask / a.bid - 1.0) * 1e4,
    )


class SpreadSeries:
    """Spread points of one pair (or edges of one opportunity) in a ring buffer."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.buffer = RingBuffer(capacity, 4)
        self.pair: Pair | None = None
        self.opportunity_key = ""
        self._a: Quote | None = None
        self._b: Quote | None = None
        self.version = 0  # bumps on every change, so a chart redraws only when needed

    def reset(self, pair: Pair | None, opportunity_key: str = "") -> None:
        self.pair = pair
        self.opportunity_key = opportunity_key
        self._a = self._b = None
        self.buffer.clear()
        self.version += 1

    def add_quotes(self, quotes: Iterable[Quote]) -> int:
        """Feed quotes in time order; returns how many points were added."""
        pair = self.pair
        if pair is None:
            return 0
        a_key, b_key = pair.a, pair.b
        a, b = self._a, self._b
        rows: list[tuple[float, float, float, float]] = []
        for q in quotes:
            key = (q.venue, q.symbol)
            if key == a_key:
                a = q
            elif key == b_key:
                b = q
            else:
                continue
            if a is not None and b is not None:
                point = spread_point(a, b, q.received_ns / 1e9)
                if point is not None:
                    rows.append(point)
        self._a, self._b = a, b
        return self._extend(rows)

    def add_opportunities(self, opps: Sequence[Opportunity]) -> int:
        rows = [(o.ts_ns / 1e9, o.edge_bps, o.edge_bps, o.edge_bps) for o in opps]
        return self._extend(rows)

    def add_history(self, a: Sequence[Quote], b: Sequence[Quote]) -> int:
        """Sampled quotes of both legs, merged as of each sample time; only points older than
        what the live feed already gave are kept."""
        if self.pair is None:
            return 0
        first_live = float(self.buffer.column(T)[0]) if len(self.buffer) else float("inf")
        merged = sorted([*a, *b], key=lambda q: q.received_ns)
        last_a: Quote | None = None
        last_b: Quote | None = None
        rows = []
        for q in merged:
            if (q.venue, q.symbol) == self.pair.a:
                last_a = q
            else:
                last_b = q
            t = q.received_ns / 1e9
            if last_a is not None and last_b is not None and t < first_live:
                point = spread_point(last_a, last_b, t)
                if point is not None:
                    rows.append(point)
        if not rows:
            return 0
        live = np.stack([self.buffer.column(i).copy() for i in range(4)], axis=1)
        self.buffer.clear()
        self._extend(rows)
        if len(live):
            self.buffer.extend(live)
        self.version += 1
        return len(rows)

    def value_at(self, t: float) -> tuple[float, float, float, float] | None:
        """The point at or just before ``t`` (for fill markers and the crosshair)."""
        times = self.buffer.column(T)
        if not len(times):
            return None
        i = int(np.searchsorted(times, t, side="right")) - 1
        i = max(0, min(i, len(times) - 1))
        return (
            float(times[i]),
            float(self.buffer.column(MID)[i]),
            float(self.buffer.column(LOW)[i]),
            float(self.buffer.column(HIGH)[i]),
        )

    def column(self, i: int) -> Array:
        return self.buffer.column(i)

    def __len__(self) -> int:
        return len(self.buffer)

    def _extend(self, rows: list[tuple[float, float, float, float]]) -> int:
        if not rows:
            return 0
        self.buffer.extend(np.asarray(rows, dtype=np.float64))
        self.version += 1
        return len(rows)
