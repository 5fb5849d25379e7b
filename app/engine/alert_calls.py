"""The engine's public calls for alerts (part of the ``Engine`` façade, kept apart like bots).

The window lists the channels with their status and sends a test through these; secrets are
stored through ``set_alert_secret`` (the CLI, the dialog) and never come back out.
"""

from __future__ import annotations

import asyncio

from app.core.secrets import Secret
from app.credentials import VaultMissing
from app.engine.accounts import AccountService
from app.engine.alerting import AlertingService, ChannelStatus, DeliveryResult
from app.engine.alerting.channels import SECRETS, secret_name
from app.runtime import redaction
from app.runtime.settings import Settings


class AlertCalls:
    _alerting: AlertingService
    _accounts: AccountService
    _settings: Settings

    def alert_channels(self) -> tuple[ChannelStatus, ...]:
        """Every channel of ``[alerts.channels]``: sent, failed, last delivery, last error."""
        return self._alerting.statuses()

    def alert_secret_names(self, channel: str) -> tuple[str, ...]:
        """The secrets ``channel``'s kind uses (``bot_token``, ``signing_secret``, …)."""
        rules = self._settings.alerts.channels.get(channel)
        return () if rules is None else tuple(SECRETS[rules.kind])

    async def send_test_alert(self, channel: str) -> DeliveryResult:
        """A test message to ``channel`` now (no rules, no rate limit); never raises."""
        return await self._alerting.send_test(channel)

    async def set_alert_secret(self, channel: str, name: str, value: str) -> None:
        """Keep one secret of ``channel`` in the keychain or vault; ``ValueError`` when the
        channel has no such secret. The value is registered for redaction first."""
        if name not in self.alert_secret_names(channel):
            raise ValueError(f"alert channel {channel!r} has no secret {name!r}")
        redaction.register(value)
        store = self._accounts.credentials
        await asyncio.to_thread(store.put_secret, secret_name(channel, name), Secret(value))

    async def _alert_secret(self, name: str) -> Secret | None:
        """None when there is no vault yet (no secret can be stored); a locked vault raises,
        and the delivery fails saying so rather than going out unsigned."""
        try:
            return await asyncio.to_thread(self._accounts.credentials.get_secret, name)
        except VaultMissing:
            return None
