"""The numbers behind the spread chart, apart from any widget: spread points from quotes.

The spread of B over A in basis points of A: the mid line ``(mid_B / mid_A - 1) * 10^4``, and a
band of what is executable now, from selling B at its bid and buying A at its ask (the lower edge)
to buying B at its ask and selling A at its bid (the upper edge). A band edge beyond the fee line
is an arbitrage after fees.

Memory is bounded whatever the length of the day (level of detail): the newest points are kept
raw in a ring buffer; when it is full, its oldest points are folded, ``FOLD`` at a time, into two
points of a coarser level (the lowest and the highest mid line, in the order they came, each with
the lowest lower edge and the highest upper edge of the bucket), and so on up ``LEVELS`` levels;
the coarsest drops its oldest. A chart of the last minutes shows the raw points, one of the day
the folded ones, and the extremes of every old bucket stay in view.
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
CAPACITY = 32_768  # raw points (about 12 s of one pair at 20,000 quotes/s over 15 instruments)
LEVEL_CAPACITY = 16_384  # points of each coarser level
LEVELS = 5  # coarser levels: each point of level k stands for 8^k raw points
FOLD = 16  # points of a level folded into two of the next
CHUNK = 4_096  # points folded at a time (a multiple of FOLD; less for smaller capacities)


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
    """Spread points of one pair (or edges of one opportunity): the newest raw, older ones
    folded into coarser levels (see the module's docstring), so memory is bounded."""

    def __init__(
        self, capacity: int = CAPACITY, level_capacity: int = LEVEL_CAPACITY, levels: int = LEVELS
    ) -> None:
        if capacity < FOLD or (levels and level_capacity < FOLD):
            raise ValueError(f"capacities must be >= {FOLD}")
        smallest = min(capacity, level_capacity) if levels else capacity
        self._chunk = min(CHUNK, smallest // FOLD * FOLD)
        # finest first: the raw points, then the folded levels
        self._levels = [RingBuffer(capacity, 4)] + [
            RingBuffer(level_capacity, 4) for _ in range(levels)
        ]
        # all levels joined, oldest first: rebuilt after a fold, else appended to in place,
        # so a chart reads it without copying the whole history at every frame
        self._joined = np.empty((4, sum(level.capacity for level in self._levels)))
        self._joined_len = 0
        self._joined_ok = True
        self.pair: Pair | None = None
        self.opportunity_key = ""
        self._a: Quote | None = None
        self._b: Quote | None = None
        self.version = 0  # bumps on every change, so a chart redraws only when needed

    def reset(self, pair: Pair | None, opportunity_key: str = "") -> None:
        self.pair = pair
        self.opportunity_key = opportunity_key
        self._a = self._b = None
        self._clear()
        self.version += 1

    def load(self, rows: Array) -> None:
        """Replace the points by ``rows`` shaped ``(n, 4)``, time-sorted (fed like live points)."""
        self._clear()
        self._extend_array(np.asarray(rows, dtype=np.float64))
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
        first_live = float(self.column(T)[0]) if len(self) else float("inf")
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
        live = self._join().T.copy()
        self._clear()
        self._extend(rows)
        if len(live):
            self._extend_array(live)
        self.version += 1
        return len(rows)

    def value_at(self, t: float) -> tuple[float, float, float, float] | None:
        """The point at or just before ``t`` (for fill markers and the crosshair)."""
        joined = self._join()
        times = joined[T]
        if not len(times):
            return None
        i = int(np.searchsorted(times, t, side="right")) - 1
        i = max(0, min(i, len(times) - 1))
        return (
            float(times[i]),
            float(joined[MID, i]),
            float(joined[LOW, i]),
            float(joined[HIGH, i]),
        )

    def column(self, i: int) -> Array:
        """Column ``i`` over all levels, oldest first (joined once per version: do not keep it)."""
        column: Array = self._join()[i]
        return column

    @property
    def raw_points(self) -> int:
        """How many of the points are raw (the newest); the rest are folded."""
        return len(self._levels[0])

    def __len__(self) -> int:
        return sum(len(level) for level in self._levels)

    def _clear(self) -> None:
        for level in self._levels:
            level.clear()
        self._joined_len = 0
        self._joined_ok = True

    def _join(self) -> Array:
        if not self._joined_ok:
            at = 0
            for level in reversed(self._levels):
                n = len(level)
                for i in range(4):
                    self._joined[i, at : at + n] = level.column(i)
                at += n
            self._joined_len = at
            self._joined_ok = True
        return self._joined[:, : self._joined_len]

    def _extend(self, rows: list[tuple[float, float, float, float]]) -> int:
        if not rows:
            return 0
        self._extend_array(np.asarray(rows, dtype=np.float64))
        self.version += 1
        return len(rows)

    def _extend_array(self, rows: Array) -> None:
        raw = self._levels[0]
        chunk = self._chunk
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            if raw.capacity - len(raw) < len(part):
                self._fold(0)
                self._joined_ok = False
            raw.extend(part)
            if self._joined_ok:
                at = self._joined_len
                self._joined[:, at : at + len(part)] = part.T
                self._joined_len = at + len(part)

    def _fold(self, k: int) -> None:
        """Fold the oldest chunk of points of level ``k`` into level ``k + 1`` (the coarsest
        level just drops them)."""
        level = self._levels[k]
        n = min(self._chunk, len(level)) // FOLD * FOLD
        if k + 1 >= len(self._levels) or n == 0:
            level.drop_oldest(max(n, self._chunk))
            return
        old = np.stack([level.column(i)[:n] for i in range(4)])
        level.drop_oldest(n)
        coarser = self._levels[k + 1]
        folded = fold(old)
        if coarser.capacity - len(coarser) < len(folded):
            self._fold(k + 1)
        coarser.extend(folded)


def fold(points: Array) -> Array:
    """Points shaped ``(4, n)`` (n a multiple of ``FOLD``) to rows ``(2 n / FOLD, 4)``: per bucket
    of ``FOLD``, the lowest and the highest mid line in time order, each at its own time, with the
    bucket's lowest lower edge and highest upper edge."""
    buckets = points.shape[1] // FOLD
    t, mid, low, high = (points[i].reshape(buckets, FOLD) for i in range(4))
    rows = np.arange(buckets)
    i_min, i_max = mid.argmin(axis=1), mid.argmax(axis=1)
    first = np.minimum(i_min, i_max)
    second = np.maximum(i_min, i_max)
    out = np.empty((2 * buckets, 4))
    low_b, high_b = low.min(axis=1), high.max(axis=1)
    out[0::2, T], out[1::2, T] = t[rows, first], t[rows, second]
    out[0::2, MID], out[1::2, MID] = mid[rows, first], mid[rows, second]
    out[0::2, LOW] = out[1::2, LOW] = low_b
    out[0::2, HIGH] = out[1::2, HIGH] = high_b
    return out
