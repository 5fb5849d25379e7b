"""The values the alerting service passes around and shows: messages, results, channel status.

A ``Message`` is what a channel sends: an alert (or several folded into one) rendered once, so
that every channel says the same thing. Nothing secret is ever part of one: alert texts come
from the engine, and the channels' secrets are added only to the request that carries them.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.events import AlertLevel

#: Source of the alerting service's own alerts (a channel that keeps failing).
LOCAL_SOURCE = "alerts"
#: Source of the alert raised when trading becomes HALTED.
HALT_SOURCE = "halt"
SUMMARY_SOURCE = "summary"
TEST_SOURCE = "test"

_RANK = {AlertLevel.INFO: 0, AlertLevel.WARNING: 1, AlertLevel.CRITICAL: 2}


def rank(level: AlertLevel) -> int:
    """Severity order: the highest level of folded messages is the folded message's."""
    return _RANK[level]


@dataclass(frozen=True, slots=True)
class Message:
    """One thing to say. ``count`` > 1: the same alert repeated that often within
    ``window_s``; ``skip_channel``: a local warning about that channel, never sent to it."""

    level: AlertLevel
    source: str
    text: str
    ts_ns: int = 0
    count: int = 1
    window_s: float = 0.0
    summary: bool = False
    skip_channel: str = ""

    def line(self) -> str:
        """``[CRITICAL] risk: automatic halt … (×5 in 60 s)``."""
        folded = f" (×{self.count} in {self.window_s:g} s)" if self.count > 1 else ""
        return f"[{self.level.value.upper()}] {self.source}: {self.text}{folded}"


def combine(messages: list[Message]) -> Message:
    """Messages held back by a channel's rate limit, folded into the one it sends next."""
    if len(messages) == 1:
        return messages[0]
    top = max(messages, key=lambda m: rank(m.level))
    lines = "\n".join(m.line() for m in messages)
    text = f"{len(messages)} alerts:\n{lines}"
    return Message(top.level, top.source, text, messages[-1].ts_ns, summary=top.summary)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """How one delivery ended (after its retries); ``error`` never holds a secret."""

    channel: str
    ok: bool
    attempts: int
    status: int | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """What the window shows of one channel. Times are wall-clock seconds (0: never)."""

    name: str
    kind: str
    enabled: bool
    sent: int = 0
    failed: int = 0
    failures_in_row: int = 0
    last_delivery_s: float = 0.0
    last_failure_s: float = 0.0
    last_error: str = ""
    held: int = 0  # messages waiting for the rate limit
