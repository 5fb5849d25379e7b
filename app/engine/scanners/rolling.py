"""Rolling least squares of one log-price on another, over the last ``window`` samples (numpy).

``y = alpha + beta * x``: the spread ``y - beta * x`` has mean ``alpha`` over the window and a
standard deviation (ddof 1) that scales the z-score. Recomputed in full at each sample from a ring
buffer (the order of samples does not matter to these sums): O(window) per sample, exact, and no
drift from running sums that add and subtract numbers of very different size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Fit:
    beta: float
    mean: float
    std: float


class RollingOls:
    __slots__ = ("_count", "_pos", "_window", "_x", "_y", "fit")

    def __init__(self, window: int) -> None:
        if window < 3:
            raise ValueError(f"window must be >= 3 samples, got {window}")
        self._window = window
        self._x = np.zeros(window)
        self._y = np.zeros(window)
        self._pos = 0
        self._count = 0
        self.fit: Fit | None = None

    @property
    def count(self) -> int:
        return self._count

    def add(self, x: float, y: float) -> Fit | None:
        """Add one sample; the fit over the window once it is full (None before, or when either
        series is flat)."""
        self._x[self._pos] = x
        self._y[self._pos] = y
        self._pos = (self._pos + 1) % self._window
        self._count = min(self._count + 1, self._window)
        self.fit = self._solve() if self._count == self._window else None
        return self.fit

    def _solve(self) -> Fit | None:
        x, y = self._x, self._y
        dx = x - x.mean()
        var = float(dx @ dx)
        if not var > 0.0:
            return None
        beta = float(dx @ (y - y.mean())) / var
        spread = y - beta * x
        std = float(spread.std(ddof=1))
        if not std > 0.0:
            return None
        return Fit(beta, float(spread.mean()), std)
