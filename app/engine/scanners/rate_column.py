"""One rate of every member of a group, with its maximum kept, for "who beats this?" queries.

A scanner whose market pairs with every other member of a large group (cross-venue: one symbol
on 48 venues; basis: one spot against every venue's perpetual) asks "which partners would make
this quote profitable?" as "whose rate is at least this threshold?". Most quotes find none, and
the kept maximum answers that in O(1); only a quote that finds something reads the column (in C
speed order: one pass of floats). The maximum is recomputed only when the member holding it
falls, about once in ``n`` updates. Thresholds are loosened by ``SLACK`` (relative, far above
float rounding), so a query returns a superset; the scanner then decides each candidate with its
exact formula, and results stay those of evaluating every pair.
"""

from __future__ import annotations

#: Relative widening of query thresholds: a candidate is never lost to rounding.
SLACK = 1e-9


class RateColumn:
    """Positive rates at fixed positions (0.0: no usable quote), and their maximum."""

    __slots__ = ("_at", "top", "values")

    def __init__(self, size: int) -> None:
        self.values = [0.0] * size
        self.top = 0.0
        self._at = 0  # a position holding ``top``

    def set(self, pos: int, value: float) -> None:
        """``value`` must be finite and >= 0 (0.0 for none)."""
        values = self.values
        values[pos] = value
        if value >= self.top:
            self.top = value
            self._at = pos
        elif pos == self._at:
            top = self.top = max(values)
            self._at = values.index(top)

    def at_least(self, threshold: float) -> list[int]:
        """Positions whose rate is >= ``threshold`` (> 0) less ``SLACK``: a superset."""
        low = threshold * (1.0 - SLACK)
        if self.top < low:
            return []
        return [p for p, v in enumerate(self.values) if v >= low]
