"""Which alerts go where, how often, and how repeats are folded: pure, with the time passed in.

A channel takes the severities and sources it names; a daily summary goes to those that want one.
The rate limit is per channel (at most N sends in any minute); what it holds back is folded into
the next message. De-duplication is global: the first of a run of the same alert (source and
text) goes out at once, the repeats within the window are counted and said once at its end.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from app.core.events import Alert
from app.engine.alerting.model import Message
from app.runtime.alert_settings import AlertChannelSettings

MINUTE_S = 60.0


def accepts(channel: str, rules: AlertChannelSettings, message: Message) -> bool:
    """Whether ``channel`` with ``rules`` sends ``message``."""
    if not rules.enabled or message.skip_channel == channel:
        return False
    if message.summary:
        return rules.daily_summary
    if message.level.value not in rules.levels:
        return False
    return not rules.sources or message.source in rules.sources


class RateLimit:
    """At most ``per_minute`` sends in any sliding minute."""

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._sent: deque[float] = deque()

    def wait_s(self, now_s: float) -> float:
        """Seconds until a send is allowed (0: now)."""
        while self._sent and now_s - self._sent[0] >= MINUTE_S:
            self._sent.popleft()
        if len(self._sent) < self._per_minute:
            return 0.0
        return MINUTE_S - (now_s - self._sent[0])

    def record(self, now_s: float) -> None:
        self._sent.append(now_s)


@dataclass(slots=True)
class _Run:
    first: Alert
    started_s: float
    repeats: int = 0
    last_ts_ns: int = 0


class Dedup:
    """Folds repeats of the same alert within ``window_s`` into one message with a count."""

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._runs: dict[tuple[str, str], _Run] = {}

    def offer(self, alert: Alert, now_s: float) -> list[Message]:
        """What to send now: the alert itself if it starts a run (and the count of a run it
        ends), nothing if it is a repeat inside the window."""
        out = self.due(now_s)
        key = (alert.source, alert.message)
        run = self._runs.get(key)
        if run is not None and self._window_s > 0:
            run.repeats += 1
            run.last_ts_ns = alert.ts_ns
            return out
        if self._window_s > 0:
            self._runs[key] = _Run(alert, now_s, last_ts_ns=alert.ts_ns)
        out.append(Message(alert.level, alert.source, alert.message, alert.ts_ns))
        return out

    def due(self, now_s: float) -> list[Message]:
        """The counts of runs whose window has ended; each said once, then forgotten."""
        out: list[Message] = []
        for key, run in list(self._runs.items()):
            if now_s - run.started_s < self._window_s:
                continue
            del self._runs[key]
            if run.repeats:
                first = run.first
                out.append(
                    Message(
                        first.level,
                        first.source,
                        first.message,
                        run.last_ts_ns,
                        count=run.repeats,
                        window_s=self._window_s,
                    )
                )
        return out

    def next_due_s(self, now_s: float) -> float | None:
        """Seconds until the next run ends (None: no run)."""
        if not self._runs:
            return None
        return max(0.0, min(r.started_s for r in self._runs.values()) + self._window_s - now_s)
