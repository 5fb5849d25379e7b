"""The alerting service: alerts from the bus to webhooks, Telegram, Lark and DingTalk.

The bus handler only appends to a bounded queue (``queue``); one supervised worker takes from it,
folds repeats (``rules.Dedup``) and hands each message to the channels whose rules take it. Each
channel sends on its own (a slow or dead one delays no other), at most N per minute, what it held
back folded into its next message. A delivery is retried with backoff on 5xx and timeouts
(``transport``); a channel failing ``failures_before_warning`` times in a row raises one local
WARNING on the bus, marked so that it is not sent to that channel again (no loops). Nothing here
raises into the engine: every failure becomes a ``DeliveryResult`` and a status.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.core.backoff import Backoff
from app.core.events import Alert, AlertLevel, TradingStateChanged
from app.core.secrets import Secret, scrub
from app.core.trading_state import TradingState
from app.engine.alerting.channels import SECRETS, MissingSecret, build, secret_name
from app.engine.alerting.model import (
    HALT_SOURCE,
    LOCAL_SOURCE,
    SUMMARY_SOURCE,
    TEST_SOURCE,
    ChannelStatus,
    DeliveryResult,
    Message,
    combine,
)
from app.engine.alerting.queue import AlertQueue
from app.engine.alerting.rules import Dedup, RateLimit, accepts
from app.engine.alerting.summary import seconds_until, summary_text
from app.engine.alerting.transport import DELIVERY_BACKOFF, deliver
from app.runtime import redaction
from app.runtime.alert_settings import AlertsSettings

log = logging.getLogger(__name__)

SecretSource = Callable[[str], Awaitable[Secret | None]]
Sleep = Callable[[float], Awaitable[None]]
#: The daily summary's report: the engine's mode, market, PnL and trading state, and the
#: ``orders``, ``fills`` and ``halts`` (reasons) since the previous summary, read from the store
#: so that a restart during the day loses none of them.
Report = Callable[[], Awaitable[Mapping[str, Any]]]
IDLE_WAKE_S = 1.0


class AlertingService:
    def __init__(
        self,
        settings: AlertsSettings,
        *,
        secrets: SecretSource,
        publish: Callable[[Alert], None] | None = None,
        report: Report | None = None,
        trading_state: Callable[[], TradingState] | None = None,
        now_s: Callable[[], float] = time.monotonic,
        wall_s: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff = DELIVERY_BACKOFF,
        tick_s: float = IDLE_WAKE_S,
    ) -> None:
        self._settings = settings
        self._channels = dict(settings.channels)
        self._secrets = secrets
        self._publish = publish
        self._report = report
        self._trading_state = trading_state
        self._now_s = now_s
        self._wall_s = wall_s
        self._sleep = sleep
        self._backoff = backoff
        self._tick_s = tick_s
        self._queue = AlertQueue(settings.queue_size)
        self._dedup = Dedup(settings.dedup_window_s)
        self._pending: dict[str, list[Message]] = {name: [] for name in self._channels}
        self._wake: dict[str, asyncio.Event] = {name: asyncio.Event() for name in self._channels}
        self._status = {
            name: ChannelStatus(name, rules.kind, rules.enabled)
            for name, rules in self._channels.items()
        }
        self._raising: tuple[Alert, str] | None = None
        self._last_state: TradingState | None = None
        self._recent_critical: deque[tuple[float, str]] = deque(maxlen=32)
        self._running = False
        self._sending = 0

    # -- what the bus calls (never blocks) ---------------------------------------------------

    def on_alert(self, alert: Alert) -> None:
        """Queue ``alert``; the service's own warning about a channel skips that channel."""
        raising = self._raising
        skip = raising[1] if raising is not None and raising[0] is alert else ""
        if alert.level is AlertLevel.CRITICAL:
            self._recent_critical.append((self._now_s(), alert.message))
        self._queue.put(alert, skip)

    def on_trading_state(self, event: TradingStateChanged) -> None:
        """A new halt is a CRITICAL alert of its own, unless a critical alert just said it
        (an automatic halt is announced by risk before the kill switch runs)."""
        if event.state is TradingState.RECONCILING or self._last_state is None:
            return
        was_halted = self._last_state is TradingState.HALTED
        self._last_state = event.state
        if event.state is not TradingState.HALTED or was_halted:
            return
        now = self._now_s()
        window = max(self._settings.dedup_window_s, 1.0)
        said = event.reason.removeprefix("panic: ")  # the kill switch's wording
        for ts, text in self._recent_critical:
            if now - ts <= window and said and text.endswith(said):
                return
        self._queue.put(Alert(AlertLevel.CRITICAL, HALT_SOURCE, f"trading HALTED: {event.reason}"))

    # -- what the window may read and call (through the engine) ------------------------------

    @property
    def dropped(self) -> int:
        """Alerts dropped because the queue was full."""
        return self._queue.dropped

    def statuses(self) -> tuple[ChannelStatus, ...]:
        return tuple(
            replace(s, held=len(self._pending.get(s.name, ())))
            for s in sorted(self._status.values(), key=lambda s: s.name)
        )

    async def send_test(self, name: str) -> DeliveryResult:
        """A test message to one channel now: no rules, no rate limit, no queue."""
        if name not in self._channels:
            return DeliveryResult(name, False, 0, error=f"no alert channel {name!r}")
        text = "test alert from ArbDesk: this channel works"
        result = await self._deliver(name, Message(AlertLevel.INFO, TEST_SOURCE, text))
        self._record(name, result)
        return result

    # -- the worker --------------------------------------------------------------------------

    async def run(self) -> None:
        """Route queued alerts, send per channel, and the daily summary; until cancelled."""
        if self._trading_state is not None:
            self._last_state = self._trading_state()
        elif self._last_state is None:
            self._last_state = TradingState.ACTIVE
        self._running = True
        try:
            async with asyncio.TaskGroup() as group:
                for name in self._channels:
                    group.create_task(self._channel_loop(name))
                if self._settings.daily_summary.enabled and self._report is not None:
                    group.create_task(self._summary_loop())
                await self._route_loop()
        finally:
            self._running = False

    async def flush(self, timeout_s: float) -> bool:
        """Wait (bounded) until what is queued has been sent or given up: a halt just before
        the engine stops still goes out. True when nothing is left."""
        deadline = self._now_s() + timeout_s
        while self._running and (len(self._queue) or self._sending or any(self._pending.values())):
            if self._now_s() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return not (len(self._queue) or any(self._pending.values()))

    async def _route_loop(self) -> None:
        while True:
            wait = self._dedup.next_due_s(self._now_s())
            await self._queue.wait(self._tick_s if wait is None else min(wait, self._tick_s))
            now = self._now_s()
            messages = self._dedup.due(now)
            for alert, skip in self._queue.take_all():
                for message in self._dedup.offer(alert, now):
                    same = message.source == alert.source and message.text == alert.message
                    messages.append(replace(message, skip_channel=skip) if same else message)
            for message in messages:
                self._route(message)

    def _route(self, message: Message) -> None:
        for name, rules in self._channels.items():
            if accepts(name, rules, message):
                self._pending[name].append(message)
                self._wake[name].set()

    async def _channel_loop(self, name: str) -> None:
        limit = RateLimit(self._channels[name].max_per_minute)
        wake = self._wake[name]
        while True:
            await wake.wait()
            wake.clear()
            waited = False
            while self._pending[name]:
                wait = limit.wait_s(self._now_s())
                if wait > 0:
                    await self._sleep(wait)
                    waited = True
                    continue
                pending = self._pending[name]
                if waited:  # what the limit held back goes out as one message
                    batch, self._pending[name] = pending, []
                else:
                    batch = [pending.pop(0)]
                limit.record(self._now_s())
                self._sending += 1
                try:
                    result = await self._deliver(name, combine(batch))
                finally:
                    self._sending -= 1
                self._record(name, result)

    async def _summary_loop(self) -> None:
        assert self._report is not None
        while True:
            now = datetime.fromtimestamp(self._wall_s()).astimezone()
            await self._sleep(seconds_until(self._settings.daily_summary.time, now))
            day = datetime.fromtimestamp(self._wall_s()).astimezone().date().isoformat()
            try:
                report = await self._report()
            except Exception as exc:  # the store failed: say so, try again tomorrow
                log.warning("daily summary not sent: %s", exc)
                await self._sleep(61.0)
                continue
            text = summary_text(report, day)
            self._route(Message(AlertLevel.INFO, SUMMARY_SOURCE, text, summary=True))
            await self._sleep(61.0)  # past the minute: one summary per day

    # -- one delivery ------------------------------------------------------------------------

    async def _deliver(self, name: str, message: Message) -> DeliveryResult:
        rules = self._channels[name]
        secrets: dict[str, Secret] = {}
        try:
            for field in SECRETS[rules.kind]:
                value = await self._secrets(secret_name(name, field))
                if value:
                    redaction.register(value)
                    secrets[field] = value
            # a second line of defence: no known secret leaves in a message's text
            message = replace(message, text=redaction.redact(message.text))
            request = build(rules, message, secrets, int(self._wall_s() * 1000))
            return await deliver(
                name,
                rules.kind,
                request,
                secrets=secrets.values(),
                timeout_s=rules.timeout_s,
                retries=rules.retries,
                backoff=self._backoff,
            )
        except MissingSecret as exc:
            return DeliveryResult(name, False, 0, error=str(exc))
        except Exception as exc:  # a delivery never raises into the engine
            detail = scrub(f"{type(exc).__name__}: {exc}", secrets.values())
            return DeliveryResult(name, False, 0, error=redaction.redact(detail))

    def _record(self, name: str, result: DeliveryResult) -> None:
        status = self._status[name]
        now = self._wall_s()
        if result.ok:
            self._status[name] = replace(
                status, sent=status.sent + 1, failures_in_row=0, last_delivery_s=now
            )
            return
        failures = status.failures_in_row + 1
        self._status[name] = replace(
            status,
            failed=status.failed + 1,
            failures_in_row=failures,
            last_failure_s=now,
            last_error=result.error,
        )
        log.warning("alert channel %s: delivery failed: %s", name, result.error)
        if failures == self._settings.failures_before_warning:
            self._raise_local(name, status.kind, failures, result.error)

    def _raise_local(self, name: str, kind: str, failures: int, error: str) -> None:
        """One WARNING per failing streak, on the bus (tray, log), never sent to ``name``."""
        text = f"alert channel {name} ({kind}) failed {failures} times in a row: {error}"
        alert = Alert(AlertLevel.WARNING, LOCAL_SOURCE, text)
        self._raising = (alert, name)
        try:
            if self._publish is not None:
                self._publish(alert)
            else:
                self.on_alert(alert)
        finally:
            self._raising = None
