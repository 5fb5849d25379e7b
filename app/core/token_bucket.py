"""A token bucket: ``rate`` tokens per second, at most ``burst`` saved up. Time is passed in."""

from __future__ import annotations


class TokenBucket:
    __slots__ = ("_last_ns", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, now_ns: int = 0) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last_ns = now_ns

    def _refill(self, now_ns: int) -> None:
        if now_ns > self._last_ns:
            self._tokens = min(
                float(self.burst), self._tokens + (now_ns - self._last_ns) / 1e9 * self.rate
            )
            self._last_ns = now_ns

    def available(self, now_ns: int) -> float:
        self._refill(now_ns)
        return self._tokens

    def try_take(self, now_ns: int) -> bool:
        self._refill(now_ns)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
