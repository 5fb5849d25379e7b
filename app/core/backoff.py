"""Exponential backoff with jitter: the one schedule every retry in the engine waits by.

Pure and seedable: it yields delays and sleeps nowhere, so a settle loop, a panic's cancel retries,
a submit that met a transient error and the task supervisor all back off the same way, and a test
can read the schedule without waiting it out. Jitter spreads retries of many callers so that they
do not hit a venue in lockstep after one outage.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """``initial_s`` doubling (``factor``) up to ``max_s`` (or ``initial_s`` if that is larger: a
    configured first wait is never cut); each delay multiplied by a random factor in
    ``[1 - jitter, 1]`` (``jitter=0``: the plain schedule)."""

    initial_s: float
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.initial_s < 0 or self.max_s < 0 or self.factor < 1:
            raise ValueError(f"invalid backoff {self}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """An endless schedule of delays in seconds."""
        draw = (rng or random).random
        cap = max(self.max_s, self.initial_s)
        delay = self.initial_s
        while True:
            yield delay * (1 - self.jitter * draw())
            delay = min(delay * self.factor, cap)
